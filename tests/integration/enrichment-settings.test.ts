import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { hashPassword } from "@/lib/auth/password";
import { withClient } from "../support/database";
import { waitForProjection } from "../support/projection";
import { startFakeInstruqt, type FakeInstruqt } from "../support/fake-instruqt";
import { TEST_ADMIN } from "../support/integration-setup";
import { signIn, withSession } from "../support/session";
import { sendEvent } from "../support/webhooks";

/**
 * Settings → Enrichment over HTTP against the shared app (CAIRN_WORKER=projector: nothing here is
 * processed, only configured and queued): who may use it, that the API key never comes back out,
 * the connection test against a fake Instruqt, the queue controls and the purge.
 */

const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");
const api = `${baseUrl}/api/settings/enrichment`;
const uid = () => randomUUID().slice(0, 8);

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(databaseUrl, async (client) => (await client.query(text, params)).rows as T[]);

let fake: FakeInstruqt;
let asAdmin: ReturnType<typeof withSession>;
let asInstructor: ReturnType<typeof withSession>;
let apiToken: string;
const instructor = { email: `instructor-${uid()}@cairn.test`, password: "instructor password 1234" };
// Ends in letters that no uuid, hex id or timestamp contains, so finding its last four (the hint)
// anywhere else can only mean the key leaked.
const SECRET_KEY = `instruqt-secret-${randomBytes(12).toString("hex")}${Array.from(randomBytes(4), (byte) => "GHJKMNPQRSUVWXY"[byte % 15]).join("")}`;

