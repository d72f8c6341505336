import { db, Prisma } from "@/lib/db/client";
import { challengePositions } from "./challenge-positions";
import type { ChallengeStatus } from "@/lib/generated/prisma/enums";
import { inactiveCutoff, playFiguresSql, type PlayFigures } from "@/lib/plays/rows";
import { trackKeySql } from "./tracks";

/**
 * Everything about one learner (an Instruqt user_id): who they are (once enriched), each of their
 * plays with its per-challenge progress, every event they caused in time order, their reviews and
 * invite claims. Test deliveries are not theirs and never appear here.
 */

export const TIMELINE_LIMIT = 2_000;


export interface ChallengeCell {
  index: number;
  position: number;
  challengeId: string | null;
  status: ChallengeStatus;
  attempts: number;
  failedAttempts: number;
  secondsInChallenge: number | null;
}

export interface LearnerPlay extends PlayFigures {
  participantId: string;
  trackId: string | null;
  trackKey: string | null;
  trackLabel: string | null;
  inviteId: string | null;
  mode: string | null;
  customParameters: Record<string, unknown> | null;
  /** One cell per challenge position, in order, including those not reached. */
  challenges: ChallengeCell[];
}

export interface TimelineEvent {
  id: string;
  svixId: string;
  type: string;
  outcome: string;
  occurredAt: Date | null;
  receivedAt: Date;
  participantId: string | null;
  trackLabel: string | null;
  challengeId: string | null;
  challengeIndex: number | null;
  /** For challenge attempts: whether the check passed. */
  completed: boolean | null;
  /** Review score for review events. */
  score: number | null;
  error: string | null;
  /** Worth an instructor's eye: a sandbox failure, a failed attempt, a review, an unusable payload. */
  flag: "sandbox_failure" | "failed_attempt" | "review" | "invalid" | null;
}

export interface LearnerReview {
  id: string;
  trackLabel: string | null;
  score: number | null;
  content: string | null;
  occurredAt: Date | null;
}

export interface LearnerDetail {
  userId: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  enrichmentSource: string | null;
  enrichedAt: Date | null;
  firstSeenAt: Date | null;
  lastSeenAt: Date | null;
  plays: LearnerPlay[];
  timeline: TimelineEvent[];
  /** Whether the timeline stopped at TIMELINE_LIMIT events. */
  timelineTruncated: boolean;
  reviews: LearnerReview[];
  invites: { inviteId: string; teamSlug: string | null; claimedAt: Date | null }[];
}

interface PlayRow extends PlayFigures {
  participant_id: string;
  track_id: string | null;
  track_key: string | null;
  track_label: string | null;
  invite_id: string | null;
  mode: string | null;
  custom_parameters: Record<string, unknown> | null;
  challenges: {
    index: number;
    challenge_id: string | null;
    status: ChallengeStatus;
    attempts: number;
    failed_attempts: number;
    seconds_in_challenge: number | null;
  }[];
}

interface EventRow {
  id: string;
  svix_id: string;
  type: string;
  outcome: string;
  occurred_at: Date | null;
  received_at: Date;
  participant_id: string | null;
  track_label: string | null;
  challenge_id: string | null;
  challenge_index: number | null;
  completed: boolean | null;
  score: number | null;
  error: string | null;
}

export function learnerTimelineQuery(userId: string, limit = TIMELINE_LIMIT): Prisma.Sql {
  return Prisma.sql`
    SELECT e.id::text AS id, e.svix_id, e.type, e.outcome::text AS outcome, e.occurred_at, e.received_at,
           e.participant_id, coalesce(t.slug, e.payload ->> 'track_slug', e.track_id) AS track_label,
           e.challenge_id,
           CASE WHEN jsonb_typeof(e.payload -> 'challenge_index') = 'number'
                THEN (e.payload ->> 'challenge_index')::numeric::int END AS challenge_index,
           CASE WHEN jsonb_typeof(e.payload -> 'completed') = 'boolean'
                THEN (e.payload ->> 'completed')::boolean END AS completed,
           CASE WHEN jsonb_typeof(e.payload -> 'score') = 'number'
                THEN (e.payload ->> 'score')::numeric::int END AS score,
           e.error
    FROM webhook_event e
    LEFT JOIN track t ON t.id = e.track_id
    WHERE e.user_id = ${userId} AND e.outcome <> 'test'
    ORDER BY e.occurred_at NULLS LAST, e.id
    LIMIT ${limit}`;
}

