/**
 * Turns a verified raw body into a payload PostgreSQL can store as JSONB. JSON allows two things
 * JSONB and text columns refuse — the NUL character and unpaired UTF-16 surrogates — and a
 * verified event must never fail to store for that (Svix would retry it forever), so both become
 * U+FFFD. Everything else, unknown fields included, is kept as received.
 */

export type ParsedPayload =
  | { ok: true; payload: Record<string, unknown> & { type: string } }
  | { ok: false; message: string };

function storable(text: string): string {
  return text.toWellFormed().replaceAll("\u0000", "\uFFFD");
}

function sanitize(value: unknown): unknown {
  if (typeof value === "string") return storable(value);
  if (Array.isArray(value)) return value.map(sanitize);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [storable(key), sanitize(inner)]));
  }
  return value;
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
  const payload = sanitize(parsed) as Record<string, unknown>;
  if (typeof payload.type !== "string" || payload.type.length === 0) {
    return { ok: false, message: "body must have a string `type`" };
  }
  return { ok: true, payload: payload as Record<string, unknown> & { type: string } };
}
