import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { planDeliveries, type PlannedDelivery } from "@/tools/simulate/delivery";
import { sendDeliveries, type SendSummary } from "@/tools/simulate/sender";
import { generateTraffic } from "@/tools/simulate/traffic";
import { freePort, startApp, type AppServer } from "@/tests/support/app-server";
import { getLoad, type GetLoadResult } from "./load";
import type { BenchContext, BenchRow, BenchSection } from "./types";

/**
 * Ingest: webhook deliveries per second and latency with 50 concurrent senders, against Cairn
 * (`npm start`: scripts/start.ts → scripts/server.ts, production build) and, in the same run,
 * against bench/reference-receiver.ts on the same database, in three scenarios:
 *   - interleaved: events of many plays mixed, like a large live cohort;
 *   - back to back: each play's events one after another (a burst, or Svix redelivering a backlog
 *     after an outage), so the deliveries in flight at once mostly belong to one play;
 *   - embedded: the interleaved load against `npm start` with no DATABASE_URL (PGlite).
 * Plus the Next.js floor (GET /api/health through Next) for comparison.
 */

const root = fileURLToPath(new URL("..", import.meta.url));
const CONCURRENCY = 50;
const TARGET_RATE = 1_500;
const TARGET_RATIO = 0.8;
const TARGET_P99_MS = 50;
const TARGET_BACK_TO_BACK_RATIO = 0.5;
const TARGET_EMBEDDED_RATE = 500;

