import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { planDeliveries } from "@/lib/simulate/delivery";
import { sendDeliveries, type SendSummary } from "@/lib/simulate/sender";
import { generateTraffic } from "@/lib/simulate/traffic";
import { freePort, startApp, type AppServer } from "@/tests/support/app-server";
import { getLoad, type GetLoadResult } from "./load";
import type { BenchContext, BenchRow, BenchSection } from "./types";

/**
 * Ingest: webhook deliveries per second and latency with 50 concurrent senders, against Cairn
 * (scripts/start.mjs, production build, on the fresh database in `context.databaseUrl`) and, in
 * the same run, against bench/reference-receiver.ts on the same database; plus the app's own
 * /api/health under the same load — the floor Next.js sets before Cairn does any work.
 */

const root = fileURLToPath(new URL("..", import.meta.url));
const CONCURRENCY = 50;
const TARGET_RATE = 1_000;
const TARGET_RATIO = 0.6;
const TARGET_P99_MS = 100;

async function startReference(databaseUrl: string, secret: string): Promise<{ url: string; process: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(`${root}node_modules/.bin/tsx`, ["bench/reference-receiver.ts"], {
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

export async function run(context: BenchContext): Promise<BenchSection> {
  const count = context.small ? 4_000 : 20_000;
  const maxDurationMs = context.small ? 15_000 : 30_000;
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const notes: string[] = [];

  // Deliveries: a realistic mix, every event new (no duplicates: each request does full work).
  // 1,000 events/s means tens of thousands of learners at once, so plays start within 5 minutes
  // of each other and interleave; a day's spread would put a handful of plays in flight and
  // measure the per-play lock (one play's deliveries are serialised by design) instead.
  const traffic = generateTraffic({ seed: "bench-ingest", learners: Math.ceil(count / 15), tracks: 10, startMs: Date.UTC(2024, 0, 1), spreadSeconds: 300 });
  const deliveries = planDeliveries(traffic.events.slice(0, count), { seed: "bench", duplicates: 0, reorder: 0 });
  const warmup = planDeliveries(
    generateTraffic({ seed: "bench-warmup", learners: 30, tracks: 3, startMs: Date.UTC(2023, 0, 1), spreadSeconds: 3600 }).events.slice(0, 500),
    { seed: "warmup", duplicates: 0, reorder: 0 },
  );
  if (deliveries.length < count) notes.push(`only ${deliveries.length} events generated`);

  let app: AppServer | undefined;
  let reference: Awaited<ReturnType<typeof startReference>> | undefined;
  try {
    app = await startApp({
      DATABASE_URL: context.databaseUrl,
      NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
      INSTRUQT_WEBHOOK_SECRET: secret,
      CAIRN_WORKER: "off",
    });
    reference = await startReference(context.databaseUrl, secret);
    const cairnUrl = `${app.baseUrl}/api/webhooks/instruqt`;

    const post = (url: string, list: typeof deliveries): Promise<SendSummary> =>
      sendDeliveries({ url, secret, deliveries: list, rate: Infinity, concurrency: CONCURRENCY, maxDurationMs, retryDelaysMs: [] });

    // Warm-up: JIT, connection pools, Next's route compilation and the secret cache.
    const warm = await post(cairnUrl, warmup);
    await post(reference.url, warmup);
    await getLoad(`${app.baseUrl}/api/health`, { concurrency: CONCURRENCY, count: 500, maxDurationMs: 10_000 });

    const load = loadavg()[0]!;
    const health: GetLoadResult = await getLoad(`${app.baseUrl}/api/health`, { concurrency: CONCURRENCY, count, maxDurationMs });
    const ref = await post(reference.url, deliveries);
    const cairn = await post(cairnUrl, deliveries);

    const stored = await countEvents(context.databaseUrl);
    const missing = warm.acknowledged + cairn.acknowledged - stored;
    const ratio = ref.throughput > 0 ? cairn.throughput / ref.throughput : 0;
    const rows: BenchRow[] = [
      { metric: "Cairn webhook: events stored per second", value: Math.round(cairn.throughput), unit: "events/s", target: `≥ ${TARGET_RATE}`, pass: cairn.throughput >= TARGET_RATE },
      { metric: "Cairn webhook: latency p50", value: ms(cairn.latencyMs.p50), unit: "ms" },
      { metric: "Cairn webhook: latency p99", value: ms(cairn.latencyMs.p99), unit: "ms", target: `< ${TARGET_P99_MS} ms`, pass: cairn.latencyMs.p99 < TARGET_P99_MS },
      { metric: "Cairn / reference throughput", value: Math.round(ratio * 100) / 100, unit: "×", target: `≥ ${TARGET_RATIO}`, pass: ratio >= TARGET_RATIO },
      { metric: "Reference receiver: events stored per second", value: Math.round(ref.throughput), unit: "events/s" },
      { metric: "Reference receiver: latency p50", value: ms(ref.latencyMs.p50), unit: "ms" },
      { metric: "Reference receiver: latency p99", value: ms(ref.latencyMs.p99), unit: "ms" },
      { metric: "Next.js floor: GET /api/health per second", value: Math.round(health.throughput), unit: "req/s" },
      { metric: "Next.js floor: /api/health latency p50", value: ms(health.latencyMs.p50), unit: "ms" },
      { metric: "Next.js floor: /api/health latency p99", value: ms(health.latencyMs.p99), unit: "ms" },
      { metric: "Cairn webhook: deliveries not acknowledged", value: cairn.failed, unit: "deliveries", target: "0", pass: cairn.failed === 0 },
      { metric: "Cairn webhook: acknowledged but not stored", value: missing, unit: "events", target: "0", pass: missing === 0 },
    ];

    notes.push(
      `${CONCURRENCY} concurrent senders (closed loop, keep-alive), up to ${count} new events or ${maxDurationMs / 1000} s per target; ` +
        `Cairn sent ${cairn.sent} (${JSON.stringify(cairn.finalStatus)}), reference ${ref.sent}, health ${health.requests}. ` +
        `Load generator, app and PostgreSQL share this machine's ${cpus().length} cores; 1-min load average before the run: ${load.toFixed(1)}.`,
      `webhook_event holds ${stored} rows after the run (warm-up included), against ${warm.acknowledged + cairn.acknowledged} acknowledged deliveries.`,
    );
    const floor = health.throughput;
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    notes.push(
      `Where the time goes: the reference (one INSERT per delivery) reaches ${Math.round(ref.throughput)}/s; Next.js serving a trivial route with one query reaches ` +
        `${Math.round(floor)}/s (${pct(floor / Math.max(1, ref.throughput))} of the reference): that gap is the framework's request pipeline. ` +
        `Cairn reaches ${Math.round(cairn.throughput)}/s (${pct(cairn.throughput / Math.max(1, floor))} of that floor): that gap is Cairn's own work per delivery — ` +
        "one interactive Prisma transaction of about eight statements (insert, advisory lock, read the play's events, upsert the participant, rewrite its challenge rows, " +
        "track and learner upserts), each a round trip, on a pool of 10 connections shared by 50 concurrent deliveries (the projection section times that transaction alone).",
    );
    if (cairn.throughput < TARGET_RATE || ratio < TARGET_RATIO || cairn.latencyMs.p99 >= TARGET_P99_MS) {
      if (floor < TARGET_RATE) {
        notes.push(
          `Missed, and not reachable by tuning the handler: Next.js alone serves ${Math.round(floor)} trivial requests/s here, below the ${TARGET_RATE}/s target, ` +
            `and its p99 is ${ms(health.latencyMs.p99)} ms at ${CONCURRENCY} concurrent requests.`,
        );
      } else {
        notes.push(`Missed: the Next.js floor (${Math.round(floor)}/s) would allow the target; the cost is Cairn's transaction per delivery.`);
      }
      notes.push(
        "Design changes that would reach the targets, cheapest first: " +
          "(1) serve POST /api/webhooks/instruqt from a plain node:http listener in the same process tree (scripts/start.mjs), calling the same lib/ingest, so deliveries skip Next's routing and Web-Request adaptation (the floor becomes the reference's); " +
          "(2) commit the verified raw event alone — the durable acknowledgement Svix needs, one statement like the reference — and project it in a follow-up transaction fed by a queue table (FOR UPDATE SKIP LOCKED), recomputing each play once per batch instead of once per event; " +
          "(3) group commit: gather the deliveries arriving within a few milliseconds into one transaction; " +
          "(4) run more app instances (the app is stateless) or one Node worker per core on a larger machine.",
      );
    }
    return { name: "Ingest", rows, notes };
  } finally {
    await reference?.stop();
    await app?.stop();
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
