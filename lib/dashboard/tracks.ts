import { titled } from "@/lib/catalogue/names";
import { trackTitleSql } from "@/lib/catalogue/titles";
import { db, Prisma } from "@/lib/db/client";

/**
 * Tracks as the dashboards name and summarise them. A track's URL key is its slug, or its id
 * when it has no slug or the slug would be ambiguous (two tracks with one slug, or a slug equal
 * to another track's id), so every key leads to exactly one track.
 */

/** The URL key of the track row aliased `t`, falling back to `fallbackId` when there is no row. */
export function trackKeySql(fallbackId: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`CASE
    WHEN t.slug IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM track t2 WHERE t2.id <> t.id AND (t2.slug = t.slug OR t2.id = t.slug))
    THEN t.slug ELSE ${fallbackId} END`;
}

export function trackPath(key: string): string {
  return `/tracks/${encodeURIComponent(key)}`;
}

export interface TrackSummary {
  id: string;
  key: string;
  slug: string | null;
  /** The shown title (lib/catalogue/titles.ts), or null. */
  title: string | null;
  totalChallenges: number | null;
  /** Plays of the track: every play is one start. */
  plays: number;
  completions: number;
  /** Plays by status (the projection's meanings): no challenge started yet / working / stopped. */
  started: number;
  inProgress: number;
  stopped: number;
  /** completions / plays, 0–1; null without plays. */
  completionRate: number | null;
  /** Median of completed_at − started_at over completed plays, in seconds. */
  medianCompletionSeconds: number | null;
  lastActivityAt: Date | null;
}

/**
 * Every track with plays, most recently active first. Aggregated from `participant` (the
 * projection), grouped by track; tracks seen only through sandbox events have no `track` row and
 * are still listed by id.
 *
 * The counts and the median are two aggregates on purpose: in one, the ordered-set median makes
 * PostgreSQL group in track order (an index walk visiting every play's heap row, then a sort per
 * track) — 106 ms at 100k plays — where apart the counts are one hash aggregate (parallel) and
 * the median reads only completed plays: 53 ms together.
 */
export function trackSummariesQuery(): Prisma.Sql {
  return Prisma.sql`
    WITH counts AS (
      SELECT p.track_id,
             count(*)::int AS plays,
             count(*) FILTER (WHERE p.status = 'completed')::int AS completions,
             count(*) FILTER (WHERE p.status = 'started')::int AS started,
             count(*) FILTER (WHERE p.status = 'in_progress')::int AS in_progress,
             count(*) FILTER (WHERE p.status = 'stopped')::int AS stopped,
             max(p.last_activity_at) AS last_activity_at,
             max(p.total_challenges) AS total_challenges,
             max(p.track_slug) AS track_slug
      FROM participant p
      WHERE p.track_id IS NOT NULL
      GROUP BY p.track_id
    ), medians AS (
      SELECT p.track_id,
             (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM p.completed_at - p.started_at)))::float8
               AS median_completion_seconds
      FROM participant p
      WHERE p.track_id IS NOT NULL AND p.status = 'completed' AND p.started_at IS NOT NULL AND p.completed_at IS NOT NULL
      GROUP BY p.track_id
    )
    SELECT c.track_id AS "id",
           ${trackKeySql(Prisma.sql`c.track_id`)} AS "key",
           coalesce(t.slug, c.track_slug) AS "slug",
           ${trackTitleSql(Prisma.sql`c.track_id`)} AS "title",
           coalesce(t.total_challenges, c.total_challenges) AS "totalChallenges",
           c.plays AS "plays", c.completions AS "completions", c.started AS "started",
           c.in_progress AS "inProgress", c.stopped AS "stopped",
           CASE WHEN c.plays > 0 THEN c.completions::float8 / c.plays END AS "completionRate",
           m.median_completion_seconds AS "medianCompletionSeconds",
           c.last_activity_at AS "lastActivityAt"
    FROM counts c
    LEFT JOIN medians m ON m.track_id = c.track_id
    LEFT JOIN track t ON t.id = c.track_id
    ORDER BY c.last_activity_at DESC NULLS LAST, c.track_id`;
}

export async function trackSummaries(): Promise<TrackSummary[]> {
  return db().$queryRaw<TrackSummary[]>(trackSummariesQuery());
}

export interface TrackRef {
  id: string;
  key: string;
  slug: string | null;
  totalChallenges: number | null;
}

/**
 * The track a URL key names: a track id first, then a slug (the most recently seen track with
 * it), then the id of a track known only from its plays.
 */
export async function findTrack(key: string): Promise<TrackRef | null> {
  const rows = await db().$queryRaw<TrackRef[]>`
    SELECT t.id AS "id", ${trackKeySql(Prisma.sql`t.id`)} AS "key", t.slug AS "slug", t.total_challenges AS "totalChallenges"
    FROM track t
    WHERE t.id = ${key} OR t.slug = ${key}
    ORDER BY (t.id = ${key}) DESC, t.last_seen_at DESC NULLS LAST
    LIMIT 1`;
  const row = rows[0];
  if (row) return row;

  const plays = await db().$queryRaw<{ total_challenges: number | null }[]>`
    SELECT max(p.total_challenges) AS total_challenges FROM participant p
    WHERE p.track_id = ${key}
    HAVING count(*) > 0`;
  if (plays.length === 0) return null;
  return { id: key, key, slug: null, totalChallenges: plays[0]!.total_challenges };
}

/** Track choices for filter menus: key and label, by label. */
export async function trackOptions(): Promise<{ key: string; id: string; label: string }[]> {
  const rows = await db().$queryRaw<{ id: string; key: string; slug: string | null; title: string | null }[]>`
    SELECT t.id, ${trackKeySql(Prisma.sql`t.id`)} AS key, t.slug, ${trackTitleSql(Prisma.sql`t.id`)} AS title
    FROM track t
    ORDER BY coalesce(t.slug, t.id)`;
  return rows.map((row) => ({ key: row.key, id: row.id, label: titled(row.title, row.slug ?? row.id) }));
}
