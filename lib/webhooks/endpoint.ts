/**
 * The webhook endpoint as the rest of Cairn names it: its path, the svix-id prefix of the test
 * deliveries Settings → Webhook sends, the reasons a request is refused, and the rules for the
 * public URL to paste into Instruqt. Pure functions of configuration and request headers, so they
 * can be tested without a server.
 */

export const WEBHOOK_PATH = "/api/webhooks/instruqt";

/** Test deliveries carry svix ids with this prefix: stored, marked, never counted. */
export const TEST_DELIVERY_PREFIX = "cairn_test_";

/** Why the endpoint refused a request (counted per hour in refused_delivery). */
export const REFUSAL_REASONS = [
  "missing_headers",
  "stale_timestamp",
  "bad_signature",
  "no_secret_configured",
  "too_large",
  "bad_json",
] as const;
export type RefusedReason = (typeof REFUSAL_REASONS)[number];

interface HeaderReader {
  get(name: string): string | null;
}

// A Host header is attacker-controlled: only a plain host[:port] is worth echoing back.
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;
/** Whether a Host-like header value is a plain host[:port], safe to build a URL from. */
export const isPlainHost = (host: string): boolean => HOST.test(host);
const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

const firstValue = (value: string | null) => value?.split(",")[0]?.trim() || null;

/** The host the client addressed: a reverse proxy's X-Forwarded-Host first, else Host. */
export function requestHost(headers: HeaderReader): string | null {
  const host = firstValue(headers.get("x-forwarded-host")) ?? firstValue(headers.get("host"));
  return host && HOST.test(host) ? host.toLowerCase() : null;
}

/**
 * The public base URL: CAIRN_PUBLIC_URL when set, else what the request's headers say. The scheme
 * is the proxy's X-Forwarded-Proto when it says http or https; without one it is http only for a
 * loopback host (a local instance has no TLS) and https otherwise: Instruqt must reach Cairn over
 * the internet, where an endpoint without TLS is not one to paste, and a TLS-terminating proxy
 * that forgets X-Forwarded-Proto still serves https.
 */
export function publicBaseUrl(publicUrl: string | undefined, headers: HeaderReader): { url: string; source: "configured" | "request" } | null {
  if (publicUrl) return { url: publicUrl.replace(/\/+$/, ""), source: "configured" };
  const host = requestHost(headers);
  if (!host) return null;
  const proto = firstValue(headers.get("x-forwarded-proto"))?.toLowerCase();
  const scheme = proto === "https" || proto === "http" ? proto : LOCAL_HOST.test(host) ? "http" : "https";
  return { url: `${scheme}://${host}`, source: "request" };
}

export function webhookEndpointUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${WEBHOOK_PATH}`;
}

/** The endpoint to show when the public URL cannot be known (no configuration, unusable Host). */
export const PLACEHOLDER_ENDPOINT = `https://HOST${WEBHOOK_PATH}`;

/** The endpoint URL for a page: from configuration, else the request's validated host. */
export function endpointForRequest(publicUrl: string | undefined, headers: HeaderReader): string {
  const base = publicBaseUrl(publicUrl, headers);
  return base ? webhookEndpointUrl(base.url) : PLACEHOLDER_ENDPOINT;
}
