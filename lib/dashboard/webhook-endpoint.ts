import { headers } from "next/headers";
import { env } from "@/lib/env";

export const WEBHOOK_PATH = "/api/webhooks/instruqt";

/**
 * The URL to paste into Instruqt: under CAIRN_PUBLIC_URL when set, else under the host this page
 * was requested from (as a proxy forwarded it).
 */
export async function webhookEndpointUrl(): Promise<string> {
  const configured = env().CAIRN_PUBLIC_URL;
  if (configured) return `${configured.replace(/\/+$/, "")}${WEBHOOK_PATH}`;
  const requestHeaders = await headers();
  const host = requestHeaders.get("x-forwarded-host")?.split(",")[0]?.trim() || requestHeaders.get("host");
  if (!host) return `https://HOST${WEBHOOK_PATH}`;
  const forwardedProto = requestHeaders.get("x-forwarded-proto")?.split(",")[0]?.trim();
  const local = /^(localhost|127\.|\[::1\])/.test(host);
  const protocol = forwardedProto || (local ? "http" : "https");
  return `${protocol}://${host}${WEBHOOK_PATH}`;
}
