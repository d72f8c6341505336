import { randomBytes, randomUUID } from "node:crypto";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { hashPassword } from "@/lib/auth/password";
import { withClient } from "../support/database";
import { waitForProjection } from "../support/projection";
import { startFakeInstruqt, type FakeInstruqt } from "../support/fake-instruqt";
import { PlayBuilder } from "../support/events-factory";
import { TEST_ADMIN, TEST_AUTH_SECRET } from "../support/integration-setup";
import { signIn, SignInFailed, withSession } from "../support/session";
import { sendEvent } from "../support/webhooks";
import { settingsClient, type SettingsClient } from "./admin-helpers";

/**
 * Issue 11, written as the attacks that found each problem: bursts of sign-ins, replayed cookies,
 * foreign redirect targets, framing, key exfiltration through the connection test, bad characters
 * in URLs and bodies, prototype keys, methods nobody serves. Every test here failed before its fix.
 */

const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");
const uid = () => randomUUID().slice(0, 8);

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(databaseUrl, async (client) => (await client.query(text, params)).rows as T[]);

/** Database or engine text that must never reach a client. */
const INTERNAL_TEXT = /prisma|invalid byte sequence|0x00|btree|b-tree|index row|postgres|stack|at async/i;

/** A fresh address per test, so per-address counts of one test do not touch another's. */
const freshAddress = () => `203.0.113.${Math.floor(Math.random() * 250) + 1}, 10.${Math.floor(Math.random() * 250)}.0.${Math.floor(Math.random() * 250)}`;

async function makeUser(role: "admin" | "instructor" = "instructor") {
  const email = `sec-${uid()}@cairn.test`;
  const password = `pw-${randomUUID()}`;
  const id = `sec_${uid()}`;
  await sql("INSERT INTO app_user (id, email, password_hash, role, updated_at) VALUES ($1, $2, $3, $4, now())", [
    id,
    email,
    await hashPassword(password),
    role,
  ]);
  return { id, email, password };
}

/** One sign-in attempt through next-auth's real flow; the raw target URL next-auth answered with. */
async function attempt(email: string, password: string, headers: Record<string, string> = {}, extra: Record<string, string> = {}) {
  const csrfResponse = await fetch(`${baseUrl}/api/auth/csrf`, { headers });
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const csrfCookie = csrfResponse.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie },
    body: new URLSearchParams({ csrfToken, email, password, json: "true", ...extra }),
  });
  const text = await response.text();
  let url = response.headers.get("location") ?? "";
  try {
    url = (JSON.parse(text) as { url?: string }).url ?? url;
  } catch {
    // not JSON
  }
  const signedIn = response.headers.getSetCookie().some((c) => c.startsWith("next-auth.session-token="));
  return { status: response.status, url, text, signedIn, error: new URL(url || "/", baseUrl).searchParams.get("error") };
}

