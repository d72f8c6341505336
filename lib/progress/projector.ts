import { supersedeReportedPlays } from "@/lib/backfill/same-play";
import { db } from "@/lib/db/client";
import { enqueueForLearners } from "@/lib/enrichment/queue";
import type { Prisma } from "@/lib/generated/prisma/client";
import { classifyEvent, type InstruqtEvent, type PlayEvent } from "@/lib/instruqt/events";
import { enqueueCatalogueForTracks } from "@/lib/catalogue/store";
import { refreshLearnerIdentities } from "@/lib/learners/identity";
import { DirectoryChanges } from "./directory";
import { projectPlay, type PlayProgress, type StoredPlayEvent } from "./projection";

/**
 * The batch projector: everything Cairn derives from the event log — plays, challenge progress,
 * tracks, learners, invite claims, reviews, enrichment jobs — written for a batch of events at a
 * time, with a few set-based statements per batch rather than several per event. The same
 * functions serve ingest (claimed pending events), `npm run reproject` and the seeder: state has
 * one derivation.
 *
 * Coordination is PostgreSQL's alone: markers are claimed with FOR UPDATE SKIP LOCKED (so any
 * number of instances share the work), and every play is rewritten under its advisory
 * transaction lock, taken before its events are read — whichever transaction takes it later reads
 * every event committed before, so the last write always reflects the play's full event set.
 */

type Tx = Prisma.TransactionClient;

/** The channel live views listen on (issue 13): payload {"participant_ids": [...]}. */
export const PLAYS_CHANNEL = "cairn_plays";
/** PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more. */
export const MAX_NOTIFY_BYTES = 7_900;

export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 120_000 } as const;

export interface LoggedEvent {
  occurredAt: Date | null;
  payload: Record<string, unknown> & { type: string };
}

export interface BatchResult {
  /** Markers claimed (pending projection), or events read (reproject). */
  events: number;
  /** Plays recomputed, in sorted order. */
  participantIds: string[];
  /** Whether an enrichment job was inserted or re-armed. */
  enrichmentQueued: boolean;
}

const bySortKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Recomputes each play once from its full event set and writes them all. Locks first, in one
 * statement and a fixed order (by lock key), so two projectors sharing plays wait rather than
 * deadlock.
 */
export async function projectPlays(tx: Tx, participantIds: readonly string[]): Promise<PlayProgress[]> {
  const ids = [...new Set(participantIds)].sort(bySortKey);
  if (ids.length === 0) return [];
  await tx.$queryRaw`
    SELECT count(pg_advisory_xact_lock(key))::int AS locked
    FROM (SELECT DISTINCT hashtextextended(id, 0) AS key FROM unnest(${ids}::text[]) AS id ORDER BY key) AS keys`;
  const rows = await tx.$queryRaw<{ participant_id: string; svix_id: string; occurred_at: Date; payload: PlayEvent }[]>`
    SELECT participant_id, svix_id, occurred_at, payload
    FROM webhook_event
    WHERE participant_id = ANY(${ids}::text[]) AND outcome = 'projected' AND occurred_at IS NOT NULL`;
  // Payloads were validated by their schema before they were stored as 'projected'.
  const plays = projectBatch(rows.map((row) => ({ svixId: row.svix_id, occurredAt: row.occurred_at, event: row.payload })));
  await writePlays(tx, plays);
  // Webhook data wins over a backfilled report of the same play (lib/backfill).
  await supersedeReportedPlays(tx, plays);
  await refreshLearnerIdentities(tx, plays.map((play) => play.userId));
  return plays;
}

/**
 * The events of many plays, in any order and mixed together, projected play by play: each play
 * once, from exactly its own events, in participant id order.
 */
