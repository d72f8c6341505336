import { shownTitleOf } from "@/lib/catalogue/titles";
import { DISPLAY_IDENTITY_SQL } from "@/lib/learners/display-identity";
import { TOTAL_CHALLENGES_SQL } from "@/lib/plays/rows";
import { csvRecord, stableJson, type Cell } from "./csv";

/**
 * What each export file holds. A column's header, the SQL that selects it and how its value is
 * written are declared together, so the header and the data cannot drift apart. Queries select
 * the columns in this order with rows as arrays (see query.ts).
 *
 * In the SQL, `p` is the play (participant), `l` the learner, `li` its identity, `t` the track, `cp` the
 * challenge progress row, and `tc` / `cc` the track's and the challenge's catalogue rows (query.ts joins them).
 */

export type ColumnKind = "text" | "integer" | "boolean" | "timestamp" | "json";

export interface Column {
  name: string;
  sql: string;
  kind: ColumnKind;
}

const text = (name: string, sql: string): Column => ({ name, sql, kind: "text" });
const integer = (name: string, sql: string): Column => ({ name, sql, kind: "integer" });
const timestamp = (name: string, sql: string): Column => ({ name, sql, kind: "timestamp" });

// The track's current slug (the newest one Instruqt sent for it), so every play of a track shows
// the same slug; the play's own reported slug when the track has none.
const TRACK_SLUG = "COALESCE(t.slug, p.track_slug)";

export const PROGRESS_COLUMNS: readonly Column[] = [
  text("participant_id", "p.id"),
  text("user_id", "p.user_id"),
  // Who the learner is, by the one precedence (enrichment, else identity parameters).
  text("first_name", DISPLAY_IDENTITY_SQL.firstName),
  text("last_name", DISPLAY_IDENTITY_SQL.lastName),
  text("email", DISPLAY_IDENTITY_SQL.email),
  text("track_id", "p.track_id"),
  text("track_slug", TRACK_SLUG),
  text("invite_id", "p.invite_id"),
  text("mode", "p.mode"),
  text("status", "p.status::text"),
  integer("challenges_completed", "p.challenges_completed"),
  // The play's length, else its track's: the same rule as the pages (lib/plays/rows.ts).
  integer("total_challenges", TOTAL_CHALLENGES_SQL),
  integer("progress_percent", "p.progress_percent"),
  integer("attempts", "p.attempts"),
  integer("failed_attempts", "p.failed_attempts"),
  integer("skipped_challenges", "p.skipped_challenges"),
  timestamp("started_at", "p.started_at"),
  timestamp("completed_at", "p.completed_at"),
  timestamp("last_activity_at", "p.last_activity_at"),
  integer("time_spent_seconds", "p.time_spent_seconds"),
  { name: "custom_parameters", sql: "p.custom_parameters", kind: "json" },
  // Issue 14: after the 21 columns above, in their order; the param_<key> columns follow.
  text("track_title", shownTitleOf("tc")),
];

/** Where custom_parameters sits in a progress row; the param_<key> columns are read from it. */
const CUSTOM_PARAMETERS_AT = PROGRESS_COLUMNS.findIndex((column) => column.name === "custom_parameters");

export const CHALLENGE_COLUMNS: readonly Column[] = [
  text("participant_id", "p.id"),
  text("user_id", "p.user_id"),
  text("track_id", "p.track_id"),
  text("track_slug", TRACK_SLUG),
  text("challenge_id", "cp.challenge_id"),
  integer("challenge_index", "cp.challenge_index"),
  text("status", "cp.status::text"),
  timestamp("started_at", "cp.started_at"),
  timestamp("completed_at", "cp.completed_at"),
  timestamp("last_activity_at", "cp.last_activity_at"),
  integer("attempts", "cp.attempts"),
  integer("failed_attempts", "cp.failed_attempts"),
  { name: "skipped", sql: "cp.skipped", kind: "boolean" },
  integer("seconds_in_challenge", "cp.seconds_in_challenge"),
  text("track_title", shownTitleOf("tc")),
  text("challenge_title", shownTitleOf("cc")),
];

/** Where challenge_index sits: a LEFT JOIN gives a play without challenges one row with it null. */
export const CHALLENGE_INDEX_AT = CHALLENGE_COLUMNS.findIndex((column) => column.name === "challenge_index");

/**
 * The SELECT expression of a column. Timestamps leave PostgreSQL as JSON of the UTC wall time
 * ("2024-03-01T09:00:00.5"): that encoding is ISO 8601 whatever the session's DateStyle and time
 * zone, and costs the database a third of what to_char does. isoUtc() finishes the format.
 */