/** A JSON request as Cairn's own pages send it (same Origin: the settings API refuses others). */
const send = (fetcher: ReturnType<typeof withSession>, url: string, method: string, body?: unknown, origin: string | null = baseUrl) =>
  fetcher(url, {
    method,
    headers: { "content-type": "application/json", ...(origin === null ? {} : { origin }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  fake = await startFakeInstruqt({ apiKey: SECRET_KEY });
  await sql("INSERT INTO app_user (id, email, password_hash, role, updated_at) VALUES ($1, $2, $3, 'instructor', now())", [
    `instr_${uid()}`,
    instructor.email,
    await hashPassword(instructor.password),
  ]);
  apiToken = `cairn_${randomBytes(32).toString("base64url")}`;
  await sql("INSERT INTO api_token (id, name, token_hash, prefix, scope) VALUES ($1, 'enrichment test', $2, $3, 'read')", [
    `tok_${uid()}`,
    createHash("sha256").update(apiToken).digest("hex"),
    apiToken.slice(0, 12),
  ]);
  asAdmin = withSession(await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));
  asInstructor = withSession(await signIn(baseUrl, instructor.email, instructor.password));
});

afterAll(() => fake?.close());

describe("who may use it", () => {
  it("the API answers admins only: 401 without a session, 403 for instructors and API tokens", async () => {
    expect((await fetch(api)).status).toBe(401);
    expect((await asInstructor(api)).status).toBe(403);
    expect((await fetch(api, { headers: { authorization: `Bearer ${apiToken}` } })).status).toBe(403);
    for (const [path, body] of [
      ["", { enabled: false, graphqlUrl: fake.url }],
      ["/test", {}],
      ["/jobs", { action: "rerun" }],
      ["/purge", { confirm: "PURGE" }],
    ] as const) {
      const method = path === "" ? "PUT" : "POST";
      expect((await send(asInstructor, `${api}${path}`, method, body)).status, `${method} ${path}`).toBe(403);
      expect((await fetch(`${api}${path}`, { method, body: JSON.stringify(body) })).status, `${method} ${path}`).toBe(401);
    }
    expect((await asAdmin(api)).status).toBe(200);
  });

  it("changes come only from Cairn's own pages: another Origin, or none, is refused (CSRF)", async () => {
    const before = await (await asAdmin(api)).json();
    for (const origin of ["http://evil.example", null]) {
      for (const [path, method, body] of [
        ["", "PUT", { enabled: false, graphqlUrl: "http://127.0.0.1:9/evil", apiKey: null }],
        ["/purge", "POST", { confirm: "PURGE" }],
        ["/jobs", "POST", { action: "rerun" }],
        ["/test", "POST", { graphqlUrl: "http://127.0.0.1:9/evil" }],
      ] as const) {
        const response = await send(asAdmin, `${api}${path}`, method, body, origin);
        expect(response.status, `${method} ${path} from ${origin}`).toBe(403);
        expect(await response.json()).toMatchObject({ error: "cross_origin" });
      }
    }
    expect(await (await asAdmin(api)).json()).toEqual(before);
  });

  it("the page is for admins: instructors get 403, strangers the sign-in page", async () => {
    const page = await asAdmin(`${baseUrl}/settings/enrichment`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Enrichment");
    expect(html).toContain("Purge personal data");
    expect((await asInstructor(`${baseUrl}/settings/enrichment`)).status).toBe(403);
    const stranger = await fetch(`${baseUrl}/settings/enrichment`, { redirect: "manual" });
    expect([302, 307]).toContain(stranger.status);
    expect(stranger.headers.get("location")).toMatch(/\/signin/);
  });
});

describe("the API key", () => {
  it("is stored encrypted, shown only as a masked hint, and never written to the audit log", async () => {
    const saved = await send(asAdmin, api, "PUT", { enabled: true, graphqlUrl: fake.url, apiKey: SECRET_KEY });
    expect(saved.status).toBe(200);
    const savedText = await saved.text();
    expect(savedText).not.toContain(SECRET_KEY);
    const status = JSON.parse(savedText);
    expect(status.settings).toMatchObject({ enabled: true, graphqlUrl: fake.url, paused: null, apiKey: { hint: `••••${SECRET_KEY.slice(-4)}` } });

    const reread = await (await asAdmin(api)).text();
    expect(reread).not.toContain(SECRET_KEY);
    const page = await (await asAdmin(`${baseUrl}/settings/enrichment`)).text();
    expect(page).not.toContain(SECRET_KEY);
    expect(page).toContain(`••••${SECRET_KEY.slice(-4)}`);

    const [row] = await sql<{ value: { ciphertext: string } }>("SELECT value FROM setting WHERE key = 'enrichment.api_key'");
    expect(row!.value.ciphertext).toMatch(/^v1:/);
    expect(JSON.stringify(await sql("SELECT * FROM setting"))).not.toContain(SECRET_KEY);

    const audit = await sql<{ action: string; actor_email: string; details: unknown }>(
      "SELECT action, actor_email, details FROM audit_log WHERE action LIKE 'enrichment.%' ORDER BY id DESC LIMIT 1");
    expect(audit[0]).toMatchObject({ action: "enrichment.settings.update", actor_email: TEST_ADMIN.email, details: { apiKey: expect.stringMatching(/added|replaced/) } });
    const everything = JSON.stringify(await sql("SELECT * FROM audit_log"));
    expect(everything).not.toContain(SECRET_KEY);
    expect(everything).not.toContain(SECRET_KEY.slice(-4));
  });

  it("can be replaced and removed; without a key enrichment cannot be on", async () => {
    const replacement = `replacement-${randomBytes(10).toString("hex")}`;
    let response = await send(asAdmin, api, "PUT", { enabled: true, graphqlUrl: fake.url, apiKey: replacement });
    expect((await response.json()).settings.apiKey.hint).toBe(`••••${replacement.slice(-4)}`);

    response = await send(asAdmin, api, "PUT", { enabled: false, graphqlUrl: fake.url, apiKey: null });
    expect((await response.json()).settings).toMatchObject({ enabled: false, apiKey: null });
    expect(await sql("SELECT 1 FROM setting WHERE key = 'enrichment.api_key'")).toEqual([]);

    response = await send(asAdmin, api, "PUT", { enabled: true, graphqlUrl: fake.url });
    expect(response.status).toBe(409);
    expect((await response.json()).message).toMatch(/needs an API key/);

    // Put the real key back for the rest of the file.
    response = await send(asAdmin, api, "PUT", { enabled: true, graphqlUrl: fake.url, apiKey: SECRET_KEY });
    expect(response.status).toBe(200);
  });

  it("refuses invalid input with 400", async () => {
    for (const body of [
      { enabled: true, graphqlUrl: "ftp://example.com/graphql" },
      { enabled: true, graphqlUrl: "not a url" },
      { enabled: "yes", graphqlUrl: fake.url },
      { enabled: true, graphqlUrl: fake.url, apiKey: "short" },
      { enabled: true, graphqlUrl: fake.url, apiKey: "has spaces in it" },
    ]) {
      expect((await send(asAdmin, api, "PUT", body)).status, JSON.stringify(body)).toBe(400);
    }
    const raw = await asAdmin(api, { method: "PUT", headers: { "content-type": "application/json", origin: baseUrl }, body: "{not json" });
    expect(raw.status).toBe(400);
  });
});

describe("test connection", () => {
  it("succeeds with the saved key and reports its latency", async () => {
    fake.reset();
    const result = await (await send(asAdmin, `${api}/test`, "POST", {})).json();
    expect(result).toMatchObject({ ok: true, latencyMs: expect.any(Number), message: expect.stringMatching(/^Connected/) });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.authorization).toBe(`Bearer ${SECRET_KEY}`);
  });

  it("reports 401 for a wrong key and a network error for an unreachable URL, with latency", async () => {
    const refused = await (await send(asAdmin, `${api}/test`, "POST", { apiKey: "definitely-wrong-key" })).json();
    expect(refused).toMatchObject({ ok: false, kind: "auth", status: 401, latencyMs: expect.any(Number) });
    const unreachable = await (await send(asAdmin, `${api}/test`, "POST", { graphqlUrl: `http://127.0.0.1:${await closedPort()}/graphql`, apiKey: "a-key-for-another-url" })).json();
    expect(unreachable).toMatchObject({ ok: false, kind: "network", message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it("a passing test with the saved key lifts a pause", async () => {
    await sql(`INSERT INTO setting (key, value, updated_at) VALUES ('enrichment.paused', $1, now())
               ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [
      JSON.stringify({ reason: "auth", message: "Instruqt refused the API key (HTTP 401)", status: 401, at: new Date().toISOString() }),
    ]);
    expect((await (await asAdmin(api)).json()).settings.paused).toMatchObject({ status: 401 });
    expect((await (await send(asAdmin, `${api}/test`, "POST", {})).json()).ok).toBe(true);
    expect((await (await asAdmin(api)).json()).settings.paused).toBeNull();
    expect(await sql("SELECT 1 FROM audit_log WHERE action = 'enrichment.pause.lift'")).not.toEqual([]);
  });
});

describe("the queue", () => {
  it("ingest queues a learner seen with an invite, and answers without waiting for enrichment", async () => {
    const [invite, user] = [`inv_${uid()}`, `user_${uid()}`];
    fake.reset();
    const response = await sendEvent(baseUrl, {
      type: "track.started",
      track_id: "trk_settings",
      track_slug: "settings-track",
      organization_id: "acme",
      participant_id: `p_${uid()}`,
      user_id: user,
      invite_id: invite,
      mode: "platform",
      timestamp: new Date().toISOString(),
    });
    expect(response.status).toBe(201);
    // The projector queues the job after the acknowledgement.
    await waitForProjection(databaseUrl);
    expect(await sql("SELECT status, payload->'user_ids' AS user_ids FROM job WHERE kind = 'enrichment' AND key = $1", [invite])).toEqual([{ status: "pending", user_ids: [user] }]);
    // This app runs no enrichment worker: nothing was asked of Instruqt on the ingest path.
    expect(fake.requests).toHaveLength(0);
  });

  it("shows counts and recent errors; retries failed jobs; re-runs every invite with known learners", async () => {
    const failedInvite = `inv_${uid()}`;
    await sql(`INSERT INTO job (kind, key, payload, status, attempts, last_error, updated_at)
               VALUES ('enrichment', $1, '{"user_ids": ["u_x"]}', 'failed', 8, 'attempt 8/8: Instruqt answered HTTP 502', now())`, [failedInvite]);
    let status = await (await asAdmin(api)).json();
    expect(status.queue.counts.failed).toBeGreaterThanOrEqual(1);
    expect(status.queue.recent[0]).toMatchObject({ inviteId: failedInvite, status: "failed", attempts: 8, lastError: expect.stringContaining("502") });
    expect(status.worker).toMatchObject({ configured: false, running: false });

    const retried = await (await send(asAdmin, `${api}/jobs`, "POST", { action: "retry_failed" })).json();
    expect(retried.jobs).toBeGreaterThanOrEqual(1);
    expect(await sql("SELECT status, attempts FROM job WHERE kind = 'enrichment' AND key = $1", [failedInvite])).toEqual([{ status: "pending", attempts: 0 }]);

    const claimedInvite = `inv_${uid()}`;
    expect((await sendEvent(baseUrl, { type: "invite.claimed", invite_id: claimedInvite, user_id: `u_${uid()}`, timestamp: new Date().toISOString() })).status).toBe(201);
    // The projector queues the invite's job after the acknowledgement: wait for it, or the UPDATE
    // below finds nothing and the job appears after the rerun has counted.
    await waitForProjection(databaseUrl);
    await sql("UPDATE job SET status = 'done' WHERE kind = 'enrichment' AND key = $1", [claimedInvite]);
    expect(await sql("SELECT status FROM job WHERE kind = 'enrichment' AND key = $1", [claimedInvite])).toEqual([{ status: "done" }]);
    const rerun = await (await send(asAdmin, `${api}/jobs`, "POST", { action: "rerun" })).json();
    const n = (await sql<{ n: number }>("SELECT count(*)::int AS n FROM job WHERE kind = 'enrichment'"))[0]!.n;
    expect(rerun.jobs).toBe(n);
    expect(await sql("SELECT status FROM job WHERE kind = 'enrichment' AND key = $1", [claimedInvite])).toEqual([{ status: "pending" }]);
    status = await (await asAdmin(api)).json();
    expect(status.queue.counts).toMatchObject({ done: 0, failed: 0, pending: n });

    expect((await send(asAdmin, `${api}/jobs`, "POST", { action: "drop_tables" })).status).toBe(400);
    const actions = (await sql<{ action: string }>("SELECT action FROM audit_log WHERE action LIKE 'enrichment.jobs.%'")).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(["enrichment.jobs.retry_failed", "enrichment.jobs.rerun"]));
  });
});

describe("purge", () => {
  it("needs the typed confirmation, then clears every learner's personal data, cancels jobs, turns enrichment off, and is audited", async () => {
    const learner = `u_${uid()}`;
    await sql(`INSERT INTO learner (id, first_name, last_name, email, enrichment_source, enriched_at)
               VALUES ($1, 'Ada', 'Lovelace', 'ada@example.com', 'instruqt:trackInvite', now())`, [learner]);
    await send(asAdmin, api, "PUT", { enabled: true, graphqlUrl: fake.url });

    const unconfirmed = await send(asAdmin, `${api}/purge`, "POST", { confirm: "yes" });
    expect(unconfirmed.status).toBe(400);
    expect(await sql("SELECT email FROM learner WHERE id = $1", [learner])).toEqual([{ email: "ada@example.com" }]);

    const jobsBefore = (await sql<{ n: number }>("SELECT count(*)::int AS n FROM job WHERE kind = 'enrichment'"))[0]!.n;
    const response = await send(asAdmin, `${api}/purge`, "POST", { confirm: "PURGE" });
    expect(response.status).toBe(200);
    const result = await response.json();
    expect(result.learnersCleared).toBeGreaterThanOrEqual(1);
    expect(result.jobsCancelled).toBe(jobsBefore);

    expect(await sql("SELECT first_name, last_name, email, enrichment_source, enriched_at FROM learner WHERE id = $1", [learner])).toEqual([
      { first_name: null, last_name: null, email: null, enrichment_source: null, enriched_at: null },
    ]);
    expect(await sql("SELECT count(*)::int AS n FROM learner WHERE email IS NOT NULL OR first_name IS NOT NULL OR last_name IS NOT NULL")).toEqual([{ n: 0 }]);
    expect(await sql("SELECT count(*)::int AS n FROM job WHERE kind = 'enrichment'")).toEqual([{ n: 0 }]);
    const status = await (await asAdmin(api)).json();
    expect(status.settings.enabled).toBe(false);
    // The key stays: turning enrichment back on is one click.
    expect(status.settings.apiKey).not.toBeNull();
    const [audit] = await sql<{ actor_email: string; details: Record<string, unknown> }>(
      "SELECT actor_email, details FROM audit_log WHERE action = 'enrichment.purge' ORDER BY id DESC LIMIT 1");
    expect(audit).toMatchObject({ actor_email: TEST_ADMIN.email, details: { learnersCleared: result.learnersCleared, jobsCancelled: jobsBefore } });
  });
});

describe("server actions", () => {
  /**
   * The ids of the page's server actions, found the way anyone could: in the client chunks the
   * admin's page loads (`createServerReference("<id>", …)`).
   */
  async function actionIds(): Promise<string[]> {
    const html = await (await asAdmin(`${baseUrl}/settings/enrichment`)).text();
    const scripts = [...new Set([...html.matchAll(/src="(\/_next\/static\/chunks\/[^"]+\.js)"/g)].map((m) => m[1]!))];
    const ids = new Set<string>();
    for (const script of scripts) {
      const code = await (await fetch(`${baseUrl}${script}`)).text();
      for (const match of code.matchAll(/createServerReference\)\("([0-9a-f]{40,})"/g)) ids.add(match[1]!);
    }
    return [...ids];
  }

  /**
   * Calls a `useActionState` action the way React's client does: the arguments (previous state,
   * form data) encoded as a multipart reply: the form's fields as "_1_…", then "0" the argument
   * list referring to them ("$K1").
   */
  function callAction(as: ReturnType<typeof withSession>, id: string, fields: Record<string, string>) {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.set(`_1_${name}`, value);
    // Last, as React sends it: the server resolves "$K1" from the fields parsed before it.
    body.set("0", JSON.stringify([null, "$K1"]));
    return as(`${baseUrl}/settings/enrichment`, { method: "POST", headers: { "next-action": id, accept: "text/x-component" }, body });
  }

  it("re-check the caller: an instructor posting the purge action directly changes nothing", async () => {
    const learner = `u_${uid()}`;
    await sql("INSERT INTO learner (id, first_name, email, enriched_at) VALUES ($1, 'Bea', 'bea@example.com', now())", [learner]);
    expect((await send(asAdmin, api, "PUT", { enabled: true, graphqlUrl: fake.url, apiKey: SECRET_KEY })).status).toBe(200);
    const ids = await actionIds();
    expect(ids.length).toBeGreaterThanOrEqual(6);
    for (const id of ids) {
      const response = await callAction(asInstructor, id, {
        confirm: "PURGE",
        enabled: "on",
        graphqlUrl: "http://127.0.0.1:9/evil",
        apiKey: "attacker-controlled-key",
      });
      expect(response.status, `action ${id}`).toBe(403);
    }
    expect(await sql("SELECT email FROM learner WHERE id = $1", [learner])).toEqual([{ email: "bea@example.com" }]);
    const status = await (await asAdmin(api)).json();
    expect(status.settings).toMatchObject({ enabled: true, graphqlUrl: fake.url, apiKey: { hint: `••••${SECRET_KEY.slice(-4)}` } });
    expect(await sql("SELECT 1 FROM audit_log WHERE actor_email = $1", [instructor.email])).toEqual([]);

    // The control: the same requests from the admin do reach the actions (the purge among them).
    for (const id of ids) expect((await callAction(asAdmin, id, { confirm: "PURGE" })).status).toBe(200);
    expect(await sql("SELECT email FROM learner WHERE id = $1", [learner])).toEqual([{ email: null }]);
    expect(await sql("SELECT 1 FROM audit_log WHERE action = 'enrichment.purge' AND actor_email = $1", [TEST_ADMIN.email])).not.toEqual([]);
  });
});
