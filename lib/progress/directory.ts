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

// ---------------------------------------------------------------------------------------------
// The same rules for a batch of events (the projector, reproject, the seeder)
// ---------------------------------------------------------------------------------------------

const ms = (date: Date | null) => (date === null ? null : date.getTime());
const least = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const greatest = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
const iso = (value: number | null) => (value === null ? null : new Date(value).toISOString());

interface TrackChange { slug: string | null; slugSeenAt: number | null; total: number | null; first: number | null; last: number | null }
interface LearnerChange { first: number | null; last: number | null }
interface ClaimChange { inviteId: string; userId: string; teamId: string | null; teamSlug: string | null; claimedAt: number | null }
interface ReviewChange { trackId: string | null; userId: string | null; score: number | null; content: string | null; occurredAt: number | null; createdAt: number | null }

/**
 * A batch's directory changes, folded in memory by the rules of `applyDirectoryEvent`, so that
 * each row is upserted once per batch (ON CONFLICT DO UPDATE cannot touch a row twice in one
 * statement) and the stored row then converges exactly as if the events were applied one by one.
 */
export class DirectoryChanges {
  readonly tracks = new Map<string, TrackChange>();
  readonly learners = new Map<string, LearnerChange>();
  readonly claims = new Map<string, ClaimChange>();
  readonly reviews = new Map<string, ReviewChange>();

  add(event: InstruqtEvent, occurredAt: Date | null): void {
    const at = ms(occurredAt);
    // Loose schemas let extra fields through untyped: read them as the SQL rules do, by value.
    const fields = event as unknown as Record<string, unknown>;
    const trackId = typeof fields.track_id === "string" ? fields.track_id : null;
    if (trackId && event.type.startsWith("track.")) {
      const slug = typeof fields.track_slug === "string" ? fields.track_slug : null;
      const total = typeof fields.total_challenges === "number" ? fields.total_challenges : null;
      const row = this.tracks.get(trackId);
      const slugSeenAt = slug === null ? null : at;
      if (!row) {
        this.tracks.set(trackId, { slug, slugSeenAt, total, first: at, last: at });
      } else {
        if (slug !== null && (row.slugSeenAt === null || (slugSeenAt !== null && slugSeenAt >= row.slugSeenAt))) row.slug = slug;
        row.slugSeenAt = greatest(row.slugSeenAt, slugSeenAt);
        row.total = greatest(row.total, total);
        row.first = least(row.first, at);
        row.last = greatest(row.last, at);
      }
    }

    const userId = "user_id" in event ? (event.user_id ?? null) : null;
    if (userId) {
      const row = this.learners.get(userId);
      if (!row) this.learners.set(userId, { first: at, last: at });
      else {
        row.first = least(row.first, at);
        row.last = greatest(row.last, at);
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
        row.claimedAt = least(row.claimedAt, at);
      }
    }

    if (event.type === "review.created" || event.type === "review.updated") {
      const createdAt = event.type === "review.created" ? at : null;
      const row = this.reviews.get(event.review_id);
      if (!row) {
        this.reviews.set(event.review_id, { trackId: event.track_id ?? null, userId: event.user_id ?? null, score: event.score ?? null, content: event.content ?? null, occurredAt: at, createdAt });
      } else {
        if (row.occurredAt === null || (at !== null && at >= row.occurredAt)) {
          row.trackId = event.track_id ?? row.trackId;
          row.userId = event.user_id ?? row.userId;
          row.score = event.score ?? null;
          row.content = event.content ?? null;
        }
        row.occurredAt = greatest(row.occurredAt, at);
        row.createdAt = least(row.createdAt, createdAt);
      }
    }
  }

