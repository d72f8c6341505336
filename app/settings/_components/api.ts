/**
 * The settings pages' calls to /api/settings/**. Same-origin fetches carry the session cookie and
 * an Origin header, which is what those routes require.
 */

export type ApiResult<T> = { ok: true; data: T } | { ok: false; message: string; fields: Record<string, string> };

export async function callSettingsApi<T>(method: "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    return { ok: false, message: "Cairn could not be reached. Check your connection and try again.", fields: {} };
  }
  // 204 No Content (a deletion): nothing to read.
  if (response.status === 204) return { ok: true, data: undefined as T };
  const payload = (await response.json().catch(() => null)) as (T & { message?: string; fields?: Record<string, string> }) | null;
  if (response.ok && payload) return { ok: true, data: payload };
  if (response.status === 401) return { ok: false, message: "Your session has ended. Sign in again.", fields: {} };
  return {
    ok: false,
    message: payload?.message ?? `The request failed (HTTP ${response.status}).`,
    fields: payload?.fields ?? {},
  };
}
