import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { classifyEvent, parseInstruqtTimestamp } from "@/lib/instruqt/events";
import { reprojectAll } from "@/lib/progress/reproject";
import { generatePlayStream, type SimEvent } from "./traffic";

/**
 * Writes a large, realistic data set straight into a migrated database, as if every event had
 * come through the webhook: raw events in webhook_event (outcome 'projected'), then every
 * projection derived by the projector's own batch functions (lib/progress/reproject.ts), so the
 * seeded rows are what ingest writes by construction, not by a second statement of its rules.
 * Going through HTTP would take hours for a million events; this takes minutes: events go in as
 * arrays, one multi-row INSERT … SELECT FROM unnest(…) per batch, while the next batch is
 * generated, and the projections are then rebuilt play batch by play batch.
 */

export interface SeedOptions {
  databaseUrl: string;
  events: number;
  plays: number;
  tracks: number;
  seed: string;
  /** Event times end here (epoch ms) and spread back over `spreadDays`. */
  endMs: number;
  spreadDays?: number;
  batchEvents?: number;
  log?: (line: string) => void;
}

export interface SeedResult {
  events: number;
  plays: number;
  challengeRows: number;
  tracks: number;
  learners: number;
  inviteClaims: number;
  reviews: number;
  elapsedMs: number;
}


class Columns {
  readonly data: unknown[][];
  constructor(count: number) {
    this.data = Array.from({ length: count }, () => []);
  }
  push(...values: unknown[]): void {
    values.forEach((value, i) => this.data[i]!.push(value));
  }
  get length(): number {
    return this.data[0]!.length;
  }
}

const EVENT_SQL = `
  INSERT INTO webhook_event
    (svix_id, type, occurred_at, timestamp_raw, received_at, participant_id, user_id, track_id, invite_id,
     challenge_id, payload, outcome)
  SELECT svix_id, type, occurred_at, timestamp_raw, received_at, participant_id, user_id, track_id, invite_id,
         challenge_id, payload::jsonb, 'projected'::"EventOutcome"
  FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::timestamptz[], $6::text[], $7::text[],
              $8::text[], $9::text[], $10::text[], $11::text[])
    AS t(svix_id, type, occurred_at, timestamp_raw, received_at, participant_id, user_id, track_id, invite_id,
         challenge_id, payload)`;

const str = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);

export async function seedDatabase(options: SeedOptions): Promise<SeedResult> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    const [{ exists }] = (await client.query<{ exists: boolean }>("SELECT to_regclass('webhook_event') IS NOT NULL AS exists")).rows as [{ exists: boolean }];
    if (!exists) throw new Error("the database is not migrated: run `npm run db:migrate` with DATABASE_URL pointing at it first");
    const { rows } = await client.query<{ any: boolean }>("SELECT EXISTS (SELECT 1 FROM webhook_event) AS any");
    if (rows[0]!.any) throw new Error("webhook_event is not empty: seed a fresh database (the seeded projections assume no other events)");
    // The data set can be regenerated from its seed: losing the last commits in a crash costs nothing.
    await client.query("SET synchronous_commit = off");
    await client.query("SET maintenance_work_mem = '256MB'");
    // Maintaining a dozen secondary indexes row by row costs more than the inserts themselves;
    // building each once at the end (a sort) is several times faster. Their definitions are read
    // from the catalogue, so whatever the migrations define is what comes back.
    const indexes = await dropSecondaryIndexes(client);
    log(`  loading without ${indexes.length} secondary indexes (rebuilt before projecting)`);
    let totals: Awaited<ReturnType<typeof load>>;
    try {
      totals = await load(client, options, started, log);
    } finally {
      // Even after a failure: a database left without its indexes would mislead any benchmark.
      await client.query("ROLLBACK").catch(() => {});
      const rebuilding = Date.now();
      for (const index of indexes) await client.query(index.definition);
      log(`  rebuilt ${indexes.length} indexes in ${((Date.now() - rebuilding) / 1000).toFixed(1)} s`);
    }
    await client.query("ANALYZE webhook_event");

    // The projections: the projector's batch functions over the stored events (no markers: the
    // rebuild reads the log itself).
    const projecting = Date.now();
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: options.databaseUrl, max: 2 }) });
    try {
      let lastLog = Date.now();
      const result = await reprojectAll(prisma, {
        restart: true,
        onProgress: (progress) => {
          if (Date.now() - lastLog < 5_000) return;
          lastLog = Date.now();
          log(`  projecting (${progress.phase}): ${progress.events.toLocaleString("en")} of ${progress.totalEvents.toLocaleString("en")} events`);
        },
      });
      log(`  projected ${result.plays.toLocaleString("en")} plays from ${result.events.toLocaleString("en")} events in ${((Date.now() - projecting) / 1000).toFixed(1)} s`);
    } finally {
      await prisma.$disconnect();
    }
    // What autovacuum does to a database at rest on a default PostgreSQL: statistics, and the
    // visibility map that lets counts over an index skip the table (the overview's events per day:
    // 333 ms without it, 40 ms with it, at 1M events). Seeding inserts a million rows in minutes,
    // before autovacuum's next pass would, and some machines (this project's CI) run with it off.
    log("  VACUUM ANALYZE");
    await client.query("VACUUM ANALYZE");
    const count = async (table: string) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    return {
      ...totals,
      challengeRows: await count("challenge_progress"),
      tracks: await count("track"),
      learners: await count("learner"),
      inviteClaims: await count("invite_claim"),
      reviews: await count("review"),
      elapsedMs: Date.now() - started,
    };
  } finally {
    await client.end();
  }
}

