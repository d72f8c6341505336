import pg from "pg";
import { classifyEvent, parseInstruqtTimestamp, type InstruqtEvent, type PlayEvent } from "@/lib/instruqt/events";
import { projectPlay, type PlayProgress, type StoredPlayEvent } from "@/lib/progress/projection";
import { generatePlayStream, type SimEvent } from "./traffic";

/**
 * Writes a large, realistic data set straight into a migrated database, as if every event had
 * come through the webhook: raw events in webhook_event (outcome 'projected'), each play's
 * projection from the same pure `projectPlay` the ingest path runs, in the row shapes
 * lib/progress/persist.ts writes, and the directory rows (track, learner, invite_claim, review)
 * with the convergence rules of lib/progress/directory.ts. Going through HTTP would take hours
 * for a million events; this takes minutes: rows go in as arrays, one multi-row
 * INSERT … SELECT FROM unnest(…) per batch, while the next batch is generated.
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

const iso = (date: Date | null) => (date ? date.toISOString() : null);

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

const PARTICIPANT_SQL = `
  INSERT INTO participant
    (id, user_id, track_id, track_slug, invite_id, mode, custom_parameters, status, challenges_completed,
     total_challenges, progress_percent, attempts, failed_attempts, skipped_challenges, sandbox_failures,
     event_count, started_at, completed_at, stopped_at, first_activity_at, last_activity_at, time_spent_seconds,
     updated_at)
  SELECT id, user_id, track_id, track_slug, invite_id, mode, custom_parameters::jsonb, status::"PlayStatus",
         challenges_completed, total_challenges, progress_percent, attempts, failed_attempts, skipped_challenges,
         sandbox_failures, event_count, started_at, completed_at, stopped_at, first_activity_at, last_activity_at,
         time_spent_seconds, now()
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
              $9::int[], $10::int[], $11::int[], $12::int[], $13::int[], $14::int[], $15::int[], $16::int[],
              $17::timestamptz[], $18::timestamptz[], $19::timestamptz[], $20::timestamptz[], $21::timestamptz[], $22::int[])
    AS t(id, user_id, track_id, track_slug, invite_id, mode, custom_parameters, status, challenges_completed,
         total_challenges, progress_percent, attempts, failed_attempts, skipped_challenges, sandbox_failures,
         event_count, started_at, completed_at, stopped_at, first_activity_at, last_activity_at, time_spent_seconds)`;

const CHALLENGE_SQL = `
  INSERT INTO challenge_progress
    (participant_id, challenge_index, challenge_id, track_id, user_id, status, started_at, completed_at,
     last_activity_at, attempts, failed_attempts, skipped, seconds_in_challenge)
  SELECT participant_id, challenge_index, challenge_id, track_id, user_id, status::"ChallengeStatus", started_at,
         completed_at, last_activity_at, attempts, failed_attempts, skipped, seconds_in_challenge
  FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
              $8::timestamptz[], $9::timestamptz[], $10::int[], $11::int[], $12::bool[], $13::int[])
    AS t(participant_id, challenge_index, challenge_id, track_id, user_id, status, started_at, completed_at,
         last_activity_at, attempts, failed_attempts, skipped, seconds_in_challenge)`;

/** What lib/progress/directory.ts converges to for a set of events, kept in memory. */
class Directory {
  readonly tracks = new Map<string, { slug: string | null; slugSeenAt: number | null; total: number | null; first: number; last: number }>();
  readonly learners = new Map<string, { first: number; last: number }>();
  readonly claims = new Map<string, { inviteId: string; userId: string; teamId: string | null; teamSlug: string | null; claimedAt: number }>();
  readonly reviews = new Map<string, { trackId: string | null; userId: string | null; score: number | null; content: string | null; occurredAt: number; createdAt: number | null }>();