describe("1. sign-in limits hold under a burst", () => {
  it("150 concurrent wrong passwords: at most 10 are checked, the rest refused; a right password inside the burst does not sign in", async () => {
    const user = await makeUser();
    const headers = { "x-forwarded-for": freshAddress() };
    let done = 0;
    let releaseRight!: () => void;
    const limitPassed = new Promise<void>((resolve) => (releaseRight = resolve));
    const wrong = Array.from({ length: 150 }, () =>
      attempt(user.email, "wrong password!", headers).then((result) => {
        if (++done === 11) releaseRight();
        return result;
      }),
    );
    // Sent while the burst is still in flight, once more than the limit have been answered.
    const right = limitPassed.then(() => attempt(user.email, user.password, headers));
    const results = await Promise.all(wrong);
    const checked = results.filter((r) => r.error === "CredentialsSignin").length;
    const refused = results.filter((r) => r.error === "RateLimited").length;
    const tally = JSON.stringify(results.reduce<Record<string, number>>((counts, r) => ({ ...counts, [`${r.status} ${r.error}`]: (counts[`${r.status} ${r.error}`] ?? 0) + 1 }), {}));
    expect(checked, tally).toBeLessThanOrEqual(10);
    expect(checked + refused, tally).toBe(150);
    const rightResult = await right;
    expect(rightResult.signedIn).toBe(false);
    expect(rightResult.error).toBe("RateLimited");
  });

  it("the per-address limit holds under a burst across accounts (50 per window)", async () => {
    const headers = { "x-forwarded-for": freshAddress() };
    const results = await Promise.all(Array.from({ length: 70 }, (_, i) => attempt(`nobody-${i}-${uid()}@cairn.test`, "wrong password!", headers)));
    expect(results.filter((r) => r.error === "CredentialsSignin").length).toBeLessThanOrEqual(50);
    expect(results.filter((r) => r.error === "RateLimited").length).toBeGreaterThanOrEqual(20);
  });

  it("a 6,000-character X-Forwarded-For gets a clean answer, no database text", async () => {
    // Random text: a repeated character compresses under PostgreSQL's index-row limit and hides the bug.
    for (const forwarded of [randomBytes(4500).toString("base64"), `${"1.2.3.4, ".repeat(666)}5.6.7.8`, `${randomBytes(4500).toString("base64")}, 5.6.7.8`]) {
      const result = await attempt(`nobody-${uid()}@cairn.test`, "wrong password!", { "x-forwarded-for": forwarded });
      expect(result.error, result.url).toBe("CredentialsSignin");
      expect(decodeURIComponent(result.url) + result.text).not.toMatch(INTERNAL_TEXT);
    }
  });

  it("a NUL in the email is a clean refusal, no Prisma text in the URL or body", async () => {
    const result = await attempt("adm\u0000in@cairn.test", "wrong password!", { "x-forwarded-for": freshAddress() });
    expect(result.signedIn).toBe(false);
    expect(result.error).toBe("CredentialsSignin");
    expect(decodeURIComponent(result.url) + result.text).not.toMatch(INTERNAL_TEXT);
  });

  it("expired rate_limit rows are pruned", async () => {
    const stale = `signin:account:stale-${uid()}@cairn.test`;
    await sql("INSERT INTO rate_limit (key, window_start, count) VALUES ($1, now() - interval '2 days', 3)", [stale]);
    await attempt(`nobody-${uid()}@cairn.test`, "wrong password!", { "x-forwarded-for": freshAddress() });
    const deadline = Date.now() + 10_000;
    let rows = await sql("SELECT 1 FROM rate_limit WHERE key = $1", [stale]);
    while (rows.length > 0 && Date.now() < deadline) {
      await attempt(`nobody-${uid()}@cairn.test`, "wrong password!", { "x-forwarded-for": freshAddress() });
      rows = await sql("SELECT 1 FROM rate_limit WHERE key = $1", [stale]);
    }
    expect(rows).toEqual([]);
  });
});

describe("2. callbackUrl stays on Cairn's origin", () => {
  const variants = [
    "/%5Cevil.example/x",
    "/%09/evil.example/x",
    "/%0A/evil.example/x",
    "/%5C%5Cevil.example/x",
    "//evil.example/x",
    "https%3A%2F%2Fevil.example%2Fx",
    "%2F%5Cevil.example",
    "/%0D/evil.example",
  ];

  for (const variant of variants) {
    it(`the sign-in page refuses callbackUrl=${variant}`, async () => {
      const html = await (await fetch(`${baseUrl}/signin?callbackUrl=${variant}`)).text();
      const target = /name="callbackUrl" value="([^"]*)"/.exec(html)?.[1];
      expect(target).toBe("/");
    });

    it(`next-auth's redirect refuses callbackUrl=${variant}`, async () => {
      const user = await makeUser();
      const result = await attempt(user.email, user.password, { "x-forwarded-for": freshAddress() }, { callbackUrl: decodeURIComponent(variant) });
      expect(result.signedIn).toBe(true);
      // next-auth answers on NEXTAUTH_URL's origin (localhost:3000 when unset, as here): the path is what can leak.
      expect(new URL(result.url, baseUrl).pathname).toBe("/");
      expect(result.url).not.toMatch(/evil\.example/);
    });
  }

  it("keeps a same-origin path with its query", async () => {
    const html = await (await fetch(`${baseUrl}/signin?callbackUrl=${encodeURIComponent("/learners?q=ada")}`)).text();
    expect(/name="callbackUrl" value="([^"]*)"/.exec(html)?.[1]).toBe("/learners?q=ada");
  });
});

