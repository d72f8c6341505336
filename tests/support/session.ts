/**
 * Signs in through next-auth's real credentials flow (csrf → callback/credentials) and returns
 * the Cookie header a browser would send afterwards.
 */

function cookiesFrom(response: Response): string[] {
  return response.headers.getSetCookie().map((cookie) => cookie.split(";")[0]!);
}

export class SignInFailed extends Error {}

export async function signIn(baseUrl: string, email: string, password: string, headers: Record<string, string> = {}): Promise<string> {
  const csrfResponse = await fetch(`${baseUrl}/api/auth/csrf`, { headers });
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const csrfCookies = cookiesFrom(csrfResponse);

  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded", cookie: csrfCookies.join("; ") },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  const cookies = [...csrfCookies, ...cookiesFrom(response)];
  if (!cookies.some((cookie) => cookie.includes("next-auth.session-token="))) {
    // next-auth names the reason in the redirect target: a Location header, or {url} in JSON.
    const body = (await response.json().catch(() => ({}))) as { url?: string };
    const target = response.headers.get("location") ?? body.url ?? "";
    const reason = new URL(target, baseUrl).searchParams.get("error") ?? "";
    throw new SignInFailed(`sign-in refused (${response.status}) ${reason}`.trim());
  }
  return cookies.join("; ");
}

/** fetch with a session cookie. */
export function withSession(cookie: string) {
  return (url: string, init: RequestInit = {}) =>
    fetch(url, { ...init, redirect: "manual", headers: { ...(init.headers as Record<string, string>), cookie } });
}
