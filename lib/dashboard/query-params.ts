import { z } from "zod";
import { isIsoInstant } from "./time-window";

/**
 * Dashboard pages read their filters, sort and page from the query string. A page is a link
 * people share and edit by hand, so a bad value must never break it: each parameter is parsed on
 * its own, and one that does not parse falls back to its default and is reported as ignored.
 */

export type RawSearchParams = Record<string, string | string[] | undefined>;

// A schema per parameter: it receives the trimmed string, or undefined when absent or empty, and
// must accept undefined (that is where its default comes from).
export type ParamSchema = z.ZodType<unknown, string | undefined>;
export type ParamShape = Record<string, ParamSchema>;
export type ParsedParams<S extends ParamShape> = { [K in keyof S]: z.output<S[K]> };

export interface ParseResult<S extends ParamShape> {
  values: ParsedParams<S>;
  /** Names of the parameters that were present but invalid, and so replaced by their default. */
  ignored: string[];
}

/** Repeated parameters (?a=1&a=2) are not something our forms produce: the first one wins. */
function firstValue(value: string | string[] | undefined): string | undefined {
  const single = Array.isArray(value) ? value[0] : value;
  const trimmed = single?.trim();
  return trimmed ? trimmed : undefined;
}

export function parseParams<S extends ParamShape>(shape: S, raw: RawSearchParams): ParseResult<S> {
  const values: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [name, schema] of Object.entries(shape)) {
    const parsed = schema.safeParse(firstValue(raw[name]));
    if (parsed.success) {
      values[name] = parsed.data;
    } else {
      ignored.push(name);
      values[name] = schema.parse(undefined);
    }
  }
  return { values: values as ParsedParams<S>, ignored };
}

// ---------------------------------------------------------------------------------------------
// Parameter kinds shared by the pages

/** Free text (an id, a search), bounded so nobody sends a megabyte through a filter. */
export const textParam = (maxLength = 200) => z.string().max(maxLength).optional();

/** One of a fixed set of values, or nothing. */
export const choiceParam = <const T extends readonly [string, ...string[]]>(choices: T) => z.enum(choices).optional();

/** One of a fixed set of values, with a default. */
export const choiceWithDefault = <const T extends readonly [string, ...string[]]>(choices: T, fallback: T[number]) =>
  z.enum(choices).default(fallback);

/** A 1-based page number. */
export const pageParam = z
  .string()
  .regex(/^[1-9]\d{0,6}$/, "must be a positive whole number")
  .transform(Number)
  .default(1);

/** An ISO 8601 date or date-time (a time without a zone is UTC), kept as written for links. */
export const instantParam = z.string().max(40).refine(isIsoInstant, "must be an ISO 8601 date or date-time").optional();

/** A positive integer id, such as a webhook_event id used as a keyset cursor. */
export const idParam = z
  .string()
  .regex(/^[1-9]\d{0,18}$/, "must be a positive whole number")
  .optional();

/**
 * A query string of the given values, leaving out empty ones: links carry the page's current
 * filters and change one thing (`overrides`; undefined or "" removes a parameter).
 */
export function queryString(
  values: Record<string, string | number | null | undefined>,
  overrides: Record<string, string | number | null | undefined> = {},
): string {
  const merged = { ...values, ...overrides };
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(merged)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
