import { z } from "zod";
import { userActor, type Actor } from "@/lib/audit/actor";
import { authorizeApi, type AppUser } from "@/lib/auth/guard";
import { env } from "@/lib/env";
import { BodyTooLargeError, readLimitedText } from "@/lib/http/limited-body";
import { BAD_TEXT_MESSAGE, findUnstorableText } from "@/lib/http/text";
import { ActionError } from "./errors";
import { isSameOriginRequest } from "./origins";

/**
 * The edges of the settings API (app/api/settings/**): who may call it, how bodies are read and
 * how refusals are answered. Every answer is JSON and never cached.
 */

const MAX_BODY_BYTES = 16 * 1024;

export function json(status: number, body: unknown): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

const refusal = (status: number, error: string, message: string, fields?: Record<string, string>) =>
  json(status, fields ? { error, message, fields } : { error, message });

type Gate = { ok: true; user: AppUser; actor: Actor } | { ok: false; response: Response };

/** Reads: an admin's session (API tokens are refused: they are for exports and read APIs). */
export async function authorizeAdminRead(request: Request): Promise<Gate> {
  const auth = await authorizeApi(request, { role: "admin" });
  if (!auth.ok) return auth;
  if (auth.principal.kind !== "user") return { ok: false, response: refusal(403, "forbidden", "admins only") };
  return { ok: true, user: auth.principal.user, actor: userActor(auth.principal.user) };
}

/**
 * Changes: an admin's session cookie, sent by one of Cairn's own pages. The same-origin check
 * stops another site from using a signed-in admin's browser (CSRF).
 */
export async function authorizeAdminChange(request: Request): Promise<Gate> {
  const gate = await authorizeAdminRead(request);
  if (!gate.ok) return gate;
  const { CAIRN_PUBLIC_URL, NEXTAUTH_URL, CAIRN_TRUSTED_PROXY } = env();
  if (!isSameOriginRequest(request.headers, [CAIRN_PUBLIC_URL, NEXTAUTH_URL], { trustProxy: CAIRN_TRUSTED_PROXY > 0 })) {
    return { ok: false, response: refusal(403, "cross_origin", "settings can only be changed from Cairn's own pages (Origin does not match)") };
  }
  return gate;
}

/** Formats zod issues as "field: message" and a field → message map for forms. */
export function describeIssues(error: z.ZodError): { message: string; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.map(String).join(".") || "body";
    fields[field] ??= issue.message;
  }
  return { message: Object.entries(fields).map(([field, message]) => `${field}: ${message}`).join("; "), fields };
}

export function invalidInput(error: z.ZodError): Response {
  const { message, fields } = describeIssues(error);
  return refusal(400, "invalid_input", message, fields);
}

/** A JSON object body, validated; the body of an empty request is `{}`. */
export async function readJsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<{ ok: true; data: z.infer<S> } | { ok: false; response: Response }> {
  let text: string;
  try {
    text = await readLimitedText(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { ok: false, response: refusal(413, "too_large", error.message) };
    return { ok: false, response: refusal(400, "unreadable_body", "the request body could not be read") };
  }
  let body: unknown = {};
  if (text.trim() !== "") {
    const type = request.headers.get("content-type") ?? "";
    if (!/^application\/json\b/i.test(type)) {
      return { ok: false, response: refusal(415, "unsupported_media_type", "send the body as application/json") };
    }
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, response: refusal(400, "invalid_json", "the body is not valid JSON") };
    }
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, response: refusal(400, "invalid_json", "the body must be a JSON object") };
  }
  const unstorable = findUnstorableText(body);
  if (unstorable) {
    return { ok: false, response: refusal(400, "invalid_characters", `${unstorable}: ${BAD_TEXT_MESSAGE}`, { [unstorable]: BAD_TEXT_MESSAGE }) };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) return { ok: false, response: invalidInput(parsed.error) };
  return { ok: true, data: parsed.data };
}

/** Runs an admin action, answering its refusals (ActionError, zod) as JSON; other errors are 500. */
export async function answer(action: () => Promise<Response>): Promise<Response> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ActionError) {
      return refusal(error.status, error.code, error.message, error.field ? { [error.field]: error.message } : undefined);
    }
    if (error instanceof z.ZodError) return invalidInput(error);
    console.error("[settings] unexpected error:", error);
    return refusal(500, "internal_error", "something went wrong; the server log has the details");
  }
}