async function startReference(databaseUrl: string, secret: string): Promise<{ url: string; process: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "bench/reference-receiver.ts"], {
    cwd: root,
    env: { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl, WEBHOOK_SECRET: secret },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reference receiver did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`reference receiver exited (${code}):\n${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}

const ms = (value: number) => Math.round(value * 10) / 10;
const ratioOf = (cairn: SendSummary, ref: SendSummary) => (ref.throughput > 0 ? Math.round((cairn.throughput / ref.throughput) * 100) / 100 : 0);

/**
 * New events of a realistic mix, every one unique (no duplicates: each request does full work).
 * 1,500 events/s means tens of thousands of learners at once, so plays start within 5 minutes of
 * each other and interleave. `backToBack` orders them play by play instead.
 */
function deliveriesFor(seed: string, count: number, { backToBack = false } = {}) {
  const traffic = generateTraffic({ seed, learners: Math.ceil(count / 15), tracks: 10, startMs: Date.UTC(2024, 0, 1), spreadSeconds: 300 });
  let events = traffic.events.slice(0, count);
  if (backToBack) {
    // Events without a participant_id (invite claims) group together; they touch no play.
    const play = (event: (typeof events)[number]) => String(event.payload.participant_id ?? "");
    const order = new Map<string, number>();
    for (const event of events) if (!order.has(play(event))) order.set(play(event), order.size);
    events = [...events].sort((a, b) => order.get(play(a))! - order.get(play(b))! || a.ms - b.ms);
  }
  return planDeliveries(events, { seed, duplicates: 0, reorder: 0 });
}

export async function run(context: BenchContext): Promise<BenchSection> {
  const count = context.small ? 4_000 : 20_000;
  const maxDurationMs = context.small ? 15_000 : 30_000;
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const notes: string[] = [];

  const interleaved = deliveriesFor("bench-ingest", count);
  const backToBack = deliveriesFor("bench-ingest-b2b", count, { backToBack: true });
  const embeddedLoad = deliveriesFor("bench-ingest-embedded", count);
  const warmup = planDeliveries(
    generateTraffic({ seed: "bench-warmup", learners: 30, tracks: 3, startMs: Date.UTC(2023, 0, 1), spreadSeconds: 3600 }).events.slice(0, 500),
    { seed: "warmup", duplicates: 0, reorder: 0 },
  );
  if (interleaved.length < count) notes.push(`only ${interleaved.length} events generated`);

  const post = (url: string, list: PlannedDelivery[]): Promise<SendSummary> =>
    sendDeliveries({ url, secret, deliveries: list, rate: Infinity, concurrency: CONCURRENCY, maxDurationMs, retryDelaysMs: [] });

  let app: AppServer | undefined;
  let embedded: AppServer | undefined;
  let reference: Awaited<ReturnType<typeof startReference>> | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "cairn-bench-embedded-"));
  try {
    app = await startApp({
      DATABASE_URL: context.databaseUrl,
      NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
      INSTRUQT_WEBHOOK_SECRET: secret,
      CAIRN_WORKER: "off",
    });
    reference = await startReference(context.databaseUrl, secret);
    const cairnUrl = `${app.baseUrl}/api/webhooks/instruqt`;

    // Warm-up: JIT, connection pools and the secret cache.
    const warm = await post(cairnUrl, warmup);
    await post(reference.url, warmup);
    await getLoad(`${app.baseUrl}/api/health`, { concurrency: CONCURRENCY, count: 500, maxDurationMs: 10_000 });

    const load = loadavg()[0]!;
    const health: GetLoadResult = await getLoad(`${app.baseUrl}/api/health`, { concurrency: CONCURRENCY, count, maxDurationMs });
    // The same trivial load on the webhook's path: a GET is answered 405 by scripts/server.ts before
    // Next sees it, so this is the floor of the direct path (no body, no database).
    const direct: GetLoadResult = await getLoad(cairnUrl, { concurrency: CONCURRENCY, count, maxDurationMs });
    const directRate = direct.requests / (direct.elapsedMs / 1000);
    // Reference and Cairn alternate, each scenario back to back, so machine noise hits both alike.
    const ref = await post(reference.url, interleaved);
    const cairn = await post(cairnUrl, interleaved);
    const refB2b = await post(reference.url, backToBack);
    const cairnB2b = await post(cairnUrl, backToBack);

    const stored = await countEvents(context.databaseUrl);
    const acknowledged = warm.acknowledged + cairn.acknowledged + cairnB2b.acknowledged;
    const missing = acknowledged - stored;
    await reference.stop();
    reference = undefined;
    await app.stop();
    app = undefined;

    // Embedded database: `npm start` with no DATABASE_URL, on a fresh data directory.
    embedded = await startApp({
      DATABASE_URL: undefined,
      CAIRN_DATA_DIR: dataDir,
      CAIRN_EMBEDDED_DB_PORT: String(await freePort()),
      NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
      INSTRUQT_WEBHOOK_SECRET: secret,
      CAIRN_WORKER: "off",
    });
    const embeddedUrl = `${embedded.baseUrl}/api/webhooks/instruqt`;
    await post(embeddedUrl, warmup);
    const cairnEmbedded = await post(embeddedUrl, embeddedLoad);
    await embedded.stop();
    embedded = undefined;

    const ratio = ratioOf(cairn, ref);
    const ratioB2b = ratioOf(cairnB2b, refB2b);
    const rows: BenchRow[] = [
      { metric: "Interleaved: Cairn events stored per second", value: Math.round(cairn.throughput), unit: "events/s", target: `≥ ${TARGET_RATE}`, pass: cairn.throughput >= TARGET_RATE },
      { metric: "Interleaved: Cairn latency p50", value: ms(cairn.latencyMs.p50), unit: "ms" },
      { metric: "Interleaved: Cairn latency p99", value: ms(cairn.latencyMs.p99), unit: "ms", target: `< ${TARGET_P99_MS} ms`, pass: cairn.latencyMs.p99 < TARGET_P99_MS },
      { metric: "Interleaved: Cairn ÷ reference", value: ratio, unit: "×", target: `≥ ${TARGET_RATIO}`, pass: ratio >= TARGET_RATIO },
      { metric: "Interleaved: reference events per second", value: Math.round(ref.throughput), unit: "events/s" },
      { metric: "Interleaved: reference latency p50", value: ms(ref.latencyMs.p50), unit: "ms" },
      { metric: "Interleaved: reference latency p99", value: ms(ref.latencyMs.p99), unit: "ms" },
      { metric: "Back to back: Cairn events stored per second", value: Math.round(cairnB2b.throughput), unit: "events/s" },
      { metric: "Back to back: Cairn latency p50", value: ms(cairnB2b.latencyMs.p50), unit: "ms" },
      { metric: "Back to back: Cairn latency p99", value: ms(cairnB2b.latencyMs.p99), unit: "ms" },
      { metric: "Back to back: Cairn ÷ reference", value: ratioB2b, unit: "×", target: `≥ ${TARGET_BACK_TO_BACK_RATIO}`, pass: ratioB2b >= TARGET_BACK_TO_BACK_RATIO },
      { metric: "Back to back: reference events per second", value: Math.round(refB2b.throughput), unit: "events/s" },
      { metric: "Embedded database: Cairn events stored per second", value: Math.round(cairnEmbedded.throughput), unit: "events/s", target: `≥ ${TARGET_EMBEDDED_RATE}`, pass: cairnEmbedded.throughput >= TARGET_EMBEDDED_RATE },
      { metric: "Embedded database: Cairn latency p50", value: ms(cairnEmbedded.latencyMs.p50), unit: "ms" },
      { metric: "Embedded database: Cairn latency p99", value: ms(cairnEmbedded.latencyMs.p99), unit: "ms" },
      { metric: "Next.js floor: GET /api/health per second", value: Math.round(health.throughput), unit: "req/s" },
      { metric: "Next.js floor: /api/health latency p99", value: ms(health.latencyMs.p99), unit: "ms" },
      { metric: "Direct path floor: GET on the webhook (405, before Next) per second", value: Math.round(directRate), unit: "req/s" },
      { metric: "Direct path floor: latency p99", value: ms(direct.latencyMs.p99), unit: "ms" },
      {
        metric: "Cairn: deliveries not acknowledged",
        value: cairn.failed + cairnB2b.failed + cairnEmbedded.failed,
        unit: "deliveries",
        target: "0",
        pass: cairn.failed + cairnB2b.failed + cairnEmbedded.failed === 0,
      },
      { metric: "Cairn: acknowledged but not stored", value: missing, unit: "events", target: "0", pass: missing === 0 },
    ];

    notes.push(
      `${CONCURRENCY} concurrent senders (closed loop, keep-alive), up to ${count} new events or ${maxDurationMs / 1000} s per target and scenario; ` +
        `Cairn sent ${cairn.sent} interleaved (${JSON.stringify(cairn.finalStatus)}), ${cairnB2b.sent} back to back (${JSON.stringify(cairnB2b.finalStatus)}), ` +
        `${cairnEmbedded.sent} to the embedded database (${JSON.stringify(cairnEmbedded.finalStatus)}); reference ${ref.sent} + ${refB2b.sent}; health ${health.requests}. ` +
        `Load generator, app and PostgreSQL share this machine's ${cpus().length} cores; 1-min load average before the run: ${load.toFixed(1)}.`,
      `webhook_event holds ${stored} rows after the PostgreSQL scenarios (warm-up included), against ${acknowledged} acknowledged deliveries.`,
      "The webhook is answered by scripts/server.ts on node:http before Next sees the request; the Next.js floor row is what any route served through Next costs.",
    );
    return { name: "Ingest", rows, notes };
  } finally {
    await reference?.stop();
    await app?.stop();
    await embedded?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function countEvents(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM webhook_event");
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}
