/**
 * PostgreSQL text cannot hold NUL, and UTF-8 cannot encode a lone surrogate: either one reaching
 * the database ends in a 500 carrying the driver's error text. They are refused where input
 * enters — URLs in proxy.ts, JSON bodies and form fields here — with one message.
 */

export const BAD_TEXT_MESSAGE = "must not contain NUL characters or ill-formed Unicode";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** For zod schemas of bodies and server-action form fields: `.refine(isStorableText, BAD_TEXT_MESSAGE)`. */
export function isStorableText(value: string): boolean {
  return !value.includes("\u0000") && !LONE_SURROGATE.test(value);
}

/**
 * The path of the first key or string in a parsed JSON value that cannot be stored ("body" for
 * the value itself), or null when all of it can.
 */
export function findUnstorableText(value: unknown, path = "body"): string | null {
  if (typeof value === "string") return isStorableText(value) ? null : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], `${path}.${i}`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      const at = path === "body" ? key : `${path}.${key}`;
      if (!isStorableText(key)) return at;
      const found = findUnstorableText(inner, at);
      if (found) return found;
    }
  }
  return null;
}

/** A percent-encoded URL part decoded, or null when it is not valid UTF-8 (e.g. %ED%A0%80). */
function decodePart(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/**
 * What is wrong with a request URL's path or query, for a 400, or null. Each path segment and
 * each query name and value is decoded as a server would (`+` is a space in a query) and checked.
 */
export function urlTextProblem(pathname: string, search: string): string | null {
  for (const segment of pathname.split("/")) {
    const decoded = decodePart(segment);
    if (decoded === null || !isStorableText(decoded)) {
      return decoded === null
        ? "The URL path is not valid percent-encoded UTF-8."
        : "The URL path contains NUL characters or ill-formed Unicode.";
    }
  }
  const query = search.startsWith("?") ? search.slice(1) : search;
  if (query === "") return null;
  for (const pair of query.split("&")) {
    const [rawName = "", ...rest] = pair.split("=");
    const name = decodePart(rawName.replace(/\+/g, " "));
    const value = decodePart(rest.join("=").replace(/\+/g, " "));
    if (name === null || value === null) return "The query string is not valid percent-encoded UTF-8.";
    if (!isStorableText(name)) return "A query parameter name contains NUL characters or ill-formed Unicode.";
    if (!isStorableText(value)) return `The query parameter ${JSON.stringify(name)} contains NUL characters or ill-formed Unicode.`;
  }
  return null;
}
