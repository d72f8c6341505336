import { headers } from "next/headers";
import { env } from "@/lib/env";
import { endpointForRequest } from "@/lib/webhooks/endpoint";

/** The URL to paste into Instruqt, for a page (rules in lib/webhooks/endpoint.ts). */
export async function webhookEndpointUrl(): Promise<string> {
  return endpointForRequest(env().CAIRN_PUBLIC_URL, await headers());
}
