import { db, Prisma } from "@/lib/db/client";
import { challengeTitleSql, trackTitleSql } from "@/lib/catalogue/titles";
import { env } from "@/lib/env";
import { DISPLAY_IDENTITY_SQL, identityJoins } from "@/lib/learners/display-identity";
import { inactiveCutoff } from "@/lib/plays/rows";
import { compareNeedsHelp, evaluatePlay, type FlagThresholds, type PlayFacts } from "./flags";
import type { LivePlay } from "./play";

/**
 * The active plays — neither completed nor stopped nor inactive (CAIRN_INACTIVE_HOURS, the funnel's
 * rule) — with the facts the flags need, read in one set-based statement: each play's current
 * challenge, the median time others took on it, the track's numbering and the play's sandbox and
 * receipt times. Durations and flags are then computed by `evaluatePlay` against the server's
 * clock, so the stream can re-evaluate them without reading again.
 */

export interface LiveScope {
  /** null: the filter named a track that does not exist (yet), so nothing is on the board now. */
  trackId?: string | null;
  /** The track as the filter named it (slug or id): a stream opened before its track's first
   * event still picks its plays up when they arrive. */
  trackKey?: string;
  inviteId?: string;
}

/** A board row: the public object plus what the stream needs to scope it and re-evaluate it. */
export interface LiveEntry {
  play: LivePlay;
  inviteId: string | null;
  facts: PlayFacts;
}

interface Row {
  participant_id: string;
  user_id: string | null;
  invite_id: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  track_id: string | null;
  track_slug: string | null;
  track_title: string | null;
  challenge_index: number | null;
  challenge_id: string | null;
  challenge_title: string | null;
  one_based: boolean | null;
  challenge_started_at: Date | null;
  failed_attempts: number | null;
  median_seconds: number | null;
  last_activity_at: Date | null;
  last_received_at: Date | null;
  sandbox_failed_at: Date | null;
  sandbox_created_at: Date | null;
}

export function liveThresholds(): FlagThresholds {
  const { CAIRN_STUCK_MINUTES, CAIRN_FAILING_ATTEMPTS } = env();
  return { stuckMinutes: CAIRN_STUCK_MINUTES, failingAttempts: CAIRN_FAILING_ATTEMPTS };
}

function scopeConditions(scope: LiveScope, participantIds?: readonly string[]): Prisma.Sql {
  const conditions: Prisma.Sql[] = [];
  if (scope.trackId === null) conditions.push(Prisma.sql`FALSE`);
  else if (scope.trackId !== undefined) conditions.push(Prisma.sql`p.track_id = ${scope.trackId}`);
  if (scope.inviteId !== undefined) conditions.push(Prisma.sql`p.invite_id = ${scope.inviteId}`);
  if (participantIds !== undefined) conditions.push(Prisma.sql`p.id = ANY(${[...participantIds]}::text[])`);
  return conditions.length === 0 ? Prisma.sql`TRUE` : Prisma.join(conditions, " AND ");
}

/**
 * Reads the active plays in `scope` (all of them, or only `participantIds` — after a
 * notification). Those ids absent from the answer have left the board.
 */
