/**
 * The origins Cairn answers to: from inside its own host (where it sends itself test events) and
 * for the settings API's same-origin check. The public URL rules live with the webhook endpoint
 * (lib/webhooks/endpoint.ts).
 */

import { isPlainHost } from "@/lib/webhooks/endpoint";

interface HeaderReader {
  get(name: string): string | null;
}

const firstValue = (value: string | null) => value?.split(",")[0]?.trim() || null;

/**
 * This instance's own origin, for requests to itself. The port it listens on is always reachable
 * on loopback when it binds every interface; when it binds one address, that address it is.
 */
export function selfOrigin(port: number, hostname: string): string {
  const wildcard = hostname === "" || hostname === "0.0.0.0" || hostname === "::" || hostname === "[::]";
  const host = wildcard ? "127.0.0.1" : hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
  return `http://${host}:${port}`;
}

/**
 * Whether a state-changing request comes from Cairn's own pages (CSRF defence for the settings
 * API, on top of the session cookie's SameSite=Lax). The browser's Origin must be, in full
 * (scheme, host and port), an origin this server answers at: the request's own (Host, with
 * X-Forwarded-Host only when a trusted proxy sets it) or a configured public URL. The scheme is
 * X-Forwarded-Proto, which Next fills from the socket when no proxy did: a page on another site
 * cannot set it on its victim's request without a CORS preflight. Requests with no Origin are
 * refused unless the browser marks them same-origin.
 */
export function isSameOriginRequest(
  headers: HeaderReader,
  configuredUrls: readonly (string | undefined)[],
  { trustProxy = false }: { trustProxy?: boolean } = {},
): boolean {
  const fetchSite = headers.get("sec-fetch-site");
  if (fetchSite && fetchSite !== "same-origin") return false;
  const origin = headers.get("origin");
  if (!origin || origin === "null") return fetchSite === "same-origin";
  let requestOrigin: string;
  try {
    requestOrigin = new URL(origin).origin;
  } catch {
    return false;
  }
  const allowed = new Set<string>();
  const proto = firstValue(headers.get("x-forwarded-proto"))?.toLowerCase() === "https" ? "https" : "http";
  const hosts = [firstValue(headers.get("host")), trustProxy ? firstValue(headers.get("x-forwarded-host")) : null];
  for (const host of hosts) {
    if (!host || !isPlainHost(host)) continue;
    try {
      allowed.add(new URL(`${proto}://${host}`).origin);
    } catch {
      // not a host after all
    }
  }
  for (const url of configuredUrls) {
    if (!url) continue;
    try {
      allowed.add(new URL(url).origin);
    } catch {
      // env() validated these as URLs; nothing to add if not.
    }
  }
  return allowed.has(requestOrigin);
}
