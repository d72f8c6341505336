import { Webhook } from "svix";

/**
 * Svix (Standard Webhooks) verification over the raw body, against every active secret. The
 * header and timestamp checks run first only to name the refusal precisely; the `svix` library
 * makes the decision.
 */

export const TIMESTAMP_TOLERANCE_SECONDS = 300;

export type RefusalReason = "missing_headers" | "stale_timestamp" | "bad_signature" | "no_secret_configured";

export type Verification =
  | { ok: true; svixId: string; timestamp: number }
  | { ok: false; reason: RefusalReason; message: string };

export interface SvixHeaders {
  "svix-id": string | null;
  "svix-timestamp": string | null;
  "svix-signature": string | null;
}

export function readSvixHeaders(headers: Headers): SvixHeaders {
  return {
    "svix-id": headers.get("svix-id"),
    "svix-timestamp": headers.get("svix-timestamp"),
    "svix-signature": headers.get("svix-signature"),
  };
}

const SVIX_ID = /^[\w.:-]{1,255}$/;
const TIMESTAMP = /^\d{1,15}$/;
const SIGNATURE_ENTRY = /^v\d+[a-z]?,[A-Za-z0-9+/=_-]+$/;

export function verifyDelivery(
  rawBody: string,
  headers: SvixHeaders,
  secrets: readonly string[],
): Verification {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const id = headers["svix-id"];
  const timestamp = headers["svix-timestamp"];
  const signature = headers["svix-signature"];
  if (!id || !timestamp || !signature) {
    return { ok: false, reason: "missing_headers", message: "svix-id, svix-timestamp and svix-signature are required" };
  }
  if (!SVIX_ID.test(id) || !TIMESTAMP.test(timestamp) || !signature.split(" ").every((e) => SIGNATURE_ENTRY.test(e))) {
    return { ok: false, reason: "missing_headers", message: "malformed svix headers" };
  }
  const sentAt = Number(timestamp);
  if (Math.abs(nowSeconds - sentAt) > TIMESTAMP_TOLERANCE_SECONDS) {
    return { ok: false, reason: "stale_timestamp", message: "svix-timestamp is outside the 5-minute tolerance" };
  }
  if (secrets.length === 0) {
    return { ok: false, reason: "no_secret_configured", message: "no webhook signing secret is configured" };
  }
  const plainHeaders = { "svix-id": id, "svix-timestamp": timestamp, "svix-signature": signature };
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(rawBody, plainHeaders);
      return { ok: true, svixId: id, timestamp: sentAt };
    } catch {
      // Try the next active secret: during a rotation either may have signed it.
    }
  }
  return { ok: false, reason: "bad_signature", message: "no matching v1 signature" };
}
