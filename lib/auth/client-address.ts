import { isIP } from "node:net";

/**
 * The address a sign-in attempt comes from, for the per-address limit. X-Forwarded-For is a list
 * each proxy appends the address it saw to, so only the entries added by proxies we run can be
 * believed: with CAIRN_TRUSTED_PROXY=N (N proxies in front of Cairn), the client is the N-th entry
 * from the right; everything to its left was written by the client and is ignored.
 *
 * With N=0 there is no proxy and the header is not ours: `npm start`'s server replaces whatever a
 * client sent with the socket's address (stampSocketAddress), so the right-most entry is the peer.
 *
 * The result is always a valid IP address or "unknown": never more than 45 characters of
 * attacker text reach the rate_limit key.
 */

/** Past this, the header is cut to its right-most part: the entries that can matter are there. */
const MAX_HEADER_CHARS = 1024;

export function clientAddress(forwardedFor: string | null | undefined, trustedHops: number): string {
  if (!forwardedFor) return "unknown";
  const tail = forwardedFor.length > MAX_HEADER_CHARS ? forwardedFor.slice(-MAX_HEADER_CHARS) : forwardedFor;
  const entries = tail.split(",").map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) return "unknown";
  const position = Math.max(0, entries.length - Math.max(1, trustedHops));
  const candidate = normalise(entries[position]!);
  return candidate ?? "unknown";
}

/** A bare IPv4/IPv6 address (brackets and a port some proxies add are dropped), or null. */
function normalise(entry: string): string | null {
  let address = entry;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(":"));
  if (address.length > 45 || isIP(address) === 0) return null;
  return address.toLowerCase();
}

/**
 * For the HTTP server in front of Next: with no trusted proxy, an X-Forwarded-For sent by the
 * client is its own words, so it is replaced by the socket's address before anything reads it
 * (Next only fills the header when it is absent, which let a client choose its sign-in bucket).
 */
export function stampSocketAddress(
  headers: Record<string, string | string[] | undefined>,
  socketAddress: string | undefined,
  trustedHops: number,
): void {
  if (trustedHops > 0) return;
  if (socketAddress) headers["x-forwarded-for"] = socketAddress;
  else delete headers["x-forwarded-for"];
}