  apply(event: InstruqtEvent, at: number): void {
    // Validated by its schema; read as a record since extra fields pass through loose schemas.
    const fields = event as unknown as Record<string, unknown>;
    const trackId = str(fields.track_id);
    if (trackId && event.type.startsWith("track.")) {
      const slug = typeof fields.track_slug === "string" ? fields.track_slug : null;
      const total = typeof fields.total_challenges === "number" ? fields.total_challenges : null;
      const row = this.tracks.get(trackId);
      if (!row) {
        this.tracks.set(trackId, { slug, slugSeenAt: slug === null ? null : at, total, first: at, last: at });
      } else {
        if (slug !== null && (row.slugSeenAt === null || at >= row.slugSeenAt)) {
          row.slug = slug;
          row.slugSeenAt = at;
        }
        if (total !== null) row.total = Math.max(row.total ?? total, total);
        row.first = Math.min(row.first, at);
        row.last = Math.max(row.last, at);
      }
    }
    const userId = "user_id" in event ? (event.user_id ?? null) : null;
    if (userId) {
      const row = this.learners.get(userId);
      if (!row) this.learners.set(userId, { first: at, last: at });
      else {
        row.first = Math.min(row.first, at);
        row.last = Math.max(row.last, at);
      }
    }
    if (event.type === "invite.claimed") {
      const key = `${event.invite_id}\u0000${event.user_id}`;
      const row = this.claims.get(key);
      if (!row) {
        this.claims.set(key, { inviteId: event.invite_id, userId: event.user_id, teamId: event.team_id ?? null, teamSlug: event.team_slug ?? null, claimedAt: at });
      } else {
        row.teamId ??= event.team_id ?? null;
        row.teamSlug ??= event.team_slug ?? null;
        row.claimedAt = Math.min(row.claimedAt, at);
      }
    }
    if (event.type === "review.created" || event.type === "review.updated") {
      const createdAt = event.type === "review.created" ? at : null;
      const row = this.reviews.get(event.review_id);
      if (!row) {
        this.reviews.set(event.review_id, { trackId: event.track_id ?? null, userId: event.user_id ?? null, score: event.score ?? null, content: event.content ?? null, occurredAt: at, createdAt });
      } else {
        if (at >= row.occurredAt) {
          row.trackId = event.track_id ?? row.trackId;
          row.userId = event.user_id ?? row.userId;
          row.score = event.score ?? null;
          row.content = event.content ?? null;
          row.occurredAt = at;
        }
        if (createdAt !== null) row.createdAt = Math.min(row.createdAt ?? createdAt, createdAt);
      }
    }
  }
}

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
    log(`  loading without ${indexes.length} secondary indexes (rebuilt at the end)`);
    let loaded: Awaited<ReturnType<typeof load>>;
    try {
      loaded = await load(client, options, started, log);
    } finally {
      // Even after a failure: a database left without its indexes would mislead any benchmark.
      await client.query("ROLLBACK").catch(() => {});
      const rebuilding = Date.now();
      for (const index of indexes) await client.query(index.definition);
      log(`  rebuilt ${indexes.length} indexes in ${((Date.now() - rebuilding) / 1000).toFixed(1)} s`);
    }
    const { directory, totals } = loaded;

    log(`  directory: ${directory.tracks.size} tracks, ${directory.learners.size} learners, ${directory.claims.size} invite claims, ${directory.reviews.size} reviews`);
    await insertDirectory(client, directory);
    log("  ANALYZE");
    await client.query("ANALYZE");
    return {
      ...totals,
      tracks: directory.tracks.size,
      learners: directory.learners.size,
      inviteClaims: directory.claims.size,
      reviews: directory.reviews.size,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await client.end();
  }
}