describe("3. sessions can be revoked", () => {
  let admin: SettingsClient;
  beforeAll(async () => {
    admin = settingsClient(baseUrl, await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));
  });

  const me = async (cookie: string) => (await withSession(cookie)(`${baseUrl}/api/me`)).status;
  const sessionBody = async (cookie: string) => (await (await withSession(cookie)(`${baseUrl}/api/auth/session`)).json()) as { user?: unknown; expires?: string };

  it("a cookie replayed after sign-out is refused", async () => {
    const user = await makeUser();
    const cookie = await signIn(baseUrl, user.email, user.password);
    expect(await me(cookie)).toBe(200);
    const { csrfToken } = (await (await withSession(cookie)(`${baseUrl}/api/auth/csrf`)).json()) as { csrfToken: string };
    const out = await withSession(cookie)(`${baseUrl}/api/auth/signout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrfToken, json: "true" }),
    });
    expect(out.status).toBeLessThan(400);
    expect(await me(cookie)).toBe(401);
    expect((await sessionBody(cookie)).user).toBeUndefined();
    expect((await withSession(cookie)(`${baseUrl}/learners`)).headers.get("location") ?? "").toMatch(/\/signin/);
  });

  it("a cookie replayed after an admin resets the password is refused", async () => {
    const user = await makeUser();
    const cookie = await signIn(baseUrl, user.email, user.password);
    expect(await me(cookie)).toBe(200);
    const reset = await admin.post(`/api/settings/users/${user.id}/password`, { password: "a brand new password" });
    expect(reset.status, JSON.stringify(reset.body)).toBeLessThan(300);
    expect(await me(cookie)).toBe(401);
    // The new password starts a new session.
    expect(await me(await signIn(baseUrl, user.email, "a brand new password"))).toBe(200);
  });

  it("disable then enable does not revive the old session", async () => {
    const user = await makeUser();
    const cookie = await signIn(baseUrl, user.email, user.password);
    expect((await admin.patch(`/api/settings/users/${user.id}`, { disabled: true })).status).toBe(200);
    expect(await me(cookie)).toBe(401);
    expect((await admin.patch(`/api/settings/users/${user.id}`, { disabled: false })).status).toBe(200);
    expect(await me(cookie)).toBe(401);
  });

  it("a role change ends the session", async () => {
    const user = await makeUser();
    const cookie = await signIn(baseUrl, user.email, user.password);
    expect((await admin.patch(`/api/settings/users/${user.id}`, { role: "admin" })).status).toBe(200);
    expect(await me(cookie)).toBe(401);
  });

  it("refreshing /api/auth/session does not extend the absolute lifetime", async () => {
    const user = await makeUser();
    const cookie = await signIn(baseUrl, user.email, user.password);
    const first = await sessionBody(cookie);
    expect(first.expires).toBeTruthy();
    // Poll until the clock has moved on, then refresh: the expiry must not move with it.
    const start = Date.now();
    while (Date.now() - start < 50) await new Promise((resolve) => setImmediate(resolve));
    const second = await sessionBody(cookie);
    expect(second.expires).toBe(first.expires);
    expect(Date.parse(first.expires!)).toBeLessThanOrEqual(Date.now() + 12 * 3600 * 1000);
  });

  it("a validly signed token older than the absolute lifetime is refused", async () => {
    const user = await makeUser();
    const cookie = await signIn(baseUrl, user.email, user.password);
    const [row] = await sql<{ session_version: number }>("SELECT session_version FROM app_user WHERE id = $1", [user.id]).catch(() => [{ session_version: 0 }]);
    const longAgo = Math.floor(Date.now() / 1000) - 13 * 3600;
    const token = await encode({
      secret: TEST_AUTH_SECRET,
      token: { sub: user.id, email: user.email, role: "instructor", sv: row?.session_version ?? 0, authTime: longAgo, iat: longAgo },
    });
    const forged = cookie.replace(/next-auth\.session-token=[^;]+/, `next-auth.session-token=${token}`);
    expect(await me(forged)).toBe(401);
  });
});

describe("4. security headers on every response", () => {
  function expectHeaders(response: Response, what: string) {
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp, what).toMatch(/frame-ancestors 'none'/);
    expect(csp, what).toMatch(/script-src [^;]*'self'/);
    expect(csp, what).not.toMatch(/'unsafe-eval'/);
    expect(response.headers.get("x-frame-options"), what).toBe("DENY");
    expect(response.headers.get("x-content-type-options"), what).toBe("nosniff");
    expect(response.headers.get("referrer-policy"), what).toMatch(/^(same-origin|no-referrer|strict-origin)$/);
  }

  it("a page, an API route, a 401, a static asset and the webhook carry them; HSTS only over https", async () => {
    const page = await fetch(`${baseUrl}/signin`);
    expectHeaders(page, "page");
    const asset = /\/_next\/static\/[^"']+\.(js|css)/.exec(await page.text())?.[0];
    expect(asset).toBeTruthy();
    expectHeaders(await fetch(`${baseUrl}${asset}`), "static asset");
    expectHeaders(await fetch(`${baseUrl}/api/health`), "API route");
    expectHeaders(await fetch(`${baseUrl}/api/me`), "401");
    expectHeaders(await fetch(`${baseUrl}/learners`, { redirect: "manual" }), "redirect");
    const webhook = await fetch(`${baseUrl}/api/webhooks/instruqt`, { method: "POST", body: "{}" });
    expect(webhook.status).toBe(401);
    expect(webhook.headers.get("x-cairn-served-by"), "answered by the custom server, not Next").toBe("ingest");
    expectHeaders(webhook, "webhook");
    expect(page.headers.get("strict-transport-security")).toBeNull();
    const overHttps = await fetch(`${baseUrl}/signin`, { headers: { "x-forwarded-proto": "https" } });
    expect(overHttps.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
  });
});

describe("5. the connection test keeps the saved key on the saved URL", () => {
  let saved: FakeInstruqt;
  let elsewhere: FakeInstruqt;
  let admin: SettingsClient;
  const savedKey = `saved-instruqt-key-${uid()}`;

  beforeAll(async () => {
    saved = await startFakeInstruqt({ apiKey: savedKey });
    elsewhere = await startFakeInstruqt({ apiKey: "other-key-000000" });
    admin = settingsClient(baseUrl, await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));
    const put = await fetch(`${baseUrl}/api/settings/enrichment`, {
      method: "PUT",
      headers: { "content-type": "application/json", origin: baseUrl, cookie: await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password) },
      body: JSON.stringify({ enabled: false, graphqlUrl: saved.url, apiKey: savedKey }),
    });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await saved?.close();
    await elsewhere?.close();
  });

  it("another URL without a key is refused (400 naming apiKey) and receives nothing", async () => {
    const answer = await admin.post<{ fields?: Record<string, string> }>("/api/settings/enrichment/test", { graphqlUrl: elsewhere.url });
    expect(answer.status).toBe(400);
    expect(Object.keys(answer.body.fields ?? {})).toContain("apiKey");
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("another URL with a key typed in gets that key, never the saved one; every test is audited without the key", async () => {
    const before = await sql<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'enrichment.connection_test'");
    const typed = "typed-key-for-other-url-1234";
    const other = await admin.post("/api/settings/enrichment/test", { graphqlUrl: elsewhere.url, apiKey: typed });
    expect(other.status).toBe(200);
    expect(elsewhere.requests.map((r) => r.authorization)).toEqual([`Bearer ${typed}`]);
    const own = await admin.post<{ ok: boolean }>("/api/settings/enrichment/test", {});
    expect(own.body.ok).toBe(true);
    expect(saved.requests.map((r) => r.authorization)).toEqual([`Bearer ${savedKey}`]);
    const rows = await sql<{ details: unknown }>(
      "SELECT details FROM audit_log WHERE action = 'enrichment.connection_test' ORDER BY created_at DESC LIMIT 5",
    );
    const after = await sql<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'enrichment.connection_test'");
    expect(after[0]!.n - before[0]!.n).toBe(2);
    const text = JSON.stringify(rows);
    expect(text).not.toContain(typed);
    expect(text).not.toContain(savedKey);
    expect(text).toContain(elsewhere.url);
  });
});

describe("7. NUL and ill-formed Unicode at the edge: 400, never a 500 or database text", () => {
  let cookie: string;
  beforeAll(async () => {
    cookie = await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
  });

  const paths = [
    "/api/export/progress.csv?track=a%00b",
    "/api/export/challenges.csv?track=a%00b",
    "/learners?q=%00",
    "/tracks/a%00b",
    "/learners/%ED%A0%80",
    "/learners/a%00",
    "/events/%00",
    "/api/settings/users/a%00b",
    "/api/settings/tokens/%ED%A0%80",
    "/api/settings/webhook/secrets/a%00b",
  ];
  for (const path of paths) {
    it(`GET ${path}`, async () => {
      const response = await withSession(cookie)(`${baseUrl}${path}`);
      expect([400, 404]).toContain(response.status);
      const body = await response.text();
      expect(body).not.toMatch(INTERNAL_TEXT);
    });
  }

  it("invalid UTF-8 in a query (which Next turns into U+FFFD before anything sees it) is no 500 either", async () => {
    for (const path of ["/api/export/progress.csv?track=%ED%A0%80", "/learners?q=%ED%A0%80"]) {
      const response = await withSession(cookie)(`${baseUrl}${path}`);
      expect(response.status, path).toBeLessThan(500);
      expect(await response.text()).not.toMatch(INTERNAL_TEXT);
    }
  });

  it("PATCH/DELETE settings [id] routes with bad ids", async () => {
    const client = settingsClient(baseUrl, cookie);
    for (const answer of [
      await client.patch("/api/settings/users/a%00b", { disabled: true }),
      await client.post("/api/settings/users/%ED%A0%80/password", {}),
      await client.delete("/api/settings/tokens/a%00b"),
      await client.delete("/api/settings/webhook/secrets/%ED%A0%80"),
    ]) {
      expect([400, 404]).toContain(answer.status);
      expect(JSON.stringify(answer.body)).not.toMatch(INTERNAL_TEXT);
    }
  });

  it("API routes answer bad characters with JSON, and keep their 401 without a session", async () => {
    const bad = await fetch(`${baseUrl}/api/export/progress.csv?track=a%00b`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_characters" });
    const clean = await fetch(`${baseUrl}/api/export/progress.csv?track=ab`);
    expect(clean.status).toBe(401);
    expect(await clean.json()).toMatchObject({ error: "unauthorized" });
  });

  it("JSON bodies with NUL to settings APIs are 400", async () => {
    const client = settingsClient(baseUrl, cookie);
    const put = async (path: string, body: unknown) => {
      const response = await fetch(`${baseUrl}${path}`, {
        method: "PUT",
        headers: { cookie, origin: baseUrl, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.text() };
    };
    for (const answer of [
      await client.post("/api/settings/users", { email: `nul-${uid()}@cairn.test`, name: "a\u0000b", role: "instructor" }),
      await client.post("/api/settings/tokens", { name: "tok\u0000en" }),
      await put("/api/settings/enrichment", { enabled: false, graphqlUrl: "http://127.0.0.1:9/graphql\u0000" }),
    ]) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(JSON.stringify(answer.body)).not.toMatch(INTERNAL_TEXT);
    }
  });
});

describe("9. info items", () => {
  /** Every webhook this file posts goes through here (projection may run after the 201). */
  async function deliver(builder: PlayBuilder) {
    for (const { svixId, payload } of builder.build()) {
      expect((await sendEvent(baseUrl, payload, { svixId })).status).toBe(201);
    }
    await waitForProjection(databaseUrl);
  }

  it("custom-parameter keys __proto__, constructor and prototype survive in the projection and the CSV", async () => {
    const participantId = `proto${uid()}`;
    const trackSlug = `proto-track-${uid()}`;
    const customParameters = JSON.parse('{"__proto__":"p-value","constructor":"c-value","prototype":"t-value"}') as Record<string, unknown>;
    await deliver(new PlayBuilder({ participantId, trackSlug, trackId: `t${uid()}`, customParameters }).trackStarted());
    const rows = await sql<{ params: Record<string, unknown> | null }>("SELECT custom_parameters AS params FROM participant WHERE id = $1", [participantId]);
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!.params ?? {}).sort()).toEqual(["__proto__", "constructor", "prototype"]);
    const cookie = await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
    const csv = await (await withSession(cookie)(`${baseUrl}/api/export/progress.csv?track=${trackSlug}`)).text();
    const header = csv.split("\r\n")[0]!;
    expect(header).toContain("param___proto__");
    expect(header).toContain("param_constructor");
    expect(csv).toContain("p-value");
  });

  it("the same-origin check compares the scheme too", async () => {
    const cookie = await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
    const otherScheme = baseUrl.replace(/^http:/, "https:");
    const answer = await settingsClient(baseUrl, cookie, { origin: otherScheme }).post("/api/settings/tokens", { name: `x-${uid()}` });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: "cross_origin" });
  });

  it("methods a route does not serve answer 405, not 500", async () => {
    expect((await fetch(`${baseUrl}/api/auth/callback/credentials`)).status).toBe(405);
    expect((await fetch(`${baseUrl}/api/health`, { method: "DELETE" })).status).toBe(405);
    expect((await fetch(`${baseUrl}/api/export/progress.csv`, { method: "POST" })).status).toBe(405);
  });

  it("signs in with the limits in place (sanity)", async () => {
    await expect(signIn(baseUrl, TEST_ADMIN.email, "not the password")).rejects.toThrow(SignInFailed);
    await expect(signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password)).resolves.toContain("next-auth.session-token=");
  });
});