export function selectExpression(column: Column): string {
  if (column.kind === "timestamp") return `to_json((${column.sql}) AT TIME ZONE 'UTC')`;
  return column.sql;
}

const JSON_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/;

/**
 * "2024-03-01T09:00:00" or "…:00.123456" (UTC, as PostgreSQL's JSON writes it) as ISO 8601 with
 * milliseconds and Z: "2024-03-01T09:00:00.123Z", the shape JavaScript, Excel and most importers
 * read. Anything else (±infinity) is passed through as it is.
 */
export function isoUtc(value: string): string {
  if (!JSON_TIMESTAMP.test(value)) return value;
  const fraction = value.length > 20 ? value.slice(20, 23).padEnd(3, "0") : "000";
  return `${value.slice(0, 19)}.${fraction}Z`;
}

export const paramColumnName = (key: string) => `param_${key}`;

export function progressHeader(paramKeys: readonly string[]): string {
  return csvRecord([...PROGRESS_COLUMNS.map((column) => column.name), ...paramKeys.map(paramColumnName)]);
}

export function challengeHeader(): string {
  return csvRecord(CHALLENGE_COLUMNS.map((column) => column.name));
}

/** A database value as a CSV cell of its column's kind. */
export function cellOf(kind: ColumnKind, value: unknown): Cell {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case "integer":
      return typeof value === "number" ? value : Number(value);
    case "boolean":
      return value === true || value === "t" || value === "true";
    case "json":
      return stableJson(value);
    case "timestamp":
      return isoUtc(String(value));
    default:
      return String(value);
  }
}

/**
 * A custom parameter's value as text: strings as they are, anything else (numbers, booleans,
 * nested objects) as its JSON. It is always a text cell, so it is neutralized like any other.
 */
export function paramCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** One progress row (columns in PROGRESS_COLUMNS order) as a CSV record. */
export function progressRecord(row: readonly unknown[], paramKeys: readonly string[]): string {
  const cells: Cell[] = new Array(PROGRESS_COLUMNS.length + paramKeys.length);
  for (let i = 0; i < PROGRESS_COLUMNS.length; i++) cells[i] = cellOf(PROGRESS_COLUMNS[i]!.kind, row[i]);
  const raw = row[CUSTOM_PARAMETERS_AT];
  const parameters =
    raw !== null && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  for (let k = 0; k < paramKeys.length; k++) {
    const key = paramKeys[k]!;
    cells[PROGRESS_COLUMNS.length + k] = parameters && Object.hasOwn(parameters, key) ? paramCell(parameters[key]) : null;
  }
  return csvRecord(cells);
}

/** A hidden column after the challenge columns (not in the file): the play's source (webhook or report). */
export const PLAY_SOURCE_SQL = "p.source::text";

/**
 * One challenge row as a CSV record, or "" for a play's placeholder row without a challenge —
 * except a play backfilled from a report, which has no per-challenge data: it keeps one row with
 * the challenge columns empty, so every play is in both files.
 */
export function challengeRecord(row: readonly unknown[]): string {
  const reported = row[CHALLENGE_COLUMNS.length] === "report";
  if (!reported && (row[CHALLENGE_INDEX_AT] === null || row[CHALLENGE_INDEX_AT] === undefined)) return "";
  const cells: Cell[] = new Array(CHALLENGE_COLUMNS.length);
  for (let i = 0; i < CHALLENGE_COLUMNS.length; i++) cells[i] = cellOf(CHALLENGE_COLUMNS[i]!.kind, row[i]);
  return csvRecord(cells);
}

/** Sorted, so the param_<key> columns come in a stable order (by UTF-16 code unit, as the JSON). */
export function sortParamKeys(keys: Iterable<string>): string[] {
  return [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Custom parameters reach Instruqt through invite and embed URLs, so whoever opens such a link can
 * add keys of their own. Thousands of distinct keys would make thousands of mostly empty columns
 * in every row (past what Excel opens, and slow to write), so the param_<key> columns stop at
 * this many; the custom_parameters column still holds every key, and the response says how many
 * were left out (X-Cairn-Omitted-Param-Columns).
 */
export const MAX_PARAM_COLUMNS = 250;

export function chooseParamColumns(keys: Iterable<string>, max = MAX_PARAM_COLUMNS): { keys: string[]; omitted: number } {
  const sorted = sortParamKeys(keys);
  return { keys: sorted.slice(0, max), omitted: Math.max(0, sorted.length - max) };
}
