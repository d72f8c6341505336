/**
 * Turns a verified raw body into a payload PostgreSQL can store as JSONB. JSON allows two things
 * JSONB and text columns refuse — the NUL character and unpaired UTF-16 surrogates — and a
 * verified event must never fail to store for that (Svix would retry it forever), so both become
 * U+FFFD. Everything else, unknown fields included, is kept as received.
 */

/**
 * Instruqt's payloads are flat (custom_parameters is one level deep). The limit keeps sanitize(),
 * JSON.stringify and PostgreSQL's recursive jsonb input from overflowing their stacks on a
 * verified body nested thousands of levels deep: such a body is refused like unparseable JSON.
 */
export const MAX_NESTING_DEPTH = 64;

class TooDeep extends Error {}

export type ParsedPayload =
  | { ok: true; payload: Record<string, unknown> & { type: string } }
  | { ok: false; message: string };

function storable(text: string): string {
  return text.toWellFormed().replaceAll("\u0000", "\uFFFD");
}

function sanitize(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return storable(value);
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_NESTING_DEPTH) throw new TooDeep();
  if (Array.isArray(value)) return value.map((inner) => sanitize(inner, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [storable(key), sanitize(inner, depth + 1)]));
}

export function parsePayload(rawBody: string): ParsedPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    return { ok: false, message: "body is not valid JSON" };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { ok: false, message: "body must be a JSON object" };
  }
  let payload: Record<string, unknown>;
  try {
    payload = sanitize(parsed) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TooDeep) return { ok: false, message: `body is nested deeper than ${MAX_NESTING_DEPTH} levels` };
    throw error;
  }
  if (typeof payload.type !== "string" || payload.type.length === 0) {
    return { ok: false, message: "body must have a string `type`" };
  }
  return { ok: true, payload: payload as Record<string, unknown> & { type: string } };
}
