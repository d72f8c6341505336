import { db, Prisma } from "@/lib/db/client";
import { challengeTitleSql, trackTitleSql } from "@/lib/catalogue/titles";
import { challengePositions } from "./challenge-positions";
import type { Review, WebhookEvent } from "@/lib/generated/prisma/client";
import type { ChallengeStatus } from "@/lib/generated/prisma/enums";
import { inactiveCutoff, playFiguresSql, type PlayFigures } from "@/lib/plays/rows";
import { displayIdentityColumns, identityJoins, type DisplayIdentity } from "@/lib/learners/display-identity";
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
  /** The shown title (lib/catalogue/titles.ts) of a challenge the play reached, or null. */
  title: string | null;
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
  trackTitle: string | null;
  inviteId: string | null;
  mode: string | null;
  customParameters: Record<string, unknown> | null;
  /** One cell per challenge position, in order, including those not reached. */
  challenges: ChallengeCell[];
}

/** One event of the timeline: its own columns typed from `WebhookEvent`, plus what the payload says. */
export type TimelineEvent = Pick<WebhookEvent, "svixId" | "type" | "occurredAt" | "receivedAt" | "participantId" | "challengeId" | "error"> & {
  id: string;
  outcome: string;
  trackLabel: string | null;
  /** Shown titles (lib/catalogue/titles.ts), or null. */
  trackTitle: string | null;
  challengeTitle: string | null;
  challengeIndex: number | null;
  /** For challenge attempts: whether the check passed. */
  completed: boolean | null;
  /** Review score for review events. */
  score: number | null;
  /** Worth an instructor's eye: a sandbox failure, a failed attempt, a review, an unusable payload. */
  flag: "sandbox_failure" | "failed_attempt" | "review" | "invalid" | null;
};

export type LearnerReview = Pick<Review, "id" | "score" | "content" | "occurredAt"> & { trackLabel: string | null; trackTitle: string | null };

