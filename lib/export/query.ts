import { CHALLENGE_COLUMNS, PROGRESS_COLUMNS, selectExpression } from "./columns";
import type { ExportFilter } from "./params";

/**
 * The SQL of the exports: one filter over plays shared by both files, the first query that finds
 * the custom-parameter keys, and the keyset-paginated batch queries. Pure text builders; values
 * always travel as bind parameters.
 *
 * Why keyset batches rather than a server-side cursor: a cursor lives in a transaction held open
 * for the whole download, as slow as the slowest client. On the embedded database (PGlite) every
 * connection waits while any transaction is open, so one export to a slow laptop would stall the
 * webhook ingest for minutes. Each keyset batch is a short statement on its own
 * (`WHERE p.id > last ORDER BY p.id LIMIT n`, walking the primary key), so ingest runs between
 * batches and memory holds one batch at a time. The price is no single snapshot: a play that
 * changes during a long export is written as it was when its batch was read, and plays created
 * meanwhile appear if their id sorts after the cursor. Every play still appears at most once.
 */

export interface SqlQuery {
  text: string;
  values: unknown[];
}

class Binds {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The filter as SQL conditions over the play `p`. */
function playConditions(filter: ExportFilter, binds: Binds): string[] {
  const conditions: string[] = [];
  if (filter.track !== undefined) {
    const track = binds.add(filter.track);
    // An id, the track's current slug, or the slug the play itself reported (before a rename).
    conditions.push(
      `(p.track_id = ${track} OR p.track_slug = ${track} OR p.track_id IN (SELECT id FROM track WHERE slug = ${track}))`,
    );
  }
  if (filter.invite !== undefined) conditions.push(`p.invite_id = ${binds.add(filter.invite)}`);
  if (filter.user !== undefined) conditions.push(`p.user_id = ${binds.add(filter.user)}`);
  if (filter.statuses !== undefined) conditions.push(`p.status = ANY(${binds.add(filter.statuses)}::"PlayStatus"[])`);
  if (filter.from !== undefined) conditions.push(`p.last_activity_at >= ${binds.add(filter.from)}::timestamptz`);
  if (filter.to !== undefined) {
    // The activity window selects plays whose activity [first, last] overlaps it, as the dashboards
    // do, so a download carries exactly the plays the page showed.
    conditions.push(`p.first_activity_at ${filter.to.inclusive ? "<=" : "<"} ${binds.add(filter.to.at)}::timestamptz`);
  }
  return conditions;
}

const where = (conditions: string[]) => (conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "");

/** The custom-parameter keys of the plays the filter selects (unsorted). */
export function paramKeysQuery(filter: ExportFilter): SqlQuery {
  const binds = new Binds();
  const conditions = [`jsonb_typeof(p.custom_parameters) = 'object'`, ...playConditions(filter, binds)];
  // The set-returning function sits in the select list, so it only runs on rows that passed WHERE
  // (jsonb_object_keys fails on anything but an object).
  return {
    text: `SELECT DISTINCT jsonb_object_keys(p.custom_parameters) FROM participant p ${where(conditions)}`,
    values: binds.values,
  };
}

/** The next `limit` plays after `after` (by id), with their learner and track. */
export function progressBatchQuery(filter: ExportFilter, after: string | null, limit: number): SqlQuery {
  const binds = new Binds();
  const conditions = playConditions(filter, binds);
  if (after !== null) conditions.push(`p.id > ${binds.add(after)}`);
  return {
    text: `SELECT ${PROGRESS_COLUMNS.map(selectExpression).join(", ")}
FROM participant p
LEFT JOIN learner l ON l.id = p.user_id
LEFT JOIN track t ON t.id = p.track_id
${where(conditions)}
ORDER BY p.id
LIMIT ${binds.add(limit)}`,
    values: binds.values,
  };
}

/**
 * The challenges of the next `limit` plays after `after`: the page of plays is chosen exactly as
 * for the progress file, so both files list the same plays for the same filter. A play without
 * challenges still gives one row (challenge columns null) so the cursor moves past it.
 */
export function challengeBatchQuery(filter: ExportFilter, after: string | null, limit: number): SqlQuery {
  const binds = new Binds();
  const conditions = playConditions(filter, binds);
  if (after !== null) conditions.push(`p.id > ${binds.add(after)}`);
  return {
    text: `WITH page AS (
  SELECT p.id, p.user_id, p.track_id, p.track_slug
  FROM participant p
  ${where(conditions)}
  ORDER BY p.id
  LIMIT ${binds.add(limit)}
)
SELECT ${CHALLENGE_COLUMNS.map(selectExpression).join(", ")}
FROM page p
LEFT JOIN track t ON t.id = p.track_id
LEFT JOIN challenge_progress cp ON cp.participant_id = p.id
ORDER BY p.id, cp.challenge_index`,
    values: binds.values,
  };
}
