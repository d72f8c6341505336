import { db, Prisma } from "@/lib/db/client";
import { playConditions, type PlaySelection } from "@/lib/plays/filter";
import { inactiveCutoff, inactiveSql } from "@/lib/plays/rows";
import { challengePositions } from "./challenge-positions";

/**
 * Where learners of one track get stuck: per challenge, how many plays reached it and completed
 * it, how long completing it took, how many tries it needed. Read from the projection
 * (`challenge_progress` joined to the plays the filters select), aggregated in SQL.
 *
 * Meanings: a play *reached* a challenge when its status there is in_progress or completed (a
 * challenge that was only set up by the platform, or skipped over, was not reached); *completed*
 * is a real completion, never a skip; *drop-off* is reached − completed: plays that got to the
 * challenge and have not (yet) completed it.
 *
 * Where every play is: a play's *frontier* is the first challenge it has not completed (a skipped
 * challenge is not completed, so a play that skipped ahead stands at the one it skipped; a play
 * that completed every challenge but not the track stands at the last). A completed play counts as
 * completed; a stopped or inactive one (no event for CAIRN_INACTIVE_HOURS) *gave up* at its
 * frontier, even between challenges; every other play is *working* at its frontier. So
 * completed + Σ gave up + Σ working = starters, the plays the filters select.
 *
 * Plays backfilled from Instruqt's play reports (participant.source = 'report') have no
 * per-challenge rows: they count in the totals (starters, completed) and stand at the frontier
 * their count of completed challenges gives, but add nothing to reached/completed per challenge.
 */

/** Failed attempts before success are bucketed 0, 1, … and this many or more. */
export const MAX_FAILED_BUCKET = 5;
export const MOST_FAILED_LIMIT = 5;

export interface ChallengeStep {
  index: number;
  /** Position shown to people: 1-based (a track whose payloads count from 1 keeps its numbers). */
  position: number;
  challengeId: string | null;
  reached: number;
  completed: number;
  skipped: number;
  dropOff: number;
  /** dropOff / reached, 0–1; null when nobody reached it. */
  dropOffRate: number | null;
  /** Open plays whose frontier is this challenge, still active. */
  working: number;
  /** Stopped or inactive plays whose frontier is this challenge. */
  gaveUp: number;
  attempts: number;
  failedAttempts: number;
  /** Plays with at least one failed attempt here. */
  playsWithFailures: number;
  /** Median seconds from starting to completing it, over plays that completed it. */
  medianSecondsToComplete: number | null;
}

export interface AttemptsBucket {
  /** Failed attempts before the success; the last bucket means "this many or more". */
  failedBefore: number;
  orMore: boolean;
  challenges: number;
}

export interface ChallengeFunnel {
  /** Plays the filters select: every play is one start. */
  starters: number;
  /** Plays that completed the track. */
  completed: number;
  challenges: ChallengeStep[];
}

export interface TrackFunnel extends ChallengeFunnel {
  plays: number;
  started: number;
  inProgress: number;
  completions: number;
  stopped: number;
  completionRate: number | null;
  medianCompletionSeconds: number | null;
  challenges: ChallengeStep[];
  attemptsBeforeSuccess: AttemptsBucket[];
  /** Challenges with failed attempts, most failed first. */
  mostFailed: ChallengeStep[];
}

function scopedConditions(trackId: string, filters: PlaySelection): Prisma.Sql {
  return playConditions({ ...filters, trackId });
}