export interface LearnerDetail extends DisplayIdentity {
  userId: string;
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

/** A play as selected: LearnerPlay's columns, with the challenge rows still to be laid out. */
type PlayRow = Omit<LearnerPlay, "challenges"> & { challenges: Omit<ChallengeCell, "position">[] };

/** An event as selected, before its flag is derived. */
type EventRow = Omit<TimelineEvent, "flag">;

export function learnerTimelineQuery(userId: string, limit = TIMELINE_LIMIT): Prisma.Sql {
  return Prisma.sql`
    SELECT e.id::text AS "id", e.svix_id AS "svixId", e.type AS "type", e.outcome::text AS "outcome",
           e.occurred_at AS "occurredAt", e.received_at AS "receivedAt", e.participant_id AS "participantId",
           coalesce(t.slug, e.payload ->> 'track_slug', e.track_id) AS "trackLabel",
           CASE WHEN e.track_id IS NULL THEN NULL ELSE ${trackTitleSql(Prisma.sql`e.track_id`)} END AS "trackTitle",
           e.challenge_id AS "challengeId",
           CASE WHEN e.challenge_id IS NULL THEN NULL ELSE ${challengeTitleSql(Prisma.sql`e.track_id`, Prisma.sql`e.challenge_id`)} END AS "challengeTitle",
           CASE WHEN jsonb_typeof(e.payload -> 'challenge_index') = 'number'
                THEN (e.payload ->> 'challenge_index')::numeric::int END AS "challengeIndex",
           CASE WHEN jsonb_typeof(e.payload -> 'completed') = 'boolean'
                THEN (e.payload ->> 'completed')::boolean END AS "completed",
           CASE WHEN jsonb_typeof(e.payload -> 'score') = 'number'
                THEN (e.payload ->> 'score')::numeric::int END AS "score",
           e.error AS "error"
    FROM webhook_event e
    LEFT JOIN track t ON t.id = e.track_id
    WHERE e.user_id = ${userId} AND e.outcome <> 'test'
    ORDER BY e.occurred_at NULLS LAST, e.id
    LIMIT ${limit}`;
}

export function learnerPlaysQuery(userId: string, now: Date = new Date()): Prisma.Sql {
  return Prisma.sql`
    SELECT p.id AS "participantId", p.track_id AS "trackId", ${trackKeySql(Prisma.sql`p.track_id`)} AS "trackKey",
           coalesce(t.slug, p.track_slug, p.track_id) AS "trackLabel",
           ${trackTitleSql(Prisma.sql`p.track_id`)} AS "trackTitle",
           p.invite_id AS "inviteId", p.mode AS "mode", ${playFiguresSql(inactiveCutoff(now))},
           p.custom_parameters AS "customParameters",
           coalesce((
             SELECT json_agg(json_build_object(
                      'index', cp.challenge_index, 'challengeId', cp.challenge_id,
                      'title', ${challengeTitleSql(Prisma.sql`p.track_id`, Prisma.sql`cp.challenge_id`)}, 'status', cp.status,
                      'attempts', cp.attempts, 'failedAttempts', cp.failed_attempts,
                      'secondsInChallenge', cp.seconds_in_challenge)
                    ORDER BY cp.challenge_index)
             FROM challenge_progress cp WHERE cp.participant_id = p.id), '[]'::json) AS "challenges"
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
      challengeId: row?.challengeId ?? null,
      title: row?.title ?? null,
      status: row?.status ?? "not_started",
      attempts: row?.attempts ?? 0,
      failedAttempts: row?.failedAttempts ?? 0,
      secondsInChallenge: row?.secondsInChallenge ?? null,
    };
  });
}

export async function learnerDetail(userId: string): Promise<LearnerDetail | null> {
  const [[found], plays, events, reviews, invites] = await Promise.all([
    db().$queryRaw<(DisplayIdentity & { known: boolean; enrichedAt: Date | null; firstSeenAt: Date | null; lastSeenAt: Date | null })[]>`
      SELECT (l.id IS NOT NULL) AS "known", ${displayIdentityColumns}, l.enriched_at AS "enrichedAt",
             l.first_seen_at AS "firstSeenAt", l.last_seen_at AS "lastSeenAt"
      FROM (SELECT ${userId}::text AS id) AS wanted ${Prisma.raw(identityJoins("wanted.id"))}`,
    db().$queryRaw<PlayRow[]>(learnerPlaysQuery(userId)),
    db().$queryRaw<EventRow[]>(learnerTimelineQuery(userId, TIMELINE_LIMIT + 1)),
    db().$queryRaw<LearnerReview[]>`
      SELECT r.id AS "id", coalesce(t.slug, r.track_id) AS "trackLabel", ${trackTitleSql(Prisma.sql`r.track_id`)} AS "trackTitle", r.score AS "score", r.content AS "content",
             r.occurred_at AS "occurredAt"
      FROM review r LEFT JOIN track t ON t.id = r.track_id
      WHERE r.user_id = ${userId}
      ORDER BY r.occurred_at DESC NULLS LAST, r.id`,
    db().inviteClaim.findMany({ where: { userId }, orderBy: { claimedAt: "asc" } }),
  ]);
  if (!found?.known && plays.length === 0 && events.length === 0) return null;

  return {
    userId,
    firstName: found?.firstName ?? null,
    lastName: found?.lastName ?? null,
    email: found?.email ?? null,
    nameSource: found?.nameSource ?? null,
    emailSource: found?.emailSource ?? null,
    identifiers: found?.identifiers ?? null,
    enrichedAt: found?.enrichedAt ?? null,
    firstSeenAt: found?.firstSeenAt ?? null,
    lastSeenAt: found?.lastSeenAt ?? null,
    plays: plays.map((play) => ({ ...play, challenges: challengeStrip(play) })),
    timeline: events.slice(0, TIMELINE_LIMIT).map((row) => ({ ...row, flag: flagOf(row) })),
    timelineTruncated: events.length > TIMELINE_LIMIT,
    reviews,
    invites: invites.map((claim) => ({ inviteId: claim.inviteId, teamSlug: claim.teamSlug, claimedAt: claim.claimedAt })),
  };
}
