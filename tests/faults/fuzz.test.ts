import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type AppServer } from "../support/app-server";
import { Cluster } from "./support/cluster";
import { fuzzCases, type FuzzCase } from "./support/fuzz-cases";
import { pool, startAppOn } from "./support/harness";
import { Inspector, type LiveMemory } from "./support/inspector";
import { nextServerPid, rssKiB } from "./support/processes";

/**
 * ≥ 10,000 generated requests against the webhook: random bytes, truncated and oversized bodies,
 * header mutations, unicode, deep nesting, huge numbers, NUL escapes, valid signatures over
 * garbage and over valid-but-weird payloads. Each may only get the answers its case allows
 * (400/401/413, or 2xx for a validly signed event) — never a 5xx, never a dropped connection —
 * and the server's memory must stay bounded.
 */

const CASES = Number(process.env.CAIRN_FUZZ_CASES ?? 10_000);
const SEED = process.env.CAIRN_FUZZ_SEED ?? "cairn";
/**
 * What the server still holds after a full garbage collection, heap plus Buffers, may grow this
 * much over the run: caches warm up (compiled routes, prepared statements, the pool). A leak of
 * one request body per request (~50 KiB on average here, ~500 MiB over the run) or even 5 KiB per
 * request fails it. RSS is printed beside it and bounded only loosely: it also counts the pages V8 and the
 * allocator keep after bursts of 1 MiB bodies, which measured 70–305 MiB of growth from run to run
 * with the same code — a high-water mark, not a leak.
 */
const MAX_LIVE_GROWTH_MIB = 48;
/** Only to catch a runaway process: a leak is caught by the bound above. */
const MAX_RSS_GROWTH_MIB = 1024;

const mib = (bytes: number) => bytes / 1024 / 1024;
const live = (memory: LiveMemory) => memory.heapUsedBytes + memory.externalBytes;

let cluster: Cluster;
let app: AppServer;
let inspectorPort: number;

beforeAll(async () => {
  cluster = await Cluster.create();
  inspectorPort = await freePort();
  // Only opened by the SIGUSR1 the test sends the server process; the parent gets the option too but is never signalled.
  const nodeOptions = [process.env.NODE_OPTIONS, `--inspect-port=127.0.0.1:${inspectorPort}`].filter(Boolean).join(" ");
  app = await startAppOn(cluster, { NODE_OPTIONS: nodeOptions });
});

afterAll(async () => {
  await app?.stop();
  await cluster?.destroy();
});

interface Outcome {
  status: number | "error";
  detail?: string;
  /** Sent a second time after a keep-alive race: the first copy may have been stored. */
  retried?: boolean;
}

let keepAliveRetries = 0;

function send(baseUrl: string, agent: Agent | false, fuzz: FuzzCase): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: Outcome) => {
      if (!settled) {
        settled = true;
        resolve(outcome);
      }
    };
    const headers: Record<string, string> = { ...fuzz.headers(new Date()) };
    if (!fuzz.chunked) headers["content-length"] = String(fuzz.body.length);
    const req = request(new URL("/api/webhooks/instruqt", baseUrl), { method: "POST", agent, headers, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.length < 4 && chunks.push(chunk));
      res.on("end", () => done({ status: res.statusCode ?? 0, detail: Buffer.concat(chunks).toString("utf8").slice(0, 300) }));
      res.on("error", (error) => done({ status: res.statusCode ?? "error", detail: error.message }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (error: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed just as this request went out is HTTP's keep-alive
      // race, not an answer: retry once on a fresh connection (what Node's docs advise).
      if (req.reusedSocket && error.code === "ECONNRESET" && agent !== false && !settled) {
        settled = true;
        keepAliveRetries++;
        void send(baseUrl, false, fuzz).then((outcome) => resolve({ ...outcome, retried: true }));
        return;
      }
      // A server refusing an oversized body may close the socket while the client still writes:
      // the answer it sent first is what counts, so `error` only decides when no response came.
      setTimeout(() => done({ status: "error", detail: error.message }), 100);
    });
    if (fuzz.chunked) {
      for (let offset = 0; offset < fuzz.body.length; offset += 256 * 1024) req.write(fuzz.body.subarray(offset, offset + 256 * 1024));
      req.end();
    } else {
      req.end(fuzz.body);
    }
  });
}

