import type { IncomingMessage, ServerResponse } from "node:http";
import { isDatabaseUnavailable } from "@/lib/db/errors";
import { acquireBodySlot, reservationFor } from "@/lib/http/body-slots";
import {
  BodyTooLargeError,
  discardRestOfNodeRequest,
  readLimitedNodeBody,
  readLimitedText,
} from "@/lib/http/limited-body";
import { TEST_DELIVERY_PREFIX } from "@/lib/webhooks/endpoint";
import { activeSigningSecrets } from "@/lib/webhooks/secrets";
import { countRefusal, type RefusedReason } from "@/lib/webhooks/refusals";
import { verifyDelivery } from "@/lib/webhooks/verify";
import { parsePayload } from "./payload";
import { storeDelivery } from "./store";
import { HSTS_VALUE, isHttps, securityHeaders } from "@/lib/http/security-headers.js";

export const MAX_BODY_BYTES = 1024 * 1024;
export const RETRY_AFTER_SECONDS = 30;
/** A full server frees its body slots within a request's time: come back soon, not in 30 s. */
export const BUSY_RETRY_AFTER_SECONDS = 5;

/**
 * The endpoint, independent of transport: node:http (the production server, scripts/server.ts)
 * and Fetch (the route file, used by `next dev`) adapt to this and nothing else, so the contract
 * has one implementation.
 */
export interface WebhookRequest {
  method: string;
  /** Lower-case names, as node:http gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as UTF-8; rejects with BodyTooLargeError past `limit`, with anything else if unreadable. */
  readBody(limit: number): Promise<string>;
}

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

const header = (headers: WebhookRequest["headers"], name: string): string | null => {
  const value = headers[name];
  return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
};

const json = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): WebhookResponse => ({
  status,
  headers: { "cache-control": "no-store", ...headers },
  body,
});

function refuse(status: number, reason: RefusedReason, message: string): WebhookResponse {
  countRefusal(reason);
  return json(status, { error: reason, message });
}

const unavailable = (message: string, retryAfter = RETRY_AFTER_SECONDS) =>
  json(503, { error: "unavailable", message }, { "retry-after": String(retryAfter) });

/**
 * POST /api/webhooks/instruqt. Acknowledges (2xx) only what is committed; refuses what it cannot
 * trust (401) or read (400, 413); asks Svix to come back later (503) when it cannot store, or
 * when too many bodies are being read at once.
 */
export async function handleWebhook(request: WebhookRequest): Promise<WebhookResponse> {
  if (request.method !== "POST") {
    return json(405, { error: "method_not_allowed", message: "only POST is accepted here" }, { allow: "POST" });
  }

  const slot = acquireBodySlot(reservationFor(header(request.headers, "content-length"), MAX_BODY_BYTES));
  if (!slot) return unavailable("too many deliveries are being received at once; retry shortly", BUSY_RETRY_AFTER_SECONDS);
  let rawBody: string;
  try {
    rawBody = await request.readBody(MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return refuse(413, "too_large", error.message);
    return json(400, { error: "unreadable_body", message: "the request body could not be read" });
  } finally {
    slot.release();
  }

  let secrets: string[];
  try {
    secrets = await activeSigningSecrets();
  } catch (error) {
    logStoreFailure("loading signing secrets", error);
    return unavailable("signing secrets cannot be loaded right now");
  }

  const verification = verifyDelivery(
    rawBody,
    {
      "svix-id": header(request.headers, "svix-id"),
      "svix-timestamp": header(request.headers, "svix-timestamp"),
      "svix-signature": header(request.headers, "svix-signature"),
    },
    secrets,
  );
  if (!verification.ok) return refuse(401, verification.reason, verification.message);

  const parsed = parsePayload(rawBody);
  if (!parsed.ok) return refuse(400, "bad_json", parsed.message);

  try {
    const result = await storeDelivery({
      svixId: verification.svixId,
      payload: parsed.payload,
      isTest: verification.svixId.startsWith(TEST_DELIVERY_PREFIX),
    });
    return json(result.duplicate ? 200 : 201, {
      status: result.duplicate ? "duplicate" : "stored",
      outcome: result.outcome,
      ...(result.error ? { validation_error: result.error } : {}),
    });
  } catch (error) {
    logStoreFailure(`storing ${verification.svixId}`, error);
    return unavailable("the event could not be stored; retry later");
  }
}

/** Fetch adapter: the route file (`next dev`, and any deployment that serves through Next). */
export async function handleInstruqtWebhook(request: Request): Promise<Response> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const result = await handleWebhook({
    method: request.method,
    headers,
    readBody: (limit) => readLimitedText(request, limit),
  });
  return Response.json(result.body, { status: result.status, headers: result.headers });
}

/**
 * node:http adapter: the production server answers the webhook with it before Next sees the
 * request. `x-cairn-served-by: ingest` marks that path (Next never sets it), so tests and
 * operators can tell which one answered.
 */
export async function handleInstruqtWebhookNode(request: IncomingMessage, response: ServerResponse): Promise<void> {
  let result: WebhookResponse;
  try {
    result = await handleWebhook({
      method: request.method ?? "GET",
      headers: request.headers,
      readBody: (limit) => readLimitedNodeBody(request, limit),
    });
  } catch (error) {
    // The core maps every expected failure; this is a bug, and Svix will retry a 500.
    console.error("[webhook] unexpected error:", error);
    result = json(500, { error: "internal_error", message: "unexpected error" });
  }
  const text = JSON.stringify(result.body);
  // Next adds the browser security headers to everything it serves; this path bypasses it.
  for (const { key, value } of securityHeaders()) response.setHeader(key, value);
  const https = isHttps({ encrypted: "encrypted" in request.socket, forwardedProto: headerText(request.headers["x-forwarded-proto"]) });
  if (https) response.setHeader("strict-transport-security", HSTS_VALUE);
  response.writeHead(result.status, {
    ...result.headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "x-cairn-served-by": "ingest",
  });
  response.end(text);
  discardRestOfNodeRequest(request, response);
}

const headerText = (value: string | string[] | undefined): string | null =>
  typeof value === "string" ? value : (value?.[0] ?? null);

function logStoreFailure(what: string, error: unknown): void {
  const kind = isDatabaseUnavailable(error) ? "database unavailable" : "unexpected error";
  console.error(`[webhook] ${kind} while ${what}:`, error instanceof Error ? error.message : error);
}
