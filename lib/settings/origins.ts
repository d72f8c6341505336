/**
 * The origins Cairn answers to: from inside its own host (where it sends itself test events) and
 * for the settings API's same-origin check. The public URL rules live with the webhook endpoint
 * (lib/webhooks/endpoint.ts).
 */

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
 * API, on top of the session cookie's SameSite=Lax). The browser's Origin must name a host this
 * server answers to: the request's own host (as the proxy forwarded it) or a configured public
 * URL. Requests with no Origin are refused unless the browser marks them same-origin.
 */
export function isSameOriginRequest(headers: HeaderReader, configuredUrls: readonly (string | undefined)[]): boolean {
  const fetchSite = headers.get("sec-fetch-site");
  if (fetchSite && fetchSite !== "same-origin") return false;
  const origin = headers.get("origin");
  if (!origin || origin === "null") return fetchSite === "same-origin";
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return false;
  }
  const allowed = new Set<string>();
  for (const name of ["host", "x-forwarded-host"]) {
    const host = firstValue(headers.get(name));
    if (host) allowed.add(host.toLowerCase());
  }
  for (const url of configuredUrls) {
    if (!url) continue;
    try {
      allowed.add(new URL(url).host.toLowerCase());
    } catch {
      // env() validated these as URLs; nothing to add if not.
    }
  }
  return allowed.has(originHost);
}