/** Generates the plays and inserts their events batch by batch. */
async function load(client: pg.Client, options: SeedOptions, started: number, log: (line: string) => void) {
  const batchEvents = options.batchEvents ?? 10_000;
  const spreadSeconds = Math.round((options.spreadDays ?? 90) * 86_400);
  const totals = { events: 0, plays: 0 };
  let pending: Promise<unknown> = Promise.resolve();

  let events = new Columns(11);
  const flush = async () => {
    const e = events;
    events = new Columns(11);
    await pending;
    // One insert in flight while the next batch is generated.
    pending = (async () => {
      const t0 = Date.now();
      if (e.length) await client.query(EVENT_SQL, e.data);
      if (process.env.CAIRN_SEED_DEBUG) log(`    batch of ${e.length} events: ${Date.now() - t0} ms`);
    })();
    pending.catch(() => {}); // surfaced by the next await
  };

  const addEvent = (event: SimEvent) => {
    const p = event.payload;
    const classified = classifyEvent(p);
    if (classified.kind !== "valid") throw new Error(`the simulator produced an invalid event: ${JSON.stringify(classified)}`);
    const at = parseInstruqtTimestamp(p.timestamp)!;
    // Delivery a moment after the event, as Svix does.
    const receivedAt = new Date(event.ms + 150 + (event.nanos % 2_000));
    events.push(event.svixId, p.type, at.toISOString(), p.timestamp, receivedAt.toISOString(), str(p.participant_id), str(p.user_id), str(p.track_id), str(p.invite_id), str(p.challenge_id), JSON.stringify(p));
  };

  const stream = generatePlayStream({
    seed: options.seed,
    plays: options.plays,
    events: options.events,
    tracks: options.tracks,
    learners: Math.max(1, Math.ceil(options.plays / 1.6)),
    startMs: options.endMs - spreadSeconds * 1000,
    spreadSeconds,
  });
  let lastLog = Date.now();
  for (const play of stream) {
    for (const event of [...play.events, ...play.related]) addEvent(event);
    totals.events += play.events.length + play.related.length;
    totals.plays++;
    if (events.length >= batchEvents) await flush();
    // The generator is synchronous: yield now and then so the insert in flight can use the socket.
    else if (totals.plays % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    if (Date.now() - lastLog > 5_000) {
      lastLog = Date.now();
      log(`  ${totals.events.toLocaleString("en")} events, ${totals.plays.toLocaleString("en")} plays after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  }
  await flush();
  await pending;
  return totals;
}

/** Non-constraint indexes of the tables the seeder fills in bulk, dropped; returns how to recreate them. */
async function dropSecondaryIndexes(client: pg.Client): Promise<{ name: string; definition: string }[]> {
  const { rows } = await client.query<{ name: string; definition: string }>(`
    SELECT i.indexname AS name, i.indexdef AS definition
    FROM pg_indexes i
    WHERE i.schemaname = current_schema()
      AND i.tablename IN ('webhook_event', 'participant', 'challenge_progress')
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`);
  for (const { name } of rows) await client.query(`DROP INDEX "${name.replaceAll('"', '""')}"`);
  return rows;
}
