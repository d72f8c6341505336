import { isDatabaseUnavailable } from "@/lib/db/errors";
import { BodyTooLargeError, readLimitedText } from "@/lib/http/limited-body";
import { TEST_DELIVERY_PREFIX } from "@/lib/webhooks/endpoint";
import { activeSigningSecrets } from "@/lib/webhooks/secrets";
import { countRefusal, type RefusedReason } from "@/lib/webhooks/refusals";
import { readSvixHeaders, verifyDelivery } from "@/lib/webhooks/verify";
import { parsePayload } from "./payload";
import { storeDelivery } from "./store";

export const MAX_BODY_BYTES = 1024 * 1024;
export const RETRY_AFTER_SECONDS = 30;

const json = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });

function refuse(status: number, reason: RefusedReason, message: string): Response {
  countRefusal(reason);
  return json(status, { error: reason, message });
}

const unavailable = (message: string) =>
  json(503, { error: "unavailable", message }, { "retry-after": String(RETRY_AFTER_SECONDS) });

/**
 * POST /api/webhooks/instruqt. Acknowledges (2xx) only what is committed; refuses what it cannot
 * trust (401) or read (400, 413); asks Svix to come back later (503) when it cannot store.
 */
export async function handleInstruqtWebhook(request: Request): Promise<Response> {
  let rawBody: string;
  try {
    rawBody = await readLimitedText(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return refuse(413, "too_large", error.message);
    return json(400, { error: "unreadable_body", message: "the request body could not be read" });
  }

  let secrets: string[];
  try {
    secrets = await activeSigningSecrets();
  } catch (error) {
    logStoreFailure("loading signing secrets", error);
    return unavailable("signing secrets cannot be loaded right now");
  }

  const verification = verifyDelivery(rawBody, readSvixHeaders(request.headers), secrets);
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

function logStoreFailure(what: string, error: unknown): void {
  const kind = isDatabaseUnavailable(error) ? "database unavailable" : "unexpected error";
  console.error(`[webhook] ${kind} while ${what}:`, error instanceof Error ? error.message : error);
}
