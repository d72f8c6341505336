import { Prisma } from "@/lib/db/client";
import { challengeCatalogueJoin, trackCatalogueJoin } from "@/lib/catalogue/titles";
import { identityJoins } from "@/lib/learners/display-identity";
import { playConditions, type PlaySelection } from "@/lib/plays/filter";
import { CHALLENGE_COLUMNS, PLAY_SOURCE_SQL, PROGRESS_COLUMNS, selectExpression } from "./columns";

/**
 * The SQL of the exports: the plays come from the one play filter (lib/plays/filter.ts), the same
 * conditions the pages use; then the first query that finds the custom-parameter keys, and the
 * keyset-paginated batch queries. Built as Prisma.Sql, sent as text + binds over node-postgres.
 *
 * Order: last activity, newest first, then participant id, so a download reads like the pages
 * and is stable across runs. Plays without any timestamped event (no last activity) come last,
 * by id, in a second phase: keeping them out of the main walk lets every batch be one range
 * scan of participant(last_activity_at DESC, id) instead of an OR the planner cannot range over.
 *
 * Why keyset batches rather than a server-side cursor: a cursor lives in a transaction held open
 * for the whole download, as slow as the slowest client. On the embedded database (PGlite) every
 * connection waits while any transaction is open, so one export to a slow laptop would stall the
 * webhook ingest for minutes. Each keyset batch is a short statement on its own, so ingest runs
 * between batches and memory holds one batch at a time. The price is no single snapshot: a play
 * is written as it was when its batch was read, and since the order is by last activity, a play
 * that receives an event during a long download moves to the front: already past it, the walk
 * does not see it again (it appears once, as it was); not yet reached, it is skipped. A download
 * is a picture of plays as they were, for the plays that stayed put while it ran.
 */

export interface SqlQuery {
  text: string;
  values: unknown[];
}

/**
 * Where a walk stands: after the play `id` whose last activity was `at` (as PostgreSQL's JSON
 * writes a UTC timestamp), or, with `at` null, among the plays without one.
 */
export interface ExportCursor {
  at: string | null;
  id: string;
}

const toQuery = (sql: Prisma.Sql): SqlQuery => ({ text: sql.text, values: sql.values });

/** The hidden last column of every batch row: the play's last activity, for the cursor. */
export const CURSOR_SQL = `to_json(p.last_activity_at AT TIME ZONE 'UTC')`;

function afterCursor(cursor: ExportCursor | null): Prisma.Sql {
  if (cursor === null) return Prisma.sql`p.last_activity_at IS NOT NULL`;
  if (cursor.at === null) return Prisma.sql`p.last_activity_at IS NULL AND p.id > ${cursor.id}`;
  const at = `${cursor.at}Z`;
  // The first condition is the index range; the second only filters the plays that share `at`.
  return Prisma.sql`p.last_activity_at <= ${at}::timestamptz
    AND (p.last_activity_at < ${at}::timestamptz OR p.id > ${cursor.id})`;
}

function orderOf(cursor: ExportCursor | null): Prisma.Sql {
  return cursor !== null && cursor.at === null ? Prisma.sql`p.id` : Prisma.sql`p.last_activity_at DESC, p.id`;
}

/** The custom-parameter keys of the plays the filter selects (unsorted). */
export function paramKeysQuery(selection: PlaySelection): SqlQuery {
  // The set-returning function sits in the select list, so it only runs on rows that passed WHERE
  // (jsonb_object_keys fails on anything but an object).
  return toQuery(Prisma.sql`SELECT DISTINCT jsonb_object_keys(p.custom_parameters) FROM participant p
    WHERE jsonb_typeof(p.custom_parameters) = 'object' AND ${playConditions(selection)}`);
}

const PROGRESS_SELECT = Prisma.raw([...PROGRESS_COLUMNS.map(selectExpression), CURSOR_SQL].join(", "));
// Before the cursor, hidden too: the play's source, so a backfilled play (no challenges) keeps its row.
const CHALLENGE_SELECT = Prisma.raw([...CHALLENGE_COLUMNS.map(selectExpression), PLAY_SOURCE_SQL, CURSOR_SQL].join(", "));

/** The next `limit` plays after the cursor, with their learner and track. */
export function progressBatchQuery(selection: PlaySelection, cursor: ExportCursor | null, limit: number): SqlQuery {
  return toQuery(Prisma.sql`SELECT ${PROGRESS_SELECT}
FROM participant p
${Prisma.raw(identityJoins("p.user_id"))}
LEFT JOIN track t ON t.id = p.track_id
${Prisma.raw(trackCatalogueJoin("tc", "p.track_id"))}
WHERE ${playConditions(selection)} AND ${afterCursor(cursor)}
ORDER BY ${orderOf(cursor)}
LIMIT ${limit}`);
}

/**
 * The challenges of the next `limit` plays after the cursor: the page of plays is chosen exactly
 * as for the progress file, so both files list the same plays in the same order. A play without
 * challenges still gives one row (challenge columns null) so the cursor moves past it.
 */
export function challengeBatchQuery(selection: PlaySelection, cursor: ExportCursor | null, limit: number): SqlQuery {
  return toQuery(Prisma.sql`WITH page AS (
  SELECT p.id, p.user_id, p.track_id, p.track_slug, p.last_activity_at, p.source
  FROM participant p
  WHERE ${playConditions(selection)} AND ${afterCursor(cursor)}
  ORDER BY ${orderOf(cursor)}
  LIMIT ${limit}
)
SELECT ${CHALLENGE_SELECT}
FROM page p
LEFT JOIN track t ON t.id = p.track_id
LEFT JOIN challenge_progress cp ON cp.participant_id = p.id
${Prisma.raw(trackCatalogueJoin("tc", "p.track_id"))}
${Prisma.raw(challengeCatalogueJoin("cc", "p.track_id", "cp.challenge_id"))}
ORDER BY ${orderOf(cursor)}, cp.challenge_index`);
}
