import { z } from "zod";
import type { AppUser } from "@/lib/auth/guard";
import { isDatabaseUnavailable } from "@/lib/db/errors";
import { BodyTooLargeError, readLimitedText } from "@/lib/http/limited-body";
import { BAD_TEXT_MESSAGE, findUnstorableText } from "@/lib/http/text";
import type { Actor, EnrichmentStatus } from "./admin";
import { EnrichmentSettingsError } from "./admin";
import { ApiKeyUnreadableError } from "./settings";

/** Shared plumbing of the /api/settings/enrichment routes: JSON in, JSON out, errors as statuses. */

const MAX_BODY_BYTES = 64 * 1024;

export const json = (status: number, body: unknown) =>
  Response.json(body, { status, headers: { "cache-control": "no-store" } });

export class BadRequest extends Error {}

/** The request's JSON body (an empty body is `{}`), at most 64 KiB. */
export async function readJson(request: Request): Promise<unknown> {
  let text: string;
  try {
    text = await readLimitedText(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new BadRequest(error.message);
    throw new BadRequest("the request body could not be read");
  }
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadRequest("the request body is not JSON");
  }
  const unstorable = findUnstorableText(body);
  if (unstorable) throw new BadRequest(`${unstorable}: ${BAD_TEXT_MESSAGE}`);
  return body;
}

/**
 * The admin behind a request that lib/settings/http.ts let through (a session, never a token;
 * for changes, from Cairn's own pages: its same-origin check is the settings API's CSRF defence).
 */
export function actorOf(user: AppUser): Actor {
  return { id: user.id, email: user.email };
}

/** Turns what admin.ts throws into answers; anything else is a 500 (logged, not echoed). */
export async function answer(run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof BadRequest) return json(400, { error: "bad_request", message: error.message });
    if (error instanceof z.ZodError) {
      return json(400, {
        error: "invalid",
        message: error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; "),
        issues: error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
      });
    }
    if (error instanceof EnrichmentSettingsError || error instanceof ApiKeyUnreadableError) {
      return json(409, { error: "conflict", message: error.message });
    }
    if (isDatabaseUnavailable(error)) return json(503, { error: "unavailable", message: "the database is unavailable; retry later" });
    console.error("[enrichment] settings API error:", error);
    return json(500, { error: "internal", message: "unexpected error" });
  }
}

/** The status as JSON: dates as ISO strings, never the key (settings only ever hold its hint). */
export function statusBody(status: EnrichmentStatus) {
  return {
    settings: status.settings,
    learners: status.learners,
    worker: status.worker,
    queue: {
      ...status.queue,
      nextRunAt: status.queue.nextRunAt?.toISOString() ?? null,
      recent: status.queue.recent.map((job) => ({ ...job, runAt: job.runAt.toISOString(), updatedAt: job.updatedAt.toISOString() })),
    },
  };
}
