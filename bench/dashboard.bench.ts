/**
 * Dashboard read models on the large data set: how long each page's data takes (median and p95
 * of repeated runs after a warm-up), and whether PostgreSQL answers the main queries from indexes
 * (EXPLAIN). Runs against context.databaseUrl, which the bench runner has seeded.
 *
 * Standalone: DATABASE_URL=postgresql://… npx tsx bench/dashboard.bench.ts
 */
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import type { BenchContext, BenchRow, BenchSection } from "./types";

const WARMUP_RUNS = 2;
const MEASURED_RUNS = 12;
// Issue 12: every page's data, and the funnel JSON, under 100 ms at 1M events / 100k plays.
const TARGET_MS = 100;

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  Plans?: PlanNode[];
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index]!;
}

async function time(run: () => Promise<unknown>): Promise<{ median: number; p95: number }> {
  for (let i = 0; i < WARMUP_RUNS; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < MEASURED_RUNS; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { median: percentile(samples, 0.5), p95: percentile(samples, 0.95) };
}

function planSummary(node: PlanNode): { indexes: string[]; seqScans: string[] } {
  const indexes: string[] = [];
  const seqScans: string[] = [];
  const visit = (n: PlanNode) => {
    if (n["Index Name"]) indexes.push(`${n["Node Type"]} ${n["Index Name"]}`);
    if (n["Node Type"] === "Seq Scan" && n["Relation Name"]) seqScans.push(`${n["Relation Name"]} (${n["Actual Rows"] ?? "?"} rows)`);
    n.Plans?.forEach(visit);
  };
  visit(node);
  return { indexes: [...new Set(indexes)], seqScans: [...new Set(seqScans)] };
}

// Small tables (track, learner lookups by primary key…) are fine to scan; these are not.
const LARGE_TABLES = ["participant", "challenge_progress", "webhook_event"];

export async function run(context: BenchContext): Promise<BenchSection> {
  // lib/env reads DATABASE_URL once, on first use: it must name the seeded database before then.
  process.env.DATABASE_URL = context.databaseUrl;
  const { env } = await import("@/lib/env");
  if (env().DATABASE_URL !== context.databaseUrl) {
    throw new Error("lib/env was already read with another DATABASE_URL in this process; run this section on its own");
  }
  const { db, Prisma } = await import("@/lib/db/client");
  const { overview, eventsPerDayQuery, recentActivityQuery } = await import("@/lib/dashboard/overview");
  const { trackSummaries, trackSummariesQuery, findTrack, trackOptions } = await import("@/lib/dashboard/tracks");
  const { trackFunnel, trackFilterOptions, funnelStepsQuery, trackPlaysSummaryQuery, challengeFunnel, funnelJson, frontierQuery } =
    await import("@/lib/dashboard/track-funnel");
  const { listPlays, playPageQuery, playCountQuery } = await import("@/lib/dashboard/plays");
  const { listPeople, peopleOrderQuery } = await import("@/lib/dashboard/people");
  const { matchLearners, selectionOf } = await import("@/lib/plays/filter");
  const { learnerDetail, learnerTimelineQuery, learnerPlaysQuery } = await import("@/lib/dashboard/learner-detail");
  const { deliveryLog, deliveryLogQuery, eventTypesSeen, refusedDeliveries } = await import("@/lib/dashboard/delivery-log");
  const { inviteIdsSeen } = await import("@/lib/dashboard/filter-options");

  const [scale] = await db().$queryRaw<{ plays: number; events: number; tracks: number; learners: number }[]>`
    SELECT (SELECT count(*)::int FROM participant) AS plays, (SELECT count(*)::int FROM webhook_event) AS events,
           (SELECT count(*)::int FROM track) AS tracks, (SELECT count(*)::int FROM learner) AS learners`;
  const [busiest] = await db().$queryRaw<{ track_id: string }[]>`
    SELECT track_id FROM participant WHERE track_id IS NOT NULL GROUP BY track_id ORDER BY count(*) DESC LIMIT 1`;
  const [someone] = await db().$queryRaw<{ user_id: string }[]>`
    SELECT user_id FROM participant WHERE user_id IS NOT NULL ORDER BY last_activity_at DESC LIMIT 1`;
  const [enriched] = await db().$queryRaw<{ term: string }[]>`
    SELECT coalesce(last_name, split_part(email, '@', 1)) AS term FROM learner
    WHERE last_name IS NOT NULL OR email IS NOT NULL LIMIT 1`;
  const [middle] = await db().$queryRaw<{ id: string }[]>`SELECT id FROM webhook_event ORDER BY id DESC OFFSET 500000 LIMIT 1`;
  if (!busiest || !someone) throw new Error("the benchmark database has no plays: seed it first");

  const track = (await findTrack(busiest.track_id))!;
  const searchTerm = enriched?.term ?? someone.user_id.slice(1, -1);
  const learners = await matchLearners(searchTerm);
  const lastPage = Math.max(1, Math.ceil(scale!.plays / 50));

  // Each page's data exactly as the page loads it.
  const pages: { name: string; load: () => Promise<unknown> }[] = [
    { name: "overview", load: () => overview() },
    { name: "tracks", load: () => trackSummaries() },
    {
      name: "track (busiest, no filter)",
      load: () =>
        Promise.all([findTrack(track.id), trackFunnel(track, {}), listPlays({ filters: { trackId: track.id } }), trackFilterOptions(track.id)]),
    },
    {
      name: "track (filtered by mode and date)",
      load: () =>
        trackFunnel(track, { mode: "platform", window: { start: new Date(Date.now() - 7 * 86_400_000) } }),
    },
    {
      // What GET /api/tracks/[slug]/funnel does after authorization: resolve the track, then the funnel.
      name: "funnel JSON (busiest track)",
      load: async () => {
        const found = (await findTrack(track.id))!;
        return JSON.stringify(funnelJson(found, await challengeFunnel(found, await selectionOf({}, { trackId: found.id }))));
      },
    },
    { name: "learners, people (first page)", load: () => Promise.all([listPeople({ filters: {} }), trackOptions(), inviteIdsSeen()]) },
    { name: `learners, people (search "${searchTerm}")`, load: async () => listPeople({ filters: { learners: await matchLearners(searchTerm) } }) },
    { name: "learners, people (sorted by learner name)", load: () => listPeople({ filters: {}, sort: "learner", direction: "asc" }) },
    { name: "learners, people (busiest track)", load: () => listPeople({ filters: { trackId: track.id } }) },
    { name: "learners, plays (first page)", load: () => Promise.all([listPlays({ filters: {} }), trackOptions(), inviteIdsSeen()]) },
    { name: `learners (search "${searchTerm}")`, load: async () => listPlays({ filters: { learners: await matchLearners(searchTerm) } }) },
    { name: `learners (page ${lastPage}, deepest)`, load: () => listPlays({ filters: {}, page: lastPage }) },
    { name: "learners (sorted by learner name)", load: () => listPlays({ filters: {}, sort: "learner", direction: "asc" }) },
    { name: "learners (completed, last 7 days)", load: () => listPlays({ filters: { statuses: ["completed"], window: { start: new Date(Date.now() - 7 * 86_400_000) } } }) },
    { name: "learner", load: () => learnerDetail(someone.user_id) },
    { name: "delivery log (first page)", load: () => Promise.all([deliveryLog({}), eventTypesSeen(), refusedDeliveries(24)]) },
    { name: "delivery log (type filter)", load: () => deliveryLog({ type: "track.challenge_attempted" }) },
    { name: "delivery log (halfway back)", load: () => deliveryLog({ before: middle ? BigInt(middle.id) : undefined }) },
  ];

  const rows: BenchRow[] = [];
  const notes: string[] = [
    `Data: ${scale!.plays.toLocaleString("en-US")} plays, ${scale!.events.toLocaleString("en-US")} events, ${scale!.tracks} tracks, ${scale!.learners.toLocaleString("en-US")} learners; busiest track ${track.id}.`,
    `Each page: ${WARMUP_RUNS} warm-up runs, then ${MEASURED_RUNS} measured; wall time of the read-model calls the page makes (in parallel where the page does), through Prisma over the pool.`,
    `Machine load average at start (1/5/15 min): ${loadavg().map((n) => n.toFixed(1)).join(" / ")}; figures scale with it on a shared machine.`,
  ];
  for (const page of pages) {
    const { median, p95 } = await time(page.load);
    rows.push({ metric: `${page.name}: median`, value: Math.round(median * 10) / 10, unit: "ms", target: `< ${TARGET_MS} ms`, pass: median < TARGET_MS });
    rows.push({ metric: `${page.name}: p95`, value: Math.round(p95 * 10) / 10, unit: "ms" });
  }

  // EXPLAIN ANALYZE of the main queries: which indexes answer them, and any full scan of a large table.
  const explained: { name: string; query: InstanceType<typeof Prisma.Sql> }[] = [
    { name: "events per day", query: eventsPerDayQuery(new Date()) },
    { name: "recent activity", query: recentActivityQuery() },
    { name: "track summaries", query: trackSummariesQuery() },
    { name: "funnel steps", query: funnelStepsQuery(track.id, {}) },
    { name: "track plays summary", query: trackPlaysSummaryQuery(track.id, {}) },
    { name: "funnel frontiers", query: frontierQuery(track.id, {}, new Date(Date.now() - 4 * 3_600_000)) },
    { name: "plays page (default sort)", query: playPageQuery({}, "activity", "desc", 50, 0) },
    { name: "plays page (track)", query: playPageQuery({ trackId: track.id }, "activity", "desc", 50, 0) },
    { name: "plays page (search)", query: playPageQuery({ learners }, "activity", "desc", 50, 0) },
    { name: "plays count (status)", query: playCountQuery({ statuses: ["in_progress"] }) },
    { name: "people order (by learner name)", query: peopleOrderQuery({}, "learner", "asc", 51, 0) },
    { name: "learner timeline", query: learnerTimelineQuery(someone.user_id) },
    { name: "learner plays", query: learnerPlaysQuery(someone.user_id) },
    { name: "delivery log", query: deliveryLogQuery({}) },
    { name: "delivery log (type)", query: deliveryLogQuery({ type: "track.challenge_attempted" }) },
  ];
  let indexed = 0;
  for (const { name, query } of explained) {
    const [result] = await db().$queryRaw<{ "QUERY PLAN": { Plan: PlanNode }[] }[]>(
      Prisma.sql`EXPLAIN (ANALYZE, FORMAT JSON) ${query}`,
    );
    const { indexes, seqScans } = planSummary(result!["QUERY PLAN"][0]!.Plan);
    const largeScans = seqScans.filter((scan) => LARGE_TABLES.some((table) => scan.startsWith(`${table} `)));
    if (indexes.length > 0) indexed++;
    notes.push(
      `EXPLAIN ${name}: ${indexes.length > 0 ? `index use: ${indexes.join(", ")}` : "no index"}` +
        (largeScans.length > 0 ? `; full scan: ${largeScans.join(", ")}` : ""),
    );
  }
  rows.push({ metric: "main queries answered with an index", value: indexed, unit: `of ${explained.length}` });
  notes.push(
    "Expected full scans: track summaries and the overview aggregate every play per track (one pass over participant); " +
      "a learner-name sort sorts every play; a search scans learner (no pg_trgm: the embedded PGlite lacks it).",
  );

  // The shared client stays open: other sections in this process may use it (the runner exits).
  return { name: "Dashboards", rows, notes };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error("Set DATABASE_URL to a seeded database.");
    process.exit(2);
  }
  const section = await run({ databaseUrl });
  console.table(section.rows);
  for (const note of section.notes ?? []) console.log(`- ${note}`);
  const { db } = await import("@/lib/db/client");
  await db().$disconnect();
}