  /**
   * One upsert per table, rows in key order: two projectors writing overlapping rows lock them in
   * the same order, so they wait for each other instead of deadlocking.
   */
  async write(tx: Tx): Promise<void> {
    const sorted = <T>(map: Map<string, T>) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const tracks = sorted(this.tracks);
    if (tracks.length > 0) {
      await tx.$executeRaw`
        INSERT INTO track (id, slug, total_challenges, first_seen_at, last_seen_at, slug_seen_at)
        SELECT * FROM unnest(${tracks.map(([id]) => id)}::text[], ${tracks.map(([, t]) => t.slug)}::text[],
                             ${tracks.map(([, t]) => t.total)}::int[], ${tracks.map(([, t]) => iso(t.first))}::timestamptz[],
                             ${tracks.map(([, t]) => iso(t.last))}::timestamptz[], ${tracks.map(([, t]) => iso(t.slugSeenAt))}::timestamptz[])
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
    const learners = sorted(this.learners);
    if (learners.length > 0) {
      await tx.$executeRaw`
        INSERT INTO learner (id, first_seen_at, last_seen_at)
        SELECT * FROM unnest(${learners.map(([id]) => id)}::text[], ${learners.map(([, l]) => iso(l.first))}::timestamptz[],
                             ${learners.map(([, l]) => iso(l.last))}::timestamptz[])
        ON CONFLICT (id) DO UPDATE SET
          first_seen_at = LEAST(learner.first_seen_at, EXCLUDED.first_seen_at),
          last_seen_at = GREATEST(learner.last_seen_at, EXCLUDED.last_seen_at)`;
    }
    const claims = sorted(this.claims).map(([, claim]) => claim);
    if (claims.length > 0) {
      await tx.$executeRaw`
        INSERT INTO invite_claim (invite_id, user_id, team_id, team_slug, claimed_at)
        SELECT * FROM unnest(${claims.map((c) => c.inviteId)}::text[], ${claims.map((c) => c.userId)}::text[],
                             ${claims.map((c) => c.teamId)}::text[], ${claims.map((c) => c.teamSlug)}::text[],
                             ${claims.map((c) => iso(c.claimedAt))}::timestamptz[])
        ON CONFLICT (invite_id, user_id) DO UPDATE SET
          team_id = COALESCE(invite_claim.team_id, EXCLUDED.team_id),
          team_slug = COALESCE(invite_claim.team_slug, EXCLUDED.team_slug),
          claimed_at = LEAST(invite_claim.claimed_at, EXCLUDED.claimed_at)`;
    }
    const reviews = sorted(this.reviews);
    if (reviews.length > 0) {
      await tx.$executeRaw`
        INSERT INTO review (id, track_id, user_id, score, content, occurred_at, created_at)
        SELECT * FROM unnest(${reviews.map(([id]) => id)}::text[], ${reviews.map(([, r]) => r.trackId)}::text[],
                             ${reviews.map(([, r]) => r.userId)}::text[], ${reviews.map(([, r]) => r.score)}::int[],
                             ${reviews.map(([, r]) => r.content)}::text[], ${reviews.map(([, r]) => iso(r.occurredAt))}::timestamptz[],
                             ${reviews.map(([, r]) => iso(r.createdAt))}::timestamptz[])
        ON CONFLICT (id) DO UPDATE SET
          track_id = CASE WHEN (review.occurred_at IS NULL OR EXCLUDED.occurred_at >= review.occurred_at) THEN COALESCE(EXCLUDED.track_id, review.track_id) ELSE review.track_id END,
          user_id = CASE WHEN (review.occurred_at IS NULL OR EXCLUDED.occurred_at >= review.occurred_at) THEN COALESCE(EXCLUDED.user_id, review.user_id) ELSE review.user_id END,
          score = CASE WHEN (review.occurred_at IS NULL OR EXCLUDED.occurred_at >= review.occurred_at) THEN EXCLUDED.score ELSE review.score END,
          content = CASE WHEN (review.occurred_at IS NULL OR EXCLUDED.occurred_at >= review.occurred_at) THEN EXCLUDED.content ELSE review.content END,
          occurred_at = GREATEST(review.occurred_at, EXCLUDED.occurred_at),
          created_at = LEAST(review.created_at, EXCLUDED.created_at)`;
    }
  }
}