export function projectBatch(events: readonly StoredPlayEvent[]): PlayProgress[] {
  const byPlay = new Map<string, StoredPlayEvent[]>();
  for (const stored of events) {
    const id = stored.event.participant_id;
    let list = byPlay.get(id);
    if (!list) byPlay.set(id, (list = []));
    list.push(stored);
  }
  return [...byPlay.keys()].sort(bySortKey).map((id) => projectPlay(id, byPlay.get(id)!));
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Upserts the plays and replaces their challenge rows: three statements whatever the count. */
export async function writePlays(tx: Tx, plays: readonly PlayProgress[]): Promise<void> {
  if (plays.length === 0) return;
  const col = <T>(pick: (play: PlayProgress) => T) => plays.map(pick);
  await tx.$executeRaw`
    INSERT INTO participant
      (id, user_id, track_id, track_slug, invite_id, mode, custom_parameters, status, challenges_completed,
       total_challenges, progress_percent, attempts, failed_attempts, skipped_challenges, sandbox_failures,
       event_count, started_at, completed_at, stopped_at, first_activity_at, last_activity_at, time_spent_seconds,
       updated_at)
    SELECT id, user_id, track_id, track_slug, invite_id, mode, custom_parameters::jsonb, status::"PlayStatus",
           challenges_completed, total_challenges, progress_percent, attempts, failed_attempts, skipped_challenges,
           sandbox_failures, event_count, started_at, completed_at, stopped_at, first_activity_at, last_activity_at,
           time_spent_seconds, now()
    FROM unnest(${col((p) => p.participantId)}::text[], ${col((p) => p.userId)}::text[], ${col((p) => p.trackId)}::text[],
                ${col((p) => p.trackSlug)}::text[], ${col((p) => p.inviteId)}::text[], ${col((p) => p.mode)}::text[],
                ${col((p) => (p.customParameters === null ? null : JSON.stringify(p.customParameters)))}::text[],
                ${col((p) => p.status)}::text[], ${col((p) => p.challengesCompleted)}::int[], ${col((p) => p.totalChallenges)}::int[],
                ${col((p) => p.progressPercent)}::int[], ${col((p) => p.attempts)}::int[], ${col((p) => p.failedAttempts)}::int[],
                ${col((p) => p.skippedChallenges)}::int[], ${col((p) => p.sandboxFailures)}::int[], ${col((p) => p.eventCount)}::int[],
                ${col((p) => iso(p.startedAt))}::timestamptz[], ${col((p) => iso(p.completedAt))}::timestamptz[],
                ${col((p) => iso(p.stoppedAt))}::timestamptz[], ${col((p) => iso(p.firstActivityAt))}::timestamptz[],
                ${col((p) => iso(p.lastActivityAt))}::timestamptz[], ${col((p) => p.timeSpentSeconds)}::int[])
      AS t(id, user_id, track_id, track_slug, invite_id, mode, custom_parameters, status, challenges_completed,
           total_challenges, progress_percent, attempts, failed_attempts, skipped_challenges, sandbox_failures,
           event_count, started_at, completed_at, stopped_at, first_activity_at, last_activity_at, time_spent_seconds)
    ON CONFLICT (id) DO UPDATE SET
      user_id = EXCLUDED.user_id, track_id = EXCLUDED.track_id, track_slug = EXCLUDED.track_slug,
      invite_id = EXCLUDED.invite_id, mode = EXCLUDED.mode, custom_parameters = EXCLUDED.custom_parameters,
      status = EXCLUDED.status, challenges_completed = EXCLUDED.challenges_completed,
      total_challenges = EXCLUDED.total_challenges, progress_percent = EXCLUDED.progress_percent,
      attempts = EXCLUDED.attempts, failed_attempts = EXCLUDED.failed_attempts,
      skipped_challenges = EXCLUDED.skipped_challenges, sandbox_failures = EXCLUDED.sandbox_failures,
      event_count = EXCLUDED.event_count, started_at = EXCLUDED.started_at, completed_at = EXCLUDED.completed_at,
      stopped_at = EXCLUDED.stopped_at, first_activity_at = EXCLUDED.first_activity_at,
      last_activity_at = EXCLUDED.last_activity_at, time_spent_seconds = EXCLUDED.time_spent_seconds,
      updated_at = EXCLUDED.updated_at, source = 'webhook'`;
  await tx.$executeRaw`DELETE FROM challenge_progress WHERE participant_id = ANY(${col((p) => p.participantId)}::text[])`;
  const rows = plays.flatMap((play) => play.challenges.map((challenge) => ({ play, challenge })));
  if (rows.length === 0) return;
  const c = <T>(pick: (row: (typeof rows)[number]) => T) => rows.map(pick);
  await tx.$executeRaw`
    INSERT INTO challenge_progress
      (participant_id, challenge_index, challenge_id, track_id, user_id, status, started_at, completed_at,
       last_activity_at, attempts, failed_attempts, skipped, seconds_in_challenge)
    SELECT participant_id, challenge_index, challenge_id, track_id, user_id, status::"ChallengeStatus", started_at,
           completed_at, last_activity_at, attempts, failed_attempts, skipped, seconds_in_challenge
    FROM unnest(${c((r) => r.play.participantId)}::text[], ${c((r) => r.challenge.challengeIndex)}::int[],
                ${c((r) => r.challenge.challengeId)}::text[], ${c((r) => r.play.trackId)}::text[], ${c((r) => r.play.userId)}::text[],
                ${c((r) => r.challenge.status)}::text[], ${c((r) => iso(r.challenge.startedAt))}::timestamptz[],
                ${c((r) => iso(r.challenge.completedAt))}::timestamptz[], ${c((r) => iso(r.challenge.lastActivityAt))}::timestamptz[],
                ${c((r) => r.challenge.attempts)}::int[], ${c((r) => r.challenge.failedAttempts)}::int[],
                ${c((r) => r.challenge.skipped)}::bool[], ${c((r) => r.challenge.secondsInChallenge)}::int[])
      AS t(participant_id, challenge_index, challenge_id, track_id, user_id, status, started_at, completed_at,
           last_activity_at, attempts, failed_attempts, skipped, seconds_in_challenge)`;
}

const nonEmpty = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);