export function funnelStepsQuery(trackId: string, filters: PlaySelection): Prisma.Sql {
  return Prisma.sql`
    SELECT cp.challenge_index AS index,
           mode() WITHIN GROUP (ORDER BY cp.challenge_id) AS challenge_id,
           count(*) FILTER (WHERE cp.status IN ('in_progress', 'completed'))::int AS reached,
           count(*) FILTER (WHERE cp.status = 'completed')::int AS completed,
           count(*) FILTER (WHERE cp.status = 'skipped')::int AS skipped,
           coalesce(sum(cp.attempts), 0)::int AS attempts,
           coalesce(sum(cp.failed_attempts), 0)::int AS failed_attempts,
           count(*) FILTER (WHERE cp.failed_attempts > 0)::int AS plays_with_failures,
           (percentile_cont(0.5) WITHIN GROUP (ORDER BY cp.seconds_in_challenge)
              FILTER (WHERE cp.status = 'completed' AND cp.seconds_in_challenge IS NOT NULL))::float8 AS median_seconds
    FROM challenge_progress cp
    JOIN participant p ON p.id = cp.participant_id
    WHERE cp.track_id = ${trackId} AND ${scopedConditions(trackId, filters)}
    GROUP BY cp.challenge_index
    ORDER BY cp.challenge_index`;
}

/**
 * Plays grouped by where they stand: outcome (completed / gave_up / working) and the length of
 * the run of completed challenges from index 0 (done0) and from index 1 (done1), since whether a
 * track counts from 0 or 1 is only known from every play's indexes (challengePositions). Sorted
 * completed indexes c₁ < c₂ < … form a run from `first` exactly while cᵢ = first + i − 1, and once
 * that breaks it cannot hold again, so the run's length is a count over one window pass.
 */
export function frontierQuery(trackId: string, filters: PlaySelection, cutoff: Date): Prisma.Sql {
  return Prisma.sql`
    WITH plays AS (
      SELECT p.id, p.source, p.challenges_completed,
             CASE WHEN p.status = 'completed' THEN 'completed'
                  WHEN p.status = 'stopped' OR coalesce(${inactiveSql(cutoff)}, false) THEN 'gave_up'
                  ELSE 'working' END AS outcome
      FROM participant p
      WHERE ${scopedConditions(trackId, filters)}
    ),
    done AS (
      SELECT cp.participant_id, cp.challenge_index,
             row_number() OVER (PARTITION BY cp.participant_id ORDER BY cp.challenge_index)::int AS rn
      FROM challenge_progress cp
      JOIN plays ON plays.id = cp.participant_id AND plays.outcome <> 'completed'
      WHERE cp.track_id = ${trackId} AND cp.status = 'completed' AND cp.challenge_index >= 0
    ),
    runs AS (
      SELECT participant_id,
             count(*) FILTER (WHERE challenge_index = rn - 1)::int AS done0,
             count(*) FILTER (WHERE challenge_index = rn)::int AS done1
      FROM done GROUP BY participant_id
    )
    -- A play backfilled from a report has no challenge rows, only its count of completed ones.
    SELECT plays.outcome,
           coalesce(runs.done0, CASE WHEN plays.source = 'report' THEN plays.challenges_completed ELSE 0 END) AS done0,
           coalesce(runs.done1, CASE WHEN plays.source = 'report' THEN plays.challenges_completed ELSE 0 END) AS done1,
           count(*)::int AS plays
    FROM plays LEFT JOIN runs ON runs.participant_id = plays.id
    GROUP BY 1, 2, 3`;
}

export function attemptsBeforeSuccessQuery(trackId: string, filters: PlaySelection): Prisma.Sql {
  return Prisma.sql`
    SELECT least(cp.failed_attempts, ${MAX_FAILED_BUCKET}::int) AS failed_before, count(*)::int AS challenges
    FROM challenge_progress cp
    JOIN participant p ON p.id = cp.participant_id
    WHERE cp.track_id = ${trackId} AND cp.status = 'completed' AND ${scopedConditions(trackId, filters)}
    GROUP BY 1
    ORDER BY 1`;
}

