import type { Prisma } from "@/lib/generated/prisma/client";
import type { InstruqtEvent } from "@/lib/instruqt/events";

type Tx = Prisma.TransactionClient;

/**
 * The order-independent side records of an event: the tracks and learners Cairn has seen, who
 * claimed which invite, and reviews. Each write keeps the earliest/greatest value, so applying a
 * set of events in any order converges to the same rows.
 */
export async function applyDirectoryEvent(tx: Tx, event: InstruqtEvent, occurredAt: Date | null): Promise<void> {
  const trackId = "track_id" in event ? event.track_id : null;
  if (trackId && event.type.startsWith("track.")) {
    const slug = "track_slug" in event ? (event.track_slug ?? null) : null;
    const total = "total_challenges" in event ? (event.total_challenges ?? null) : null;
    await tx.$executeRaw`
      INSERT INTO track (id, slug, total_challenges, first_seen_at, last_seen_at, slug_seen_at)
      VALUES (${trackId}, ${slug}, ${total}, ${occurredAt}, ${occurredAt}, ${slug === null ? null : occurredAt})
      ON CONFLICT (id) DO UPDATE SET
        slug = CASE
          WHEN EXCLUDED.slug IS NOT NULL
           AND (track.slug_seen_at IS NULL OR EXCLUDED.slug_seen_at >= track.slug_seen_at)
          THEN EXCLUDED.slug ELSE track.slug END,
        slug_seen_at = GREATEST(track.slug_seen_at, EXCLUDED.slug_seen_at),
        total_challenges = GREATEST(track.total_challenges, EXCLUDED.total_challenges),
        first_seen_at = LEAST(track.first_seen_at, EXCLUDED.first_seen_at),
        last_seen_at = GREATEST(track.last_seen_at, EXCLUDED.last_seen_at)`;
  }

  const userId = "user_id" in event ? (event.user_id ?? null) : null;
  if (userId) {
    await tx.$executeRaw`
      INSERT INTO learner (id, first_seen_at, last_seen_at)
      VALUES (${userId}, ${occurredAt}, ${occurredAt})
      ON CONFLICT (id) DO UPDATE SET
        first_seen_at = LEAST(learner.first_seen_at, EXCLUDED.first_seen_at),
        last_seen_at = GREATEST(learner.last_seen_at, EXCLUDED.last_seen_at)`;
  }

  if (event.type === "invite.claimed") {
    await tx.$executeRaw`
      INSERT INTO invite_claim (invite_id, user_id, team_id, team_slug, claimed_at)
      VALUES (${event.invite_id}, ${event.user_id}, ${event.team_id ?? null}, ${event.team_slug ?? null}, ${occurredAt})
      ON CONFLICT (invite_id, user_id) DO UPDATE SET
        team_id = COALESCE(invite_claim.team_id, EXCLUDED.team_id),
        team_slug = COALESCE(invite_claim.team_slug, EXCLUDED.team_slug),
        claimed_at = LEAST(invite_claim.claimed_at, EXCLUDED.claimed_at)`;
  }

  if (event.type === "review.created" || event.type === "review.updated") {
    const createdAt = event.type === "review.created" ? occurredAt : null;
    // The newest review event wins; an older one arriving late only fills in the creation time.
    await tx.$executeRaw`
      INSERT INTO review (id, track_id, user_id, score, content, occurred_at, created_at)
      VALUES (${event.review_id}, ${event.track_id ?? null}, ${event.user_id ?? null}, ${event.score ?? null},
              ${event.content ?? null}, ${occurredAt}, ${createdAt})
      ON CONFLICT (id) DO UPDATE SET
        track_id = CASE WHEN (review.occurred_at IS NULL OR EXCLUDED.occurred_at >= review.occurred_at) THEN COALESCE(EXCLUDED.track_id, review.track_id) ELSE review.track_id END,
        user_id = CASE WHEN (review.occurred_at IS NULL OR EXCLUDED.occurred_at >= review.occurred_at) THEN COALESCE(EXCLUDED.user_id, review.user_id) ELSE review.user_id END,
        score = CASE WHEN (review.occurred_at IS NULL OR EXCLUDED.occurred_at >= review.occurred_at) THEN EXCLUDED.score ELSE review.score END,
        content = CASE WHEN (review.occurred_at IS NULL OR EXCLUDED.occurred_at >= review.occurred_at) THEN EXCLUDED.content ELSE review.content END,
        occurred_at = GREATEST(review.occurred_at, EXCLUDED.occurred_at),
        created_at = LEAST(review.created_at, EXCLUDED.created_at)`;
  }
}