/**
 * `enqueueForEvent`'s rules (lib/enrichment/queue.ts) for a batch: for each invite, the learners
 * seen with it that are not enriched and not yet on its job are added, re-arming the job — one
 * upsert, invites in key order. Runs after the learner rows of the batch were upserted.
 */
export async function enqueueEnrichment(tx: Tx, pairs: ReadonlyMap<string, ReadonlySet<string>>): Promise<boolean> {
  const sorted: [string, string][] = [];
  for (const [inviteId, userIds] of [...pairs.entries()].sort(([a], [b]) => bySortKey(a, b))) {
    for (const userId of [...userIds].sort(bySortKey)) sorted.push([inviteId, userId]);
  }
  return enqueueForLearners(tx, sorted);
}

/**
 * Everything a set of logged events changes, inside the caller's transaction: plays (each
 * recomputed once), then the directory, then enrichment jobs — the order ingest always locked
 * rows in (play lock, learner, job), which the enrichment worker's writes follow too.
 */
export async function projectEvents(tx: Tx, events: readonly LoggedEvent[]): Promise<BatchResult> {
  const plays = new Set<string>();
  const directory = new DirectoryChanges();
  const enrichment = new Map<string, Set<string>>();
  for (const { occurredAt, payload } of events) {
    const classified = classifyEvent(payload);
    if (classified.kind !== "valid") continue;
    const event: InstruqtEvent = classified.event;
    const participantId = "participant_id" in event ? event.participant_id : null;
    if (typeof participantId === "string" && occurredAt) plays.add(participantId);
    directory.add(event, occurredAt);
    const inviteId = nonEmpty("invite_id" in event ? event.invite_id : null);
    const userId = nonEmpty("user_id" in event ? event.user_id : null);
    if (inviteId && userId) {
      let users = enrichment.get(inviteId);
      if (!users) enrichment.set(inviteId, (users = new Set()));
      users.add(userId);
    }
  }
  const written = await projectPlays(tx, [...plays]);
  await directory.write(tx);
  // A track seen for the first time gets its catalogue job (titles); known ones already have one.
  await enqueueCatalogueForTracks(tx, [...directory.tracks.keys()]);
  const enrichmentQueued = await enqueueEnrichment(tx, enrichment);
  await notifyPlays(tx, written.map((play) => play.participantId));
  return { events: events.length, participantIds: written.map((play) => play.participantId), enrichmentQueued };
}

