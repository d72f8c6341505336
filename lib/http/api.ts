import type { z } from "zod";
import { userActor, type Actor } from "@/lib/audit/actor";
import { authorizeApi, type AppUser } from "@/lib/auth/guard";
import { env } from "@/lib/env";
import { BodyTooLargeError, readLimitedText } from "@/lib/http/limited-body";
import { BAD_TEXT_MESSAGE, findUnstorableText } from "@/lib/http/text";
import { isSameOriginRequest } from "@/lib/settings/origins";
import { AppError, errorResponse, json } from "./errors";

/**
 * The edges of the admin APIs (app/api/settings/**): who may call them and how bodies are read.
 * Every answer is JSON and never cached; refusals are thrown as AppError and answered by
 * lib/http/errors.ts.
 */

export { answer, describeIssues, errorResponse, json } from "./errors";

// Admin bodies are a few fields (the longest an API key or a URL): 16 KiB is ample.
const MAX_BODY_BYTES = 16 * 1024;

type Gate = { ok: true; user: AppUser; actor: Actor } | { ok: false; response: Response };

/** Reads: an admin's session (API tokens are refused: they are for exports and read APIs). */
export async function authorizeAdminRead(request: Request): Promise<Gate> {
  const auth = await authorizeApi(request, { role: "admin" });
  if (!auth.ok) return auth;
  if (auth.principal.kind !== "user") return { ok: false, response: json(403, { error: "forbidden", message: "admins only" }) };
  return { ok: true, user: auth.principal.user, actor: userActor(auth.principal.user) };
}

/**
 * Changes: an admin's session cookie, sent by one of Cairn's own pages. The same-origin check
 * stops another site from using a signed-in admin's browser (CSRF).
 */
export async function authorizeAdminChange(request: Request): Promise<Gate> {
  const gate = await authorizeAdminRead(request);
  if (!gate.ok) return gate;
  if (!sameOrigin(request)) return { ok: false, response: crossOrigin("settings can only be changed from Cairn's own pages (Origin does not match)") };
  return gate;
}

function sameOrigin(request: Request): boolean {
  const { CAIRN_PUBLIC_URL, NEXTAUTH_URL, CAIRN_TRUSTED_PROXY } = env();
  return isSameOriginRequest(request.headers, [CAIRN_PUBLIC_URL, NEXTAUTH_URL], { trustProxy: CAIRN_TRUSTED_PROXY > 0 });
}

const crossOrigin = (message = "changes can only be made from Cairn's own pages (Origin does not match)") =>
  json(403, { error: "cross_origin", message });

/**
 * Changes any signed-in user may make (an instructor acknowledging an alert): a session cookie
 * (API tokens are read-only), sent by one of Cairn's own pages (the same-origin check as above).
 */
export async function authorizeUserChange(request: Request): Promise<Gate> {
  const auth = await authorizeApi(request);
  if (!auth.ok) return auth;
  if (auth.principal.kind !== "user") return { ok: false, response: json(403, { error: "forbidden", message: "API tokens are read-only" }) };
  if (!sameOrigin(request)) return { ok: false, response: crossOrigin() };
  return { ok: true, user: auth.principal.user, actor: userActor(auth.principal.user) };
}

/** The request's JSON object body (an empty body is `{}`), at most 16 KiB; refusals are AppErrors. */
export async function readJson(request: Request): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readLimitedText(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new AppError(413, "too_large", error.message);
    throw new AppError(400, "unreadable_body", "the request body could not be read");
  }
  if (text.trim() === "") return {};
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw new AppError(415, "unsupported_media_type", "send the body as application/json");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError(400, "invalid_json", "the body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new AppError(400, "invalid_json", "the body must be a JSON object");
  const unstorable = findUnstorableText(body);
  if (unstorable) throw new AppError(400, "invalid_characters", `${unstorable}: ${BAD_TEXT_MESSAGE}`, unstorable);
  return body as Record<string, unknown>;
}

/** The JSON body validated by `schema`, or the answer to give instead (400 naming the fields, 413, 415). */
export async function readJsonBody<S extends z.ZodType>(
  request: Request,
  schema: S,
): Promise<{ ok: true; data: z.infer<S> } | { ok: false; response: Response }> {
  try {
    return { ok: true, data: schema.parse(await readJson(request)) };
  } catch (error) {
    return { ok: false, response: errorResponse("settings", error) };
  }
}
