/**
 * Where to send the browser after sign-in. A callbackUrl is accepted only when it resolves to
 * Cairn's own origin, and is returned as a path: browsers read `/\host`, `/<tab>/host` and
 * `/<newline>/host` as `//host` (another site), so backslashes and control characters are refused
 * before parsing, and a path that still begins with `//` after parsing (e.g. from `/.//host`) too.
 */

const PLACEHOLDER_ORIGIN = "http://cairn.invalid";
const UNSAFE = /[\\\u0000-\u001f\u007f-\u009f]/;

/** A same-origin path ("/…") for `raw`, or "/" when it points anywhere else or cannot be read. */
export function safeCallbackPath(raw: unknown, origin: string = PLACEHOLDER_ORIGIN): string {
  if (typeof raw !== "string" || raw === "" || raw.length > 2048 || UNSAFE.test(raw)) return "/";
  let base: URL;
  let url: URL;
  try {
    base = new URL(origin);
    url = new URL(raw, base);
  } catch {
    return "/";
  }
  if (url.origin !== base.origin) return "/";
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith("/") && !path.startsWith("//") ? path : "/";
}

/** next-auth's redirect callback: the same rule, answered as an absolute URL on `baseUrl`. */
export function safeRedirect(url: string, baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${safeCallbackPath(url, baseUrl)}`;
}