export async function readBoardFacts(
  scope: LiveScope,
  options: { now?: Date; participantIds?: readonly string[] } = {},
): Promise<Row[]> {
  const cutoff = inactiveCutoff(options.now);
  if (options.participantIds?.length === 0) return [];
  return db().$queryRaw<Row[]>`
    WITH active AS (
      SELECT p.id, p.user_id, p.invite_id, p.track_id, coalesce(p.track_slug, t.slug) AS track_slug,
             coalesce(p.total_challenges, t.total_challenges) AS total_challenges, p.last_activity_at
      FROM participant p
      LEFT JOIN track t ON t.id = p.track_id
      WHERE p.status IN ('started', 'in_progress')
        AND NOT coalesce(p.last_activity_at < ${cutoff}, false)
        AND ${scopeConditions(scope, options.participantIds)}
    ),
    current AS (
      SELECT a.*, c.challenge_index, c.challenge_id, c.started_at AS challenge_started_at, c.failed_attempts
      FROM active a
      LEFT JOIN LATERAL (
        SELECT cp.challenge_index, cp.challenge_id, coalesce(cp.started_at, cp.last_activity_at) AS started_at,
               cp.failed_attempts
        FROM challenge_progress cp
        WHERE cp.participant_id = a.id AND cp.status = 'in_progress'
        ORDER BY coalesce(cp.last_activity_at, cp.started_at) DESC NULLS LAST, cp.challenge_index DESC
        LIMIT 1
      ) c ON TRUE
    ),
    medians AS (
      SELECT cp.track_id, cp.challenge_index,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY cp.seconds_in_challenge)::float8 AS median_seconds
      FROM challenge_progress cp
      WHERE cp.status = 'completed' AND cp.seconds_in_challenge IS NOT NULL
        AND (cp.track_id, cp.challenge_index) IN
            (SELECT DISTINCT track_id, challenge_index FROM current WHERE challenge_index IS NOT NULL)
      GROUP BY cp.track_id, cp.challenge_index
    ),
    -- The numbering rule of lib/dashboard/challenge-positions.ts: 0-based unless the track's
    -- plays reported an index equal to its length and none at 0.
    numbering AS (
      SELECT tr.track_id,
             (tr.total IS NOT NULL
              AND (SELECT max(cp.challenge_index) FROM challenge_progress cp WHERE cp.track_id = tr.track_id) >= tr.total
              AND NOT EXISTS (SELECT 1 FROM challenge_progress cp WHERE cp.track_id = tr.track_id AND cp.challenge_index = 0)
             ) AS one_based
      FROM (SELECT track_id, max(total_challenges) AS total FROM current WHERE track_id IS NOT NULL GROUP BY track_id) tr
    )
    SELECT c.id AS participant_id, c.user_id, c.invite_id, ${Prisma.raw(DISPLAY_IDENTITY_SQL.firstName)} AS first_name,
           ${Prisma.raw(DISPLAY_IDENTITY_SQL.lastName)} AS last_name, ${Prisma.raw(DISPLAY_IDENTITY_SQL.email)} AS email,
           c.track_id, c.track_slug, ${trackTitleSql(Prisma.sql`c.track_id`)} AS track_title,
           c.challenge_index, c.challenge_id, ${challengeTitleSql(Prisma.sql`c.track_id`, Prisma.sql`c.challenge_id`)} AS challenge_title, n.one_based,
           c.challenge_started_at, c.failed_attempts, m.median_seconds, c.last_activity_at,
           ev.last_received_at, ev.sandbox_failed_at, ev.sandbox_created_at
    FROM current c
    ${Prisma.raw(identityJoins("c.user_id"))}
    LEFT JOIN medians m ON m.track_id = c.track_id AND m.challenge_index = c.challenge_index
    LEFT JOIN numbering n ON n.track_id = c.track_id
    LEFT JOIN LATERAL (
      SELECT max(e.received_at) AS last_received_at,
             max(e.occurred_at) FILTER (WHERE e.type = 'sandbox.failed') AS sandbox_failed_at,
             max(e.occurred_at) FILTER (WHERE e.type = 'sandbox.created') AS sandbox_created_at
      FROM webhook_event e
      WHERE e.participant_id = c.id AND e.outcome = 'projected'
    ) ev ON TRUE`;
}

/** A row's facts and its public object, evaluated at `now`. */
export function entryOf(row: Row, now: Date, thresholds: FlagThresholds): LiveEntry {
  const facts: PlayFacts = {
    challengeStartedAt: row.challenge_started_at,
    failedAttemptsOnChallenge: row.challenge_index === null ? null : row.failed_attempts,
    medianChallengeSeconds: row.median_seconds,
    lastActivityAt: row.last_activity_at,
    lastReceivedAt: row.last_received_at,
    lastSandboxFailedAt: row.sandbox_failed_at,
    lastSandboxCreatedAt: row.sandbox_created_at,
  };
  const play: LivePlay = {
    participant_id: row.participant_id,
    user_id: row.user_id,
    first_name: row.first_name,
    last_name: row.last_name,
    email: row.email,
    track_id: row.track_id,
    track_slug: row.track_slug,
    track_title: row.track_title,
    challenge_number: row.challenge_index === null ? null : row.one_based ? row.challenge_index : row.challenge_index + 1,
    challenge_id: row.challenge_id,
    challenge_title: row.challenge_title,
    ...reevaluate(facts, now, thresholds),
  };
  return { play, inviteId: row.invite_id, facts };
}

/** The time-dependent fields of a play's public object. */
export function reevaluate(
  facts: PlayFacts,
  now: Date,
  thresholds: FlagThresholds,
): Pick<LivePlay, "seconds_on_challenge" | "failed_attempts_on_challenge" | "seconds_since_activity" | "flags"> {
  const evaluation = evaluatePlay(facts, now, thresholds);
  return {
    seconds_on_challenge: evaluation.secondsOnChallenge,
    failed_attempts_on_challenge: facts.failedAttemptsOnChallenge,
    seconds_since_activity: evaluation.secondsSinceActivity,
    flags: evaluation.flags,
  };
}

/** Needs-help first. */
export function sortBoard<T extends { play: LivePlay }>(entries: T[]): T[] {
  return entries.sort((a, b) =>
    compareNeedsHelp(
      { participantId: a.play.participant_id, flags: a.play.flags, secondsOnChallenge: a.play.seconds_on_challenge },
      { participantId: b.play.participant_id, flags: b.play.flags, secondsOnChallenge: b.play.seconds_on_challenge },
    ),
  );
}

/** The board in `scope` now, needs-help first. */
export async function readBoard(
  scope: LiveScope,
  options: { now?: Date; participantIds?: readonly string[] } = {},
): Promise<LiveEntry[]> {
  const now = options.now ?? new Date();
  const rows = await readBoardFacts(scope, { ...options, now });
  const thresholds = liveThresholds();
  return sortBoard(rows.map((row) => entryOf(row, now, thresholds)));
}