export function learnerPlaysQuery(userId: string, now: Date = new Date()): Prisma.Sql {
  return Prisma.sql`
    SELECT p.id AS participant_id, p.track_id, ${trackKeySql(Prisma.sql`p.track_id`)} AS track_key,
           coalesce(t.slug, p.track_slug, p.track_id) AS track_label,
           p.invite_id, p.mode, ${playFiguresSql(inactiveCutoff(now))}, p.custom_parameters,
           coalesce((
             SELECT json_agg(json_build_object(
                      'index', cp.challenge_index, 'challenge_id', cp.challenge_id, 'status', cp.status,
                      'attempts', cp.attempts, 'failed_attempts', cp.failed_attempts,
                      'seconds_in_challenge', cp.seconds_in_challenge)
                    ORDER BY cp.challenge_index)
             FROM challenge_progress cp WHERE cp.participant_id = p.id), '[]'::json) AS challenges
    FROM participant p
    LEFT JOIN track t ON t.id = p.track_id
    WHERE p.user_id = ${userId}
    ORDER BY p.last_activity_at DESC NULLS LAST, p.id`;
}

function flagOf(row: EventRow): TimelineEvent["flag"] {
  if (row.type === "sandbox.failed") return "sandbox_failure";
  if (row.type === "track.challenge_attempted" && row.completed === false) return "failed_attempt";
  if (row.type.startsWith("review.")) return "review";
  if (row.outcome === "invalid_payload") return "invalid";
  return null;
}

/** A strip cell per challenge position of the track, reached or not. */
function challengeStrip(play: PlayRow): ChallengeCell[] {
  const byIndex = new Map(play.challenges.map((c) => [c.index, c]));
  const positions = challengePositions(byIndex.keys(), play.totalChallenges);
  return positions.indexes.map((index) => {
    const row = byIndex.get(index);
    return {
      index,
      position: positions.position(index),
      challengeId: row?.challenge_id ?? null,
      status: row?.status ?? "not_started",
      attempts: row?.attempts ?? 0,
      failedAttempts: row?.failed_attempts ?? 0,
      secondsInChallenge: row?.seconds_in_challenge ?? null,
    };
  });
}

export async function learnerDetail(userId: string): Promise<LearnerDetail | null> {
  const [learners, plays, events, reviews, invites] = await Promise.all([
    db().learner.findUnique({ where: { id: userId } }),
    db().$queryRaw<PlayRow[]>(learnerPlaysQuery(userId)),
    db().$queryRaw<EventRow[]>(learnerTimelineQuery(userId, TIMELINE_LIMIT + 1)),
    db().$queryRaw<{ id: string; track_label: string | null; score: number | null; content: string | null; occurred_at: Date | null }[]>`
      SELECT r.id, coalesce(t.slug, r.track_id) AS track_label, r.score, r.content, r.occurred_at
      FROM review r LEFT JOIN track t ON t.id = r.track_id
      WHERE r.user_id = ${userId}
      ORDER BY r.occurred_at DESC NULLS LAST, r.id`,
    db().inviteClaim.findMany({ where: { userId }, orderBy: { claimedAt: "asc" } }),
  ]);
  if (!learners && plays.length === 0 && events.length === 0) return null;

  return {
    userId,
    firstName: learners?.firstName ?? null,
    lastName: learners?.lastName ?? null,
    email: learners?.email ?? null,
    enrichmentSource: learners?.enrichmentSource ?? null,
    enrichedAt: learners?.enrichedAt ?? null,
    firstSeenAt: learners?.firstSeenAt ?? null,
    lastSeenAt: learners?.lastSeenAt ?? null,
    plays: plays.map((play) => {
      const { participant_id, track_id, track_key, track_label, invite_id, custom_parameters, ...figures } = play;
      return {
        ...figures,
        participantId: participant_id,
        trackId: track_id,
        trackKey: track_key,
        trackLabel: track_label,
        inviteId: invite_id,
        customParameters: custom_parameters,
        challenges: challengeStrip(play),
      };
    }),
    timeline: events.slice(0, TIMELINE_LIMIT).map((row) => ({
      id: row.id,
      svixId: row.svix_id,
      type: row.type,
      outcome: row.outcome,
      occurredAt: row.occurred_at,
      receivedAt: row.received_at,
      participantId: row.participant_id,
      trackLabel: row.track_label,
      challengeId: row.challenge_id,
      challengeIndex: row.challenge_index,
      completed: row.completed,
      score: row.score,
      error: row.error,
      flag: flagOf(row),
    })),
    timelineTruncated: events.length > TIMELINE_LIMIT,
    reviews: reviews.map((review) => ({
      id: review.id,
      trackLabel: review.track_label,
      score: review.score,
      content: review.content,
      occurredAt: review.occurred_at,
    })),
    invites: invites.map((claim) => ({ inviteId: claim.inviteId, teamSlug: claim.teamSlug, claimedAt: claim.claimedAt })),
  };
}
