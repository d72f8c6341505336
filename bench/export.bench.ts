import { loadavg } from "node:os";
import pg from "pg";
import { openExport, type ExportKind } from "@/lib/export/exports";
import { sqlClientOf } from "@/lib/export/sql-client";
import type { BenchContext, BenchRow, BenchSection } from "./types";

/**
 * The CSV export on the large data set (100k plays): rows per second and how much the process
 * grows while it streams, measured in-process by calling the same function the route calls
 * (openExport over node-postgres) and reading its stream as fast as it comes, so the figure is
 * the export's own speed, not a network's. Over HTTP too when the runner gives a running app.
 */

// Issue 12: progress.csv at 60,000 rows/s over HTTP (the in-process figure is held to it too).
const TARGET_ROWS_PER_SECOND = 60_000;
const TARGET_RSS_GROWTH_MB = 100;
const MB = 1024 * 1024;

interface Run {
  /** Data records written (CRLF-terminated records minus the header). */
  rows: number;
  bytes: number;
  seconds: number;
  /** CPU time of this process (user + system) during the export, in seconds. */
  cpuSeconds: number;
  firstByteMs: number;
  peakRssGrowthMb: number;
}

/** Counts CRLF record ends with the native byte search (quoted CRLFs inside fields would count too). */
function countCrlf(chunk: Uint8Array, carry: number): { count: number; carry: number } {
  const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let count = carry === 0x0d && buffer[0] === 0x0a ? 1 : 0;
  for (let at = buffer.indexOf("\r\n"); at !== -1; at = buffer.indexOf("\r\n", at + 2)) count++;
  return { count, carry: buffer[buffer.length - 1] ?? carry };
}

async function consume(stream: ReadableStream<Uint8Array>, started: number, baselineRss: number) {
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 5);
  const reader = stream.getReader();
  let bytes = 0;
  let records = 0;
  let carry = 0;
  let firstByteMs = -1;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (firstByteMs < 0) firstByteMs = performance.now() - started;
      bytes += value.byteLength;
      const counted = countCrlf(value, carry);
      records += counted.count;
      carry = counted.carry;
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }
  } finally {
    clearInterval(sampler);
  }
  return { bytes, records, firstByteMs, peakRssGrowthMb: (peakRss - baselineRss) / MB };
}

async function inProcess(pool: pg.Pool, kind: ExportKind): Promise<Run> {
  (globalThis as { gc?: () => void }).gc?.();
  const baselineRss = process.memoryUsage.rss();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { body } = await openExport(sqlClientOf(pool), kind, { selection: {}, bom: false });
  const consumed = await consume(body, started, baselineRss);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { ...consumed, rows: consumed.records - 1, seconds, cpuSeconds }; // minus the header
}

async function overHttp(baseUrl: string, cookie: string): Promise<Run> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const response = await fetch(`${baseUrl}/api/export/progress.csv`, { headers: { cookie } });
  if (response.status !== 200 || !response.body) throw new Error(`export answered ${response.status}`);
  const consumed = await consume(response.body, started, process.memoryUsage.rss());
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { ...consumed, rows: consumed.records - 1, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

const round = (value: number, digits = 0) => Number(value.toFixed(digits));

export async function run(context: BenchContext): Promise<BenchSection> {
  const notes: string[] = [];
  const rows: BenchRow[] = [];
  const pool = new pg.Pool({ connectionString: context.databaseUrl, max: 3, application_name: "cairn-bench-export" });
  try {
    const plays = Number((await pool.query("SELECT count(*)::int AS n FROM participant")).rows[0].n);
    if (plays === 0) throw new Error("the bench database holds no plays: seed it first");

    // A cold run (connections, JIT) first; the warm run is the one measured against the targets.
    const cold = await inProcess(pool, "progress");
    const warm = await inProcess(pool, "progress");
    if (warm.rows !== plays) notes.push(`progress export wrote ${warm.rows} rows for ${plays} plays (CRLF inside a field?)`);
    const rate = warm.rows / warm.seconds;
    const growth = Math.max(cold.peakRssGrowthMb, warm.peakRssGrowthMb);
    rows.push(
      { metric: "progress.csv rows (in-process)", value: warm.rows, unit: "rows" },
      {
        metric: "progress.csv throughput (in-process)",
        value: round(rate),
        unit: "rows/s",
        target: `≥ ${TARGET_ROWS_PER_SECOND}`,
        pass: rate >= TARGET_ROWS_PER_SECOND,
      },
      { metric: "progress.csv throughput, cold first run", value: round(cold.rows / cold.seconds), unit: "rows/s" },
      // Independent of how busy the machine is: what the Node side costs (the database's share is not counted).
      { metric: "progress.csv rows per Node CPU second", value: round(warm.rows / warm.cpuSeconds), unit: "rows/s" },
      {
        metric: "progress.csv peak RSS growth",
        value: round(growth, 1),
        unit: "MB",
        target: `< ${TARGET_RSS_GROWTH_MB} MB`,
        pass: growth < TARGET_RSS_GROWTH_MB,
      },
      { metric: "progress.csv time to first byte", value: round(warm.firstByteMs), unit: "ms" },
      { metric: "progress.csv size", value: round(warm.bytes / MB, 1), unit: "MB" },
    );

    const challenges = await inProcess(pool, "challenges");
    rows.push(
      { metric: "challenges.csv rows (in-process)", value: challenges.rows, unit: "rows" },
      { metric: "challenges.csv throughput (in-process)", value: round(challenges.rows / challenges.seconds), unit: "rows/s" },
      { metric: "challenges.csv peak RSS growth", value: round(challenges.peakRssGrowthMb, 1), unit: "MB" },
    );

    if (context.baseUrl && context.sessionCookie) {
      const http = await overHttp(context.baseUrl, context.sessionCookie);
      const httpRate = http.rows / http.seconds;
      rows.push({
        metric: "progress.csv throughput over HTTP",
        value: round(httpRate),
        unit: "rows/s",
        target: `≥ ${TARGET_ROWS_PER_SECOND}`,
        pass: httpRate >= TARGET_ROWS_PER_SECOND,
      });
    } else {
      notes.push("HTTP export not measured: no running app (baseUrl, sessionCookie) was given.");
    }

    notes.push(
      "In-process: openExport (the function behind GET /api/export/progress.csv) over node-postgres, the stream read as fast as it comes; the warm second run is held to the targets.",
      `RSS growth is the peak of process RSS, sampled every 5 ms and at every chunk, over the RSS just before the export${
        (globalThis as { gc?: unknown }).gc ? " (after a forced GC)" : " (run node with --expose-gc for a GC'd baseline)"
      }.`,
      `Load average while measuring: ${loadavg().map((n) => n.toFixed(2)).join(", ")} (throughput on a shared machine varies with it).`,
    );
    if (rate < TARGET_ROWS_PER_SECOND) {
      notes.push(
        "Throughput below target: most of the time is PostgreSQL joining each play to its learner and node-postgres decoding rows; check the machine's load first, then EXPLAIN ANALYZE the batch query (lib/export/query.ts).",
      );
    }
    return { name: "CSV export", rows, notes };
  } finally {
    await pool.end();
  }
}
