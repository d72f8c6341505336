import { beforeAll, describe, expect, inject, it } from "vitest";
import { TEST_ADMIN } from "../support/integration-setup";
import { signIn, withSession } from "../support/session";
import { adminClient, createUser, settingsClient, type SettingsClient } from "./admin-helpers";

const baseUrl = inject("baseUrl");

const pages = ["/settings", "/settings/webhook", "/settings/users", "/settings/tokens", "/settings/audit"];

/** Every admin API, with a body each accepts in shape (ids need not exist: access is checked first). */
const adminApis: { method: "GET" | "POST" | "PATCH" | "DELETE"; path: string; body?: unknown }[] = [
  { method: "GET", path: "/api/settings/webhook" },
  { method: "POST", path: "/api/settings/webhook/secrets", body: { secret: "whsec_" + Buffer.alloc(32, 7).toString("base64") } },
  { method: "DELETE", path: "/api/settings/webhook/secrets/some-id" },
  { method: "POST", path: "/api/settings/webhook/test", body: { type: "track.started" } },
  { method: "GET", path: "/api/settings/users" },
  { method: "POST", path: "/api/settings/users", body: { email: "nobody-access@cairn.test", role: "admin" } },
  { method: "PATCH", path: "/api/settings/users/some-id", body: { role: "admin" } },
  { method: "POST", path: "/api/settings/users/some-id/password", body: {} },
  { method: "GET", path: "/api/settings/tokens" },
  { method: "POST", path: "/api/settings/tokens", body: { name: "nope" } },
  { method: "DELETE", path: "/api/settings/tokens/some-id" },
  { method: "GET", path: "/api/settings/audit" },
];

const callAs = (client: SettingsClient, api: (typeof adminApis)[number]) =>
  api.method === "GET" ? client.get(api.path) : api.method === "DELETE" ? client.delete(api.path) : client[api.method === "POST" ? "post" : "patch"](api.path, api.body);

let admin: SettingsClient;
let instructorCookie: string;
let instructor: SettingsClient;

beforeAll(async () => {
  admin = await adminClient(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
  const user = await createUser(admin, "instructor", "access-instructor");
  instructorCookie = await signIn(baseUrl, user.email, user.password);
  instructor = settingsClient(baseUrl, instructorCookie);
});

describe("settings pages", () => {
  it("an admin gets every page, and /settings leads to /settings/webhook", async () => {
    const cookie = await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
    const get = withSession(cookie);
    const index = await get(`${baseUrl}/settings`);
    expect([307, 308]).toContain(index.status);
    expect(index.headers.get("location")).toMatch(/\/settings\/webhook$/);
    for (const page of pages.slice(1)) {
      const response = await get(`${baseUrl}${page}`);
      expect(response.status, page).toBe(200);
      const html = await response.text();
      // The settings navigation, including the enrichment page another module provides.
      for (const label of ["Webhook", "Users", "API tokens", "Audit log", "Enrichment"]) expect(html, page).toContain(label);
    }
  });

  it("an instructor gets the 403 page on every settings page", async () => {
    const get = withSession(instructorCookie);
    for (const page of pages) {
      const response = await get(`${baseUrl}${page}`);
      expect(response.status, page).toBe(403);
      expect(await response.text(), page).toContain("Admins only");
    }
  });

  it("without a session, settings pages send the browser to sign in", async () => {
    for (const page of pages) {
      const response = await fetch(`${baseUrl}${page}`, { redirect: "manual" });
      expect([302, 307], page).toContain(response.status);
      expect(response.headers.get("location"), page).toMatch(/\/signin/);
    }
  });
});

describe("settings API access", () => {
  it("an instructor gets 403 JSON from every admin API", async () => {
    for (const api of adminApis) {
      const answer = await callAs(instructor, api);
      expect(answer.status, `${api.method} ${api.path}`).toBe(403);
      expect(answer.body, `${api.method} ${api.path}`).toMatchObject({ error: "forbidden" });
    }
  });

  it("without a session every admin API answers 401", async () => {
    const anonymous = settingsClient(baseUrl, null);
    for (const api of adminApis) {
      const answer = await callAs(anonymous, api);
      expect(answer.status, `${api.method} ${api.path}`).toBe(401);
    }
  });

  it("an API token (read-only) gets 403 from every admin API", async () => {
    const created = await admin.post<{ token: string }>("/api/settings/tokens", { name: "access test token" });
    expect(created.status).toBe(201);
    const bearer = settingsClient(baseUrl, null);
    for (const api of adminApis) {
      const headers = { authorization: `Bearer ${created.body.token}` };
      const answer =
        api.method === "GET" ? await bearer.get(api.path, headers)
        : api.method === "DELETE" ? await bearer.delete(api.path, headers)
        : await bearer[api.method === "POST" ? "post" : "patch"](api.path, api.body, headers);
      expect(answer.status, `${api.method} ${api.path}`).toBe(403);
    }
  });
});

describe("settings API: CSRF and request bodies", () => {
  const body = { name: "csrf probe" };

  it("refuses a change whose Origin is another site, or that has no Origin", async () => {
    const cookie = await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
    const evil = settingsClient(baseUrl, cookie, { origin: "http://evil.example" });
    const noOrigin = settingsClient(baseUrl, cookie, { origin: null });
    for (const client of [evil, noOrigin]) {
      const answer = await client.post("/api/settings/tokens", body);
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ error: "cross_origin" });
    }
    const crossSite = await admin.post("/api/settings/tokens", body, { "sec-fetch-site": "cross-site" });
    expect(crossSite.status).toBe(403);
    // Same origin as the browser marks it, even without an Origin header.
    const sameSite = await noOrigin.post("/api/settings/tokens", body, { "sec-fetch-site": "same-origin" });
    expect(sameSite.status).toBe(201);
    // Behind a (trusted) proxy: the Origin names the public origin the proxy forwards, scheme included.
    const proxied = await settingsClient(baseUrl, cookie, { origin: "https://cairn.proxy.example" }).post("/api/settings/tokens", body, {
      "x-forwarded-host": "cairn.proxy.example",
      "x-forwarded-proto": "https",
    });
    expect(proxied.status).toBe(201);
  });

  it("refuses bodies that are not a JSON object, with a reason", async () => {
    const notJson = await admin.post("/api/settings/tokens", "{name:", { "content-type": "application/json" });
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ error: "invalid_json" });

    const array = await admin.post("/api/settings/tokens", "[1]");
    expect(array.status).toBe(400);
    expect(array.body).toMatchObject({ error: "invalid_json" });

    const form = await admin.post("/api/settings/tokens", "name=x", { "content-type": "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);

    const huge = await admin.post("/api/settings/tokens", { name: "x".repeat(20_000) });
    expect(huge.status).toBe(413);
  });

  it("names the field that is wrong", async () => {
    const answer = await admin.post<{ error: string; message: string; fields: Record<string, string> }>("/api/settings/users", {
      email: "not-an-email",
      role: "boss",
      password: "short",
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe("invalid_input");
    expect(answer.body.fields).toMatchObject({
      email: "must be an email address",
      role: "must be admin or instructor",
      password: "must be at least 10 characters",
    });
    expect(answer.body.message).toContain("email: must be an email address");
  });
});
