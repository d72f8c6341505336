// @ts-check
/**
 * The browser security headers Cairn sends on every response. One plain ES module, so that
 * next.config (headers()), proxy.ts and a custom node:http server can all import the same list
 * without a build step.
 *
 * - CSP: Next's App Router bootstraps with inline scripts and has no nonce here, so scripts are
 *   'self' plus 'unsafe-inline'; dev (React Refresh) also needs 'unsafe-eval' and a websocket.
 *   frame-ancestors 'none' (with X-Frame-Options for older browsers) is what stops a sibling
 *   origin from framing a settings page and borrowing an admin's clicks.
 * - HSTS only over https: browsers ignore it on http, and sending it there would pin a
 *   deployment that has no certificate yet once it is first reached over https.
 */

/** @typedef {{ key: string, value: string }} Header */

export const HSTS_VALUE = "max-age=31536000; includeSubDomains";

/**
 * @param {{ dev?: boolean }} [options]
 * @returns {string}
 */
export function contentSecurityPolicy({ dev = false } = {}) {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The headers every response carries.
 * @param {{ dev?: boolean }} [options]
 * @returns {Header[]}
 */
export function securityHeaders({ dev = false } = {}) {
  return [
    { key: "Content-Security-Policy", value: contentSecurityPolicy({ dev }) },
    { key: "X-Frame-Options", value: "DENY" },
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "Referrer-Policy", value: "same-origin" },
  ];
}

/**
 * Whether a request arrived over https: the socket itself, or what the proxy in front says.
 * @param {{ encrypted?: boolean, forwardedProto?: string | null }} request
 * @returns {boolean}
 */
export function isHttps({ encrypted = false, forwardedProto = null }) {
  return encrypted || forwardedProto?.split(",")[0]?.trim().toLowerCase() === "https";
}

/**
 * For next.config's headers(): every route gets the list; https requests get HSTS too (Next sets
 * X-Forwarded-Proto from the socket when no proxy did).
 * @param {{ dev?: boolean }} [options]
 */
export function nextConfigHeaders({ dev = false } = {}) {
  return [
    { source: "/:path*", headers: securityHeaders({ dev }) },
    {
      source: "/:path*",
      has: [{ type: /** @type {const} */ ("header"), key: "x-forwarded-proto", value: "https" }],
      headers: [{ key: "Strict-Transport-Security", value: HSTS_VALUE }],
    },
  ];
}

/**
 * Sets the headers on a response being built (proxy.ts, a custom server).
 * @param {{ set(name: string, value: string): unknown }} headers
 * @param {{ dev?: boolean, https?: boolean }} [options]
 */
export function applySecurityHeaders(headers, { dev = false, https = false } = {}) {
  for (const { key, value } of securityHeaders({ dev })) headers.set(key, value);
  if (https) headers.set("Strict-Transport-Security", HSTS_VALUE);
}