/** Splits the changed plays into NOTIFY payloads that each stay under MAX_NOTIFY_BYTES. */
export function playNotifications(participantIds: readonly string[]): string[] {
  const payloads: string[] = [];
  let chunk: string[] = [];
  const encode = (ids: string[]) => JSON.stringify({ participant_ids: ids });
  let size = Buffer.byteLength(encode([]));
  for (const id of participantIds) {
    const added = Buffer.byteLength(JSON.stringify(id)) + (chunk.length > 0 ? 1 : 0);
    if (chunk.length > 0 && size + added > MAX_NOTIFY_BYTES) {
      payloads.push(encode(chunk));
      chunk = [];
      size = Buffer.byteLength(encode([]));
    }
    chunk.push(id);
    size += Buffer.byteLength(JSON.stringify(id)) + (chunk.length > 1 ? 1 : 0);
  }
  if (chunk.length > 0) payloads.push(encode(chunk));
  return payloads;
}

/** Sent inside the batch's transaction: PostgreSQL delivers it at the commit, and only then. */
async function notifyPlays(tx: Tx, participantIds: readonly string[]): Promise<void> {
  const payloads = playNotifications(participantIds);
  if (payloads.length === 0) return;
  await tx.$queryRaw`SELECT count(pg_notify(${PLAYS_CHANNEL}, payload))::int AS sent FROM unnest(${payloads}::text[]) AS payload`;
}

/**
 * Claims up to `limit` pending events (markers other projectors hold are skipped, not waited
 * for), projects them and deletes their markers, in one transaction: if anything fails or the
 * process dies, the markers come back and the next batch — here or in another instance — takes
 * them again. Claim order is not commit order, so nothing here keeps a cursor.
 */
export async function projectPendingBatch(limit = 1_000): Promise<BatchResult> {
  return db().$transaction(async (tx) => {
    const claimed = await tx.$queryRaw<{ event_id: bigint; occurred_at: Date | null; payload: LoggedEvent["payload"] | null; outcome: string | null }[]>`
      WITH claimed AS (
        DELETE FROM projection_pending
        WHERE event_id IN (
          SELECT event_id FROM projection_pending ORDER BY event_id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING event_id
      )
      SELECT claimed.event_id, e.occurred_at, e.payload, e.outcome::text AS outcome
      FROM claimed LEFT JOIN webhook_event AS e ON e.id = claimed.event_id`;
    if (claimed.length === 0) return { events: 0, participantIds: [], enrichmentQueued: false };
    // A marker whose event is gone (purged) or not projectable only needs deleting.
    const events = claimed
      .filter((row) => row.payload !== null && row.outcome === "projected")
      .map((row) => ({ occurredAt: row.occurred_at, payload: row.payload! }));
    const result = await projectEvents(tx, events);
    return { ...result, events: claimed.length };
  }, TRANSACTION_OPTIONS);
}

export interface ProjectionLag {
  pending_events: number;
  lag_seconds: number;
}

/** How far projection is behind: pending events and the age of the oldest, 0 when none. */
export async function projectionLag(): Promise<ProjectionLag> {
  const [row] = await db().$queryRaw<{ pending: number; lag: number }[]>`
    SELECT count(*)::int AS pending,
           COALESCE(EXTRACT(EPOCH FROM (now() - min(enqueued_at))), 0)::float8 AS lag
    FROM projection_pending`;
  return { pending_events: row?.pending ?? 0, lag_seconds: Math.max(0, Math.round((row?.lag ?? 0) * 1000) / 1000) };
}