export function trackPlaysSummaryQuery(trackId: string, filters: PlaySelection): Prisma.Sql {
  return Prisma.sql`
    SELECT count(*)::int AS plays,
           count(*) FILTER (WHERE p.status = 'started')::int AS started,
           count(*) FILTER (WHERE p.status = 'in_progress')::int AS in_progress,
           count(*) FILTER (WHERE p.status = 'completed')::int AS completions,
           count(*) FILTER (WHERE p.status = 'stopped')::int AS stopped,
           (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM p.completed_at - p.started_at))
              FILTER (WHERE p.status = 'completed' AND p.started_at IS NOT NULL AND p.completed_at IS NOT NULL))::float8
             AS median_completion_seconds
    FROM participant p
    WHERE ${scopedConditions(trackId, filters)}`;
}

interface StepRow {
  index: number;
  challenge_id: string | null;
  reached: number;
  completed: number;
  skipped: number;
  attempts: number;
  failed_attempts: number;
  plays_with_failures: number;
  median_seconds: number | null;
}

interface SummaryRow {
  plays: number;
  started: number;
  in_progress: number;
  completions: number;
  stopped: number;
  median_completion_seconds: number | null;
}

interface FrontierRow {
  outcome: "completed" | "gave_up" | "working";
  done0: number;
  done1: number;
  plays: number;
}

/** Every challenge position of the track, with zeros where nobody got to it. */
function completeSteps(rows: StepRow[], frontiers: FrontierRow[], totalChallenges: number | null): ChallengeFunnel {
  const byIndex = new Map(rows.map((row) => [row.index, row]));
  const positions = challengePositions(byIndex.keys(), totalChallenges);
  const open = frontiers.some((row) => row.outcome !== "completed" && row.plays > 0);
  // A track of unknown length that nobody got into still has a first challenge to stand at.
  const indexes = positions.indexes.length === 0 && open ? [0] : positions.indexes;
  const first = indexes[0] ?? 0;
  const last = indexes[indexes.length - 1] ?? 0;
  const oneBased = first === 1;
  const working = new Map<number, number>();
  const gaveUp = new Map<number, number>();
  let starters = 0;
  let completedPlays = 0;
  for (const row of frontiers) {
    starters += row.plays;
    if (row.outcome === "completed") {
      completedPlays += row.plays;
      continue;
    }
    const frontier = Math.min(first + (oneBased ? row.done1 : row.done0), last);
    const into = row.outcome === "working" ? working : gaveUp;
    into.set(frontier, (into.get(frontier) ?? 0) + row.plays);
  }
  const challenges = indexes.map((index) => {
    const row = byIndex.get(index);
    const reached = row?.reached ?? 0;
    const completed = row?.completed ?? 0;
    const dropOff = Math.max(0, reached - completed);
    return {
      index,
      position: positions.position(index),
      challengeId: row?.challenge_id ?? null,
      reached,
      completed,
      skipped: row?.skipped ?? 0,
      dropOff,
      dropOffRate: reached > 0 ? dropOff / reached : null,
      working: working.get(index) ?? 0,
      gaveUp: gaveUp.get(index) ?? 0,
      attempts: row?.attempts ?? 0,
      failedAttempts: row?.failed_attempts ?? 0,
      playsWithFailures: row?.plays_with_failures ?? 0,
      medianSecondsToComplete: row?.median_seconds ?? null,
    };
  });
  return { starters, completed: completedPlays, challenges };
}

function completeBuckets(rows: { failed_before: number; challenges: number }[]): AttemptsBucket[] {
  const byBucket = new Map(rows.map((row) => [row.failed_before, row.challenges]));
  return Array.from({ length: MAX_FAILED_BUCKET + 1 }, (_, failedBefore) => ({
    failedBefore,
    orMore: failedBefore === MAX_FAILED_BUCKET,
    challenges: byBucket.get(failedBefore) ?? 0,
  }));
}

/** Per challenge: reached, completed, working, gave up; and the starters they add up to. */
export async function challengeFunnel(
  track: { id: string; totalChallenges: number | null },
  filters: PlaySelection = {},
  now: Date = new Date(),
): Promise<ChallengeFunnel> {
  const [stepRows, frontierRows] = await Promise.all([
    db().$queryRaw<StepRow[]>(funnelStepsQuery(track.id, filters)),
    db().$queryRaw<FrontierRow[]>(frontierQuery(track.id, filters, inactiveCutoff(now))),
  ]);
  return completeSteps(stepRows, frontierRows, track.totalChallenges);
}

