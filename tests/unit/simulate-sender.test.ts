import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { Webhook } from "svix";
import { arg, loopbackUrl, parseArgs, UsageError, validateArgs, webhookEndpoint } from "@/tools/simulate/cli";
import { percentile, sendDeliveries } from "@/tools/simulate/sender";
import { z } from "zod";

const SECRET = "whsec_" + Buffer.from("simulate-sender-unit-test-secret!!").toString("base64");

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A local receiver that verifies like Cairn and answers what `answer` decides. */
async function receiver(answer: (svixId: string, attempt: number) => number): Promise<{ url: string; seen: Map<string, number>; bodies: string[] }> {
  const seen = new Map<string, number>();
  const bodies: string[] = [];
  const webhook = new Webhook(SECRET);
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = { "svix-id": String(req.headers["svix-id"]), "svix-timestamp": String(req.headers["svix-timestamp"]), "svix-signature": String(req.headers["svix-signature"]) };
      try {
        webhook.verify(body, headers);
      } catch {
        res.writeHead(401).end();
        return;
      }
      bodies.push(body);
      const attempt = (seen.get(headers["svix-id"]) ?? 0) + 1;
      seen.set(headers["svix-id"], attempt);
      const status = answer(headers["svix-id"], attempt);
      res.writeHead(status, status === 503 ? { "retry-after": "30" } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/hook`, seen, bodies };
}

const deliveries = (n: number) => Array.from({ length: n }, (_, i) => ({ svixId: `msg_${i}`, body: JSON.stringify({ type: "track.started", n: i }), duplicate: false }));

describe("sendDeliveries", () => {
  it("signs every delivery so a svix verifier accepts it, and summarises the answers", async () => {
    const target = await receiver(() => 201);
    const summary = await sendDeliveries({ url: target.url, secret: SECRET, deliveries: deliveries(40), rate: Infinity, concurrency: 4 });
    expect(summary).toMatchObject({ sent: 40, acknowledged: 40, failed: 0, requests: 40, retries: 0, finalStatus: { "201": 40 } });
    expect(target.seen.size).toBe(40);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50);
  });

  it("retries 503 on the schedule, then gives up after the last retry", async () => {
    // msg_0 recovers on its third attempt; msg_1 never does.
    const target = await receiver((id, attempt) => (id === "msg_1" || attempt < 3 ? 503 : 201));
    const summary = await sendDeliveries({ url: target.url, secret: SECRET, deliveries: deliveries(2), rate: Infinity, concurrency: 2, retryDelaysMs: [0, 10, 10] });
    expect(target.seen.get("msg_0")).toBe(3);
    expect(target.seen.get("msg_1")).toBe(4); // first attempt + 3 retries
    expect(summary).toMatchObject({ acknowledged: 1, failed: 1, retries: 2 + 3, finalStatus: { "201": 1, "503": 1 }, failedIds: ["msg_1"] });
    expect(summary.requestStatus["503"]).toBe(2 + 4);
  });

  it("does not retry a refusal that another attempt cannot fix (4xx)", async () => {
    const target = await receiver(() => 400);
    const summary = await sendDeliveries({ url: target.url, secret: SECRET, deliveries: deliveries(3), rate: Infinity, concurrency: 1, retryDelaysMs: [0, 0] });
    expect(summary).toMatchObject({ requests: 3, retries: 0, failed: 3, finalStatus: { "400": 3 } });
  });

  it("paces deliveries to the rate", async () => {
    const target = await receiver(() => 201);
    const summary = await sendDeliveries({ url: target.url, secret: SECRET, deliveries: deliveries(21), rate: 100, concurrency: 5 });
    // 21 deliveries at 100/s: the last starts 200 ms after the first.
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(195);
    expect(summary.acknowledged).toBe(21);
  });

  it("reports deliveries that get no answer at all", async () => {
    const summary = await sendDeliveries({ url: "http://127.0.0.1:9/", secret: SECRET, deliveries: deliveries(2), rate: Infinity, concurrency: 2, retryDelaysMs: [] });
    expect(summary).toMatchObject({ acknowledged: 0, failed: 2, finalStatus: { error: 2 } });
  });
});

describe("percentile", () => {
  it("uses the nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([], 50)).toBe(0);
  });
});

describe("command-line arguments", () => {
  const schema = z.object({ url: arg.string(), rate: arg.number(0.1, 1000).default(50), small: arg.flag() });

  it("parses --name value, --name=value and bare flags, with defaults", () => {
    expect(validateArgs(schema, parseArgs(["--url", "http://127.0.0.1:3000", "--rate=20", "--small"]))).toEqual({ url: "http://127.0.0.1:3000", rate: 20, small: true });
    expect(validateArgs(schema, parseArgs(["--url", "x"]))).toEqual({ url: "x", rate: 50, small: false });
  });

  it("names every problem: unknown options, bad numbers, missing values", () => {
    expect(() => validateArgs(schema, parseArgs(["--url", "x", "--rate", "fast", "--bogus", "1"]))).toThrow(/--rate: must be a number[\s\S]*unknown option --bogus/);
    expect(() => validateArgs(schema, parseArgs(["--rate", "5000"]))).toThrow(/--url[\s\S]*--rate/);
    expect(() => parseArgs(["stray"])).toThrow(UsageError);
  });

  it("only targets this machine", () => {
    expect(loopbackUrl("http://localhost:3000").hostname).toBe("localhost");
    expect(loopbackUrl("http://127.0.0.1:3000").port).toBe("3000");
    expect(loopbackUrl("http://[::1]:3000").hostname).toBe("[::1]");
    for (const url of ["http://example.com", "http://10.0.0.5:3000", "http://192.168.1.1", "ftp://127.0.0.1", "not a url"]) {
      expect(() => loopbackUrl(url), url).toThrow(UsageError);
    }
    expect(webhookEndpoint(new URL("http://127.0.0.1:3000")).pathname).toBe("/api/webhooks/instruqt");
    expect(webhookEndpoint(new URL("http://127.0.0.1:3000/custom")).pathname).toBe("/custom");
  });
});

describe("sendDeliveries stopOnStatus", () => {
  it("stops starting deliveries once one is refused with that status", async () => {
    const target = await receiver(() => 201);
    const summary = await sendDeliveries({ url: target.url, secret: "whsec_" + Buffer.from("a-different-secret-than-the-receiver").toString("base64"), deliveries: deliveries(200), rate: Infinity, concurrency: 2, stopOnStatus: 401 });
    expect(summary.stopped).toBe(true);
    expect(summary.sent).toBeLessThan(10);
    expect(summary.finalStatus["401"]).toBe(summary.sent);
  });
});
