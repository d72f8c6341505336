import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, inject, it } from "vitest";
import { BODY_BYTE_BUDGET, MAX_CONCURRENT_BODIES } from "@/lib/http/body-slots";
import { BODY_READ_TIMEOUT_MS } from "@/lib/http/limited-body";
import { sendEvent } from "../support/webhooks";

/**
 * `npm start` answers POST /api/webhooks/instruqt on its own node:http listener, before Next sees
 * the request (scripts/server.ts); everything else is Next's. And the bodies it reads before a
 * signature can be checked are capped: past the cap a sender gets 503 + Retry-After at once.
 */

const baseUrl = inject("baseUrl");
const { hostname, port } = new URL(baseUrl);
const MiB = 1024 * 1024;

const playEvent = () => ({
  type: "track.started",
  track_id: "trk_server",
  track_slug: "server-track",
  participant_id: `p_${randomUUID().slice(0, 8)}`,
  user_id: "user_server",
  timestamp: new Date().toISOString(),
});

interface SlowSender {
  /** Status line's code, once the server answers. */
  status: Promise<number>;
  /** Response headers, lower-case, once answered. */
  headers: Promise<Record<string, string>>;
  /** Sends the rest of the declared body. */
  finish(): void;
  socket: Socket;
}

/** A raw HTTP request that declares `declared` bytes and sends only `sent` of them (for now). */
function slowSender(declared: number, sent: number): SlowSender {
  const socket = connect(Number(port), hostname);
  socket.on("error", () => {});
  let raw = "";
  const answered = new Promise<string>((resolve) => {
    socket.on("data", (chunk) => {
      raw += chunk.toString("latin1");
      if (raw.includes("\r\n\r\n")) resolve(raw);
    });
    socket.on("close", () => resolve(raw));
  });
  socket.write(
    `POST /api/webhooks/instruqt HTTP/1.1\r\nHost: ${hostname}:${port}\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n`,
  );
  if (sent > 0) socket.write(Buffer.alloc(sent, "x"));
  return {
    socket,
    status: answered.then((text) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)),
    headers: answered.then((text) =>
      Object.fromEntries(
        text
          .split("\r\n\r\n")[0]!
          .split("\r\n")
          .slice(1)
          .map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
      ),
    ),
    finish: () => {
      if (!socket.destroyed) socket.write(Buffer.alloc(declared - sent, "x"));
    },
  };
}

const settledWithin = async <T,>(promise: Promise<T>, ms: number): Promise<T | "pending"> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = await Promise.race([promise, new Promise<"pending">((resolve) => (timer = setTimeout(resolve, ms, "pending")))]);
  clearTimeout(timer);
  return result;
};

/** Sends small probes until one is refused as busy (the senders before it took every slot). */
async function waitUntilBusy(deadlineMs = 20_000): Promise<Record<string, string>> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const probe = slowSender(2, 2);
    const status = await probe.status;
    const headers = await probe.headers;
    probe.socket.destroy();
    if (status === 503) return headers;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the server never refused a body as busy");
}

let open: SlowSender[] = [];

afterEach(async () => {
  // Free the server's slots for the next test: finish every body, then wait for the answers.
  for (const sender of open) sender.finish();
  await Promise.all(open.map((sender) => settledWithin(sender.status, 10_000)));
  for (const sender of open) sender.socket.destroy();
  open = [];
});

describe("the webhook on npm start", () => {
  it("is answered outside Next, by every method; every other route is Next's", async () => {
    const stored = await sendEvent(baseUrl, playEvent());
    expect(stored.status).toBe(201);
    expect(stored.headers.get("x-cairn-served-by")).toBe("ingest");
    expect(stored.headers.get("content-type")).toBe("application/json");
    expect(stored.headers.get("cache-control")).toBe("no-store");
    // Next sets Vary (rsc, next-router-state-tree, …) on everything it serves, API routes too.
    expect(stored.headers.get("vary")).toBeNull();

    const get = await fetch(`${baseUrl}/api/webhooks/instruqt?probe=1`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(get.headers.get("x-cairn-served-by")).toBe("ingest");

    // Next's: an API route, a page, a redirect by proxy.ts (its side effect, absent above).
    const health = await fetch(`${baseUrl}/api/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get("x-cairn-served-by")).toBeNull();
    expect(health.headers.get("vary")).toMatch(/\brsc\b/);
    const signin = await fetch(`${baseUrl}/signin`);
    expect(signin.status).toBe(200);
    expect(signin.headers.get("content-type")).toMatch(/text\/html/);
    expect(signin.headers.get("x-cairn-served-by")).toBeNull();
    const page = await fetch(`${baseUrl}/`, { redirect: "manual" });
    expect([302, 307]).toContain(page.status);
    expect(page.headers.get("location")).toMatch(/\/signin/);
    // A path that only starts like the webhook's is not the webhook.
    const other = await fetch(`${baseUrl}/api/webhooks/instruqtx`, { method: "POST", body: "{}" });
    expect(other.headers.get("x-cairn-served-by")).toBeNull();
  });
});

describe("the cap on unsigned bodies read at once", () => {
  it(`refuses with 503 + Retry-After past ${MAX_CONCURRENT_BODIES} slow senders, without waiting for their bodies`, async () => {
    open = Array.from({ length: MAX_CONCURRENT_BODIES }, () => slowSender(1000, 10));
    const busy = await waitUntilBusy();
    expect(busy["retry-after"]).toBe("5");

    // Many more slow senders at once: each is answered at once, none waits for its body.
    const late = Array.from({ length: 100 }, () => slowSender(1000, 10));
    open.push(...late);
    const statuses = await Promise.all(late.map((sender) => settledWithin(sender.status, 10_000)));
    expect(statuses.every((status) => status === 503)).toBe(true);

    // The held senders finish their bodies: read, judged (unsigned: 401), slots freed.
    const held = open.slice(0, MAX_CONCURRENT_BODIES);
    for (const sender of held) sender.finish();
    expect(new Set(await Promise.all(held.map((sender) => sender.status)))).toEqual(new Set([401]));
    const after = await sendEvent(baseUrl, playEvent());
    expect(after.status).toBe(201);
  });

  it("refuses past the byte budget: a few 1 MiB bodies fill it", async () => {
    const fill = BODY_BYTE_BUDGET / MiB;
    open = Array.from({ length: fill }, () => slowSender(MiB, 10));
    const busy = await waitUntilBusy();
    expect(busy["retry-after"]).toBe("5");
    expect(fill).toBeLessThan(MAX_CONCURRENT_BODIES);

    for (const sender of open) sender.finish();
    expect(new Set(await Promise.all(open.map((sender) => sender.status)))).toEqual(new Set([401]));
    expect((await sendEvent(baseUrl, playEvent())).status).toBe(201);
  });

  it(`answers 400 to a body that has not arrived within ${BODY_READ_TIMEOUT_MS / 1000} s, freeing its slot`, async () => {
    const trickle = slowSender(1000, 10);
    open = [trickle];
    const started = Date.now();
    const status = await settledWithin(trickle.status, BODY_READ_TIMEOUT_MS + 20_000);
    expect(status).toBe(400);
    expect(Date.now() - started).toBeGreaterThanOrEqual(BODY_READ_TIMEOUT_MS - 1_000);
    // The connection is cut after the answer rather than read on.
    await new Promise<void>((resolve) => (trickle.socket.destroyed ? resolve() : trickle.socket.once("close", () => resolve())));
    expect((await sendEvent(baseUrl, playEvent())).status).toBe(201);
  }, BODY_READ_TIMEOUT_MS + 40_000);
});