/** The funnel as integrations read it (GET /api/tracks/[slug]/funnel). */
export function funnelJson(
  track: { id: string; slug: string | null },
  funnel: ChallengeFunnel,
  titles: { track: string | null; challenges: ReadonlyMap<string, string> } = { track: null, challenges: new Map() },
) {
  return {
    track_id: track.id,
    track_slug: track.slug,
    track_title: titles.track,
    starters: funnel.starters,
    completed: funnel.completed,
    challenges: funnel.challenges.map((step) => ({
      number: step.position,
      challenge_id: step.challengeId,
      challenge_title: step.challengeId === null ? null : (titles.challenges.get(step.challengeId) ?? null),
      reached: step.reached,
      completed: step.completed,
      working: step.working,
      gave_up: step.gaveUp,
    })),
  };
}

export async function trackFunnel(
  track: { id: string; totalChallenges: number | null },
  filters: PlaySelection = {},
  now: Date = new Date(),
): Promise<TrackFunnel> {
  const [summaryRows, funnel, bucketRows] = await Promise.all([
    db().$queryRaw<SummaryRow[]>(trackPlaysSummaryQuery(track.id, filters)),
    challengeFunnel(track, filters, now),
    db().$queryRaw<{ failed_before: number; challenges: number }[]>(attemptsBeforeSuccessQuery(track.id, filters)),
  ]);
  const summary = summaryRows[0]!;
  const challenges = funnel.challenges;
  const mostFailed = challenges
    .filter((step) => step.failedAttempts > 0)
    .sort((a, b) => b.failedAttempts - a.failedAttempts || a.index - b.index)
    .slice(0, MOST_FAILED_LIMIT);
  return {
    starters: funnel.starters,
    completed: funnel.completed,
    plays: summary.plays,
    started: summary.started,
    inProgress: summary.in_progress,
    completions: summary.completions,
    stopped: summary.stopped,
    completionRate: summary.plays > 0 ? summary.completions / summary.plays : null,
    medianCompletionSeconds: summary.median_completion_seconds,
    challenges,
    attemptsBeforeSuccess: completeBuckets(bucketRows),
    mostFailed,
  };
}

export interface TrackFilterOptions {
  invites: string[];
  modes: string[];
  customParameterKeys: string[];
}

const OPTION_LIMIT = 200;

/** What the track's plays carry, to offer as filter choices. */
export async function trackFilterOptions(trackId: string): Promise<TrackFilterOptions> {
  const [invites, modes, keys] = await Promise.all([
    db().$queryRaw<{ value: string }[]>`
      SELECT DISTINCT p.invite_id AS value FROM participant p
      WHERE p.track_id = ${trackId} AND p.invite_id IS NOT NULL
      ORDER BY 1 LIMIT ${OPTION_LIMIT}`,
    db().$queryRaw<{ value: string }[]>`
      SELECT DISTINCT p.mode AS value FROM participant p
      WHERE p.track_id = ${trackId} AND p.mode IS NOT NULL
      ORDER BY 1 LIMIT ${OPTION_LIMIT}`,
    db().$queryRaw<{ value: string }[]>`
      SELECT DISTINCT k.key AS value
      FROM participant p, jsonb_object_keys(p.custom_parameters) AS k(key)
      WHERE p.track_id = ${trackId} AND jsonb_typeof(p.custom_parameters) = 'object'
      ORDER BY 1 LIMIT ${OPTION_LIMIT}`,
  ]);
  return {
    invites: invites.map((row) => row.value),
    modes: modes.map((row) => row.value),
    customParameterKeys: keys.map((row) => row.value),
  };
}
