import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Webhook } from "svix";
import { z } from "zod";
import { recordAudit } from "@/lib/audit/log";
import type { Actor } from "@/lib/audit/actor";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { TEST_DELIVERY_PREFIX } from "@/lib/webhooks/endpoint";
import { eventTypes, examplePayload, type EventType } from "@/lib/instruqt/events";
import { AppError } from "@/lib/http/errors";
import { webhookEndpointUrl } from "@/lib/webhooks/endpoint";
import { selfOrigin } from "./origins";
import { newestActiveSecret } from "./webhook-secrets";

/**
 * Settings → Webhook → "Send test event", like Instruqt's Testing tab: Cairn signs an example
 * payload with its newest active secret exactly as Svix would and posts it to its own endpoint.
 * The svix-id prefix makes the ingest path store it with outcome `test` and never project it.
 *
 * By default it goes to this instance over loopback: CAIRN_PUBLIC_URL often resolves, from inside
 * a container or behind a proxy, to nowhere. "public" sends it through CAIRN_PUBLIC_URL instead,
 * which also tests the proxy in between (only the configured URL: no request can steer it).
 */

export const TEST_EVENT_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_CHARS = 2_000;

export const testEventSchema = z.object({
  type: z.enum(eventTypes as [EventType, ...EventType[]], { error: `must be one of ${eventTypes.join(", ")}` }),
  target: z.enum(["local", "public"], { error: "must be local or public" }).default("local"),
});

export type TestEventInput = z.input<typeof testEventSchema>;

export interface TestEventResult {
  svixId: string;
  eventType: EventType;
  url: string;
  /** HTTP status of the endpoint's answer, or null when no answer came. */
  status: number | null;
  latencyMs: number | null;
  response: string | null;
  error: string | null;
}

export function testEventTargetUrl(target: "local" | "public"): string {
  const { PORT, HOSTNAME, CAIRN_PUBLIC_URL } = env();
  if (target === "public") {
    if (!CAIRN_PUBLIC_URL) {
      throw new AppError(400, "no_public_url", "CAIRN_PUBLIC_URL is not set: only this server's own address can be used.", "target");
    }
    return webhookEndpointUrl(CAIRN_PUBLIC_URL);
  }
  return webhookEndpointUrl(selfOrigin(PORT, HOSTNAME));
}

export async function sendTestEvent(actor: Actor, input: TestEventInput): Promise<TestEventResult> {
  const { type, target } = testEventSchema.parse(input);
  const url = testEventTargetUrl(target);
  const secret = await newestActiveSecret();
  if (!secret) {
    throw new AppError(409, "no_secret", "There is no active signing secret to sign the test event with. Set one first.");
  }

  const svixId = `${TEST_DELIVERY_PREFIX}${randomBytes(12).toString("hex")}`;
  const body = JSON.stringify(examplePayload(type));
  const signedAt = new Date();
  const headers = {
    "content-type": "application/json",
    "user-agent": "Cairn test event",
    "svix-id": svixId,
    "svix-timestamp": String(Math.floor(signedAt.getTime() / 1000)),
    "svix-signature": new Webhook(secret).sign(svixId, signedAt, body),
  };

  const result: TestEventResult = { svixId, eventType: type, url, status: null, latencyMs: null, response: null, error: null };
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(TEST_EVENT_TIMEOUT_MS),
    });
    const text = await response.text();
    result.latencyMs = Math.round(performance.now() - started);
    result.status = response.status;
    result.response = text.length > MAX_RESPONSE_CHARS ? `${text.slice(0, MAX_RESPONSE_CHARS)}…` : text;
  } catch (error) {
    result.error = describeFetchError(error);
  }

  await recordAudit(db(), actor, "webhook.test_sent", `webhook_event:${svixId}`, {
    eventType: type,
    url,
    status: result.status,
    latencyMs: result.latencyMs,
    error: result.error,
  });
  return result;
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${TEST_EVENT_TIMEOUT_MS / 1000} s`;
  }
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ""}`;
  return error instanceof Error ? error.message : String(error);
}
