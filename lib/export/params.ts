import { z } from "zod";

/**
 * The export's query string: the filters both files share, and `bom`. Every problem is a 400 that
 * names the parameter, and unknown parameters are refused too: a misspelt filter (`?stauts=…`)
 * silently ignored would hand an LMS or CRM job every learner instead of the ones it asked for.
 * An empty value (`?track=`, as an HTML form sends for "any") means "no filter".
 */

export const PLAY_STATUSES = ["started", "in_progress", "completed", "stopped"] as const;
export type PlayStatus = (typeof PLAY_STATUSES)[number];

export interface ExportFilter {
  /** A track id or slug. */
  track?: string;
  invite?: string;
  user?: string;
  /** Play statuses; a play matches any of them. */
  statuses?: PlayStatus[];
  /** last_activity_at ≥ from: an ISO 8601 instant with an explicit zone, for PostgreSQL to parse. */
  from?: string;
  /** first_activity_at ≤ at (inclusive) or < at (exclusive, the day after a date-only `to`): with
   * `from`, the play's activity overlaps the window. */
  to?: { at: string; inclusive: boolean };
}

export interface ExportQuery {
  filter: ExportFilter;
  bom: boolean;
}

export type ParsedExportQuery =
  | { ok: true; query: ExportQuery }
  | { ok: false; parameter: string; message: string };

const KNOWN = ["track", "invite", "user", "status", "from", "to", "bom"] as const;

const identifier = z.string().max(256, "must be at most 256 characters");
const status = z.enum(PLAY_STATUSES);
const isoDate = z.iso.date();
const isoDateTime = z.iso.datetime({ offset: true });
const bom = z.enum(["1", "true", "0", "false"]);

const DATE_HINT = "an ISO 8601 date (2024-03-01) or date-time with a zone (2024-03-01T09:00:00Z, 2024-03-01T10:00:00+01:00)";

class InvalidParameter extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`);
  }
}

export function parseExportQuery(params: URLSearchParams): ParsedExportQuery {
  try {
    return { ok: true, query: readQuery(params) };
  } catch (error) {
    if (error instanceof InvalidParameter) return { ok: false, parameter: error.parameter, message: error.message };
    throw error;
  }
}

/** A moment as PostgreSQL should read it: a date-only value is midnight UTC, never the server's zone. */
function instant(parameter: "from" | "to", value: string): { at: string; dateOnly: boolean } {
  if (isoDate.safeParse(value).success) return { at: `${value}T00:00:00Z`, dateOnly: true };
  if (isoDateTime.safeParse(value).success) return { at: value, dateOnly: false };
  throw new InvalidParameter(parameter, `must be ${DATE_HINT}, not "${value}"`);
}

function readQuery(params: URLSearchParams): ExportQuery {
  const values = new Map<string, string[]>();
  for (const [name, raw] of params) {
    if (!(KNOWN as readonly string[]).includes(name)) {
      throw new InvalidParameter(name, `unknown parameter; the export accepts ${KNOWN.join(", ")}`);
    }
    const value = raw.trim();
    if (value !== "") values.set(name, [...(values.get(name) ?? []), value]);
  }
  const single = (name: string): string | undefined => {
    const given = values.get(name) ?? [];
    if (given.length > 1) throw new InvalidParameter(name, "give it once");
    return given[0];
  };

  const filter: ExportFilter = {};
  for (const name of ["track", "invite", "user"] as const) {
    const value = single(name);
    if (value === undefined) continue;
    const checked = identifier.safeParse(value);
    if (!checked.success) throw new InvalidParameter(name, checked.error.issues[0]!.message);
    filter[name] = value;
  }

  // status=completed,stopped and status=completed&status=stopped both mean "either".
  const statuses = (values.get("status") ?? []).flatMap((value) => value.split(",").map((s) => s.trim()));
  for (const candidate of statuses) {
    if (!status.safeParse(candidate).success) {
      throw new InvalidParameter(
        "status",
        `"${candidate}" is not a play status; use ${PLAY_STATUSES.join(", ")} (comma-separated for several)`,
      );
    }
  }
  if (statuses.length > 0) filter.statuses = [...new Set(statuses as PlayStatus[])];

  const from = single("from");
  const to = single("to");
  const fromInstant = from === undefined ? undefined : instant("from", from);
  const toInstant = to === undefined ? undefined : instant("to", to);
  if (fromInstant) filter.from = fromInstant.at;
  if (toInstant) {
    // A date-only `to` includes that whole day: up to, not including, the next midnight UTC.
    filter.to = toInstant.dateOnly
      ? { at: new Date(Date.parse(toInstant.at) + 86_400_000).toISOString(), inclusive: false }
      : { at: toInstant.at, inclusive: true };
  }
  if (fromInstant && toInstant && Date.parse(fromInstant.at) > Date.parse(toInstant.at)) {
    throw new InvalidParameter("from", `must not be after to (${from} is after ${to})`);
  }

  const bomValue = single("bom");
  let withBom = false;
  if (bomValue !== undefined) {
    const checked = bom.safeParse(bomValue.toLowerCase());
    if (!checked.success) throw new InvalidParameter("bom", `must be 1 or 0 (true or false), not "${bomValue}"`);
    withBom = checked.data === "1" || checked.data === "true";
  }

  return { filter, bom: withBom };
}