describe("webhook fuzzing", () => {
  it(`answers ${CASES}+ generated requests only as each case allows, with bounded memory`, async () => {
    const cases = fuzzCases(SEED, CASES);
    expect(cases.length).toBeGreaterThanOrEqual(CASES);
    const server = nextServerPid(app.process.pid!);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });

    // Warm up (JIT, connection pool, route compilation) before the memory baseline.
    await pool(cases.slice(0, 300), 8, (c) => send(app.baseUrl, agent, c));
    const inspector = await Inspector.attach(server, inspectorPort);
    const liveBefore = await inspector.liveMemory();
    const rssBefore = rssKiB(server)!;

    const started = Date.now();
    const outcomes: Outcome[] = [];
    const checkpoints: string[] = [];
    const third = Math.ceil(cases.length / 3);
    for (let from = 0; from < cases.length; from += third) {
      outcomes.push(...(await pool(cases.slice(from, from + third), 8, (c) => send(app.baseUrl, agent, c))));
      const rss = rssKiB(server);
      checkpoints.push(rss === null ? "gone" : `${(rss / 1024).toFixed(0)}`);
    }
    const seconds = (Date.now() - started) / 1000;
    agent.destroy();
    const rssAfter = rssKiB(server);
    const liveAfter = rssAfter === null ? null : await inspector.liveMemory();
    inspector.close();

    const counts: Record<string, number> = {};
    const failures: string[] = [];
    outcomes.forEach((outcome, i) => {
      counts[String(outcome.status)] = (counts[String(outcome.status)] ?? 0) + 1;
      const fuzz = cases[i]!;
      // The warm-up already delivered the first cases, and a keep-alive retry may deliver one twice:
      // a validly signed event then answers 200.
      const allowed = (i < 300 || outcome.retried) && fuzz.expect.includes(201) ? [...fuzz.expect, 200] : fuzz.expect;
      if (!allowed.includes(outcome.status as never)) {
        const body = fuzz.body.subarray(0, 200).toString("utf8");
        failures.push(`#${i} ${fuzz.name}: ${outcome.status} (allowed ${allowed.join("/")}) ${outcome.detail ?? ""}\n    body: ${body}`);
      }
    });
    const rssGrowthMiB = rssAfter === null ? Infinity : (rssAfter - rssBefore) / 1024;
    const liveGrowthMiB = liveAfter === null ? Infinity : mib(live(liveAfter) - live(liveBefore));
    console.log(
      `fuzz: ${cases.length} cases in ${seconds.toFixed(1)} s (${(cases.length / seconds).toFixed(0)}/s): ${JSON.stringify(counts)}; ` +
        `${keepAliveRetries} keep-alive retries; server RSS ${(rssBefore / 1024).toFixed(0)} → ${checkpoints.join(" → ")} MiB (${rssGrowthMiB.toFixed(1)} MiB); ` +
        `live after GC (heap + external) ${mib(live(liveBefore)).toFixed(1)} → ${liveAfter === null ? "gone" : mib(live(liveAfter)).toFixed(1)} MiB (${liveGrowthMiB.toFixed(1)} MiB)`,
    );

    expect(failures.slice(0, 25)).toEqual([]);
    expect(rssAfter, "the server process died").not.toBeNull();
    expect(liveGrowthMiB).toBeLessThan(MAX_LIVE_GROWTH_MIB);
    expect(rssGrowthMiB).toBeLessThan(MAX_RSS_GROWTH_MIB);
    expect((await fetch(`${app.baseUrl}/api/health`)).status).toBe(200);
    // Whatever was acknowledged is in the log: one row per acknowledged case.
    const acknowledged = new Set(outcomes.flatMap((o, i) => (o.status === 201 || o.status === 200 ? [cases[i]!.headers(new Date())["svix-id"] ?? cases[i]!.headers(new Date())["SVIX-ID"]] : [])));
    const [row] = await cluster.query<{ n: string }>("SELECT count(*) AS n FROM webhook_event");
    expect(Number(row!.n)).toBe(acknowledged.size);
  });
});