/** Generates the plays and inserts events and projections batch by batch. */
async function load(client: pg.Client, options: SeedOptions, started: number, log: (line: string) => void) {
  const batchEvents = options.batchEvents ?? 10_000;
  const spreadSeconds = Math.round((options.spreadDays ?? 90) * 86_400);
  const directory = new Directory();
  const totals = { events: 0, plays: 0, challengeRows: 0 };
  let pending: Promise<unknown> = Promise.resolve();

  let events = new Columns(11);
  let participants = new Columns(22);
  let challenges = new Columns(13);
  const flush = async () => {
    const [e, p, c] = [events, participants, challenges];
    events = new Columns(11);
    participants = new Columns(22);
    challenges = new Columns(13);
    await pending;
    // One insert in flight while the next batch is generated.
    pending = (async () => {
      const t0 = Date.now();
      await client.query("BEGIN");
      if (e.length) await client.query(EVENT_SQL, e.data);
      if (p.length) await client.query(PARTICIPANT_SQL, p.data);
      if (c.length) await client.query(CHALLENGE_SQL, c.data);
      await client.query("COMMIT");
      if (process.env.CAIRN_SEED_DEBUG) log(`    batch of ${e.length} events, ${p.length} plays, ${c.length} challenge rows: ${Date.now() - t0} ms`);
    })();
    pending.catch(() => {}); // surfaced by the next await
  };

  const addEvent = (event: SimEvent, at: Date, classified: InstruqtEvent) => {
    const p = event.payload;
    // Delivery a moment after the event, as Svix does.
    const receivedAt = new Date(event.ms + 150 + (event.nanos % 2_000));
    events.push(event.svixId, p.type, at.toISOString(), p.timestamp, receivedAt.toISOString(), str(p.participant_id), str(p.user_id), str(p.track_id), str(p.invite_id), str(p.challenge_id), JSON.stringify(p));
    directory.apply(classified, event.ms);
  };
  const addPlay = (progress: PlayProgress) => {
    const { participantId: id } = progress;
    participants.push(
      id, progress.userId, progress.trackId, progress.trackSlug, progress.inviteId, progress.mode,
      progress.customParameters === null ? null : JSON.stringify(progress.customParameters), progress.status,
      progress.challengesCompleted, progress.totalChallenges, progress.progressPercent, progress.attempts,
      progress.failedAttempts, progress.skippedChallenges, progress.sandboxFailures, progress.eventCount,
      iso(progress.startedAt), iso(progress.completedAt), iso(progress.stoppedAt), iso(progress.firstActivityAt),
      iso(progress.lastActivityAt), progress.timeSpentSeconds,
    );
    for (const row of progress.challenges) {
      challenges.push(
        id, row.challengeIndex, row.challengeId, progress.trackId, progress.userId, row.status, iso(row.startedAt),
        iso(row.completedAt), iso(row.lastActivityAt), row.attempts, row.failedAttempts, row.skipped, row.secondsInChallenge,
      );
    }
    totals.challengeRows += progress.challenges.length;
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
    const stored: StoredPlayEvent[] = [];
    for (const event of [...play.events, ...play.related]) {
      const classified = classifyEvent(event.payload);
      if (classified.kind !== "valid") throw new Error(`the simulator produced an invalid event: ${JSON.stringify(classified)}`);
      const at = parseInstruqtTimestamp(event.payload.timestamp)!;
      addEvent(event, at, classified.event);
      if (event.payload.participant_id === play.participantId) stored.push({ svixId: event.svixId, occurredAt: at, event: event.payload as unknown as PlayEvent });
    }
    addPlay(projectPlay(play.participantId, stored));
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
  return { directory, totals };
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

const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

async function insertDirectory(client: pg.Client, directory: Directory): Promise<void> {
  const chunks = <T>(items: T[], size = 20_000) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
  const tracks = [...directory.tracks.entries()];
  await client.query(
    `INSERT INTO track (id, slug, slug_seen_at, total_challenges, first_seen_at, last_seen_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::timestamptz[], $6::timestamptz[])`,
    [tracks.map(([id]) => id), tracks.map(([, t]) => t.slug), tracks.map(([, t]) => at(t.slugSeenAt)), tracks.map(([, t]) => t.total), tracks.map(([, t]) => at(t.first)), tracks.map(([, t]) => at(t.last))],
  );
  for (const chunk of chunks([...directory.learners.entries()])) {
    await client.query(
      `INSERT INTO learner (id, first_seen_at, last_seen_at) SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[])`,
      [chunk.map(([id]) => id), chunk.map(([, l]) => at(l.first)), chunk.map(([, l]) => at(l.last))],
    );
  }
  for (const chunk of chunks([...directory.claims.values()])) {
    await client.query(
      `INSERT INTO invite_claim (invite_id, user_id, team_id, team_slug, claimed_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])`,
      [chunk.map((c) => c.inviteId), chunk.map((c) => c.userId), chunk.map((c) => c.teamId), chunk.map((c) => c.teamSlug), chunk.map((c) => at(c.claimedAt))],
    );
  }
  for (const chunk of chunks([...directory.reviews.entries()])) {
    await client.query(
      `INSERT INTO review (id, track_id, user_id, score, content, occurred_at, created_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::timestamptz[], $7::timestamptz[])`,
      [chunk.map(([id]) => id), chunk.map(([, r]) => r.trackId), chunk.map(([, r]) => r.userId), chunk.map(([, r]) => r.score), chunk.map(([, r]) => r.content), chunk.map(([, r]) => at(r.occurredAt)), chunk.map(([, r]) => at(r.createdAt))],
    );
  }
}

