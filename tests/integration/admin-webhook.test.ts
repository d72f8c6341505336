import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type AppServer } from "../support/app-server";
import { createDatabase, dropDatabase } from "../support/database";
import { signIn } from "../support/session";
import { sendEvent } from "../support/webhooks";
import { adminClient, query, tableText, uid, type SettingsClient } from "./admin-helpers";

/**
 * Settings → Webhook over two app instances sharing their own database (secret changes must not
 * disturb the shared app other files send events to): a change made on one instance must take
 * effect on the other within its 3 s cache, without a restart.
 */

const ADMIN = { email: "webhook-admin@cairn.test", password: "webhook admin password" };
const AUTH_SECRET = "admin-webhook-test-secret-0123456789abcdef";
/** How long another instance may keep a stale secret list: the 3 s cache plus request time. */
const PROPAGATION_LIMIT_MS = 3_800;

const newSecret = (bytes = 32) => `whsec_${randomBytes(bytes).toString("base64")}`;
const S1 = newSecret();
const S2 = newSecret(24);
const S3 = newSecret(64);
const S4 = newSecret();

let database: { name: string; url: string };
let appA: AppServer;
let appB: AppServer;
let adminA: SettingsClient;
let adminB: SettingsClient;

beforeAll(async () => {
  database = await createDatabase("cairn_it_webhook");
  const common = { DATABASE_URL: database.url, NEXTAUTH_SECRET: AUTH_SECRET, CAIRN_ADMIN_EMAIL: ADMIN.email, CAIRN_ADMIN_PASSWORD: ADMIN.password, CAIRN_WORKER: "projector", INSTRUQT_WEBHOOK_SECRET: undefined };
  // One after the other: the first start migrates the new database.
  appA = await startApp({ ...common, CAIRN_PUBLIC_URL: undefined });
  // B's public URL is A: its test events can then go "through the public URL" to another instance.
  appB = await startApp({ ...common, CAIRN_PUBLIC_URL: appA.baseUrl, CAIRN_SKIP_MIGRATE: "1" });
  adminA = await adminClient(appA.baseUrl, ADMIN.email, ADMIN.password);
  adminB = await adminClient(appB.baseUrl, ADMIN.email, ADMIN.password);
});

afterAll(async () => {
  await Promise.all([appA?.stop(), appB?.stop()]);
  if (database) await dropDatabase(database.name);
});

const deliver = async (app: AppServer, secret: string) =>
  (await sendEvent(app.baseUrl, {
    type: "track.started",
    track_id: "trk_admin_webhook",
    participant_id: `p_${uid()}`,
    user_id: "u_admin_webhook",
    invite_id: null,
    timestamp: new Date().toISOString(),
  }, { secret })).status;

/** Delivers until the instance accepts (or refuses) as expected; returns how long that took. */
async function untilStatus(app: AppServer, secret: string, accepted: boolean, limitMs = PROPAGATION_LIMIT_MS): Promise<number> {
  const started = Date.now();
  for (;;) {
    const status = await deliver(app, secret);
    if (accepted ? status === 201 : status === 401) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`${app.baseUrl} still answers ${status} after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface SecretView { id: string; hint: string; expiresAt: string | null; createdBy: string | null; readable: boolean }
interface Overview { endpoint: { url: string; source: string } | null; secrets: SecretView[]; defaultGraceHours: number; testTargets: { local: string; public: string | null } }

const secretsOn = async (client: SettingsClient) => (await client.get<Overview>("/api/settings/webhook")).body.secrets;

describe("the endpoint URL to paste into Instruqt", () => {
  it("comes from the request (through a proxy's forwarded headers) without CAIRN_PUBLIC_URL", async () => {
    const direct = await adminA.get<Overview>("/api/settings/webhook");
    expect(direct.body.endpoint).toEqual({ url: `${appA.baseUrl}/api/webhooks/instruqt`, source: "request" });
    const proxied = await adminA.get<Overview>("/api/settings/webhook", { "x-forwarded-proto": "https", "x-forwarded-host": "cairn.example.org" });
    expect(proxied.body.endpoint).toEqual({ url: "https://cairn.example.org/api/webhooks/instruqt", source: "request" });
    expect(direct.body.defaultGraceHours).toBe(24);
  });

  it("is CAIRN_PUBLIC_URL's when set", async () => {
    const answer = await adminB.get<Overview>("/api/settings/webhook", { "x-forwarded-host": "ignored.example.org" });
    expect(answer.body.endpoint).toEqual({ url: `${appA.baseUrl}/api/webhooks/instruqt`, source: "configured" });
  });

  it("is shown on the page", async () => {
    const html = await (await fetch(`${appB.baseUrl}/settings/webhook`, { headers: { cookie: await cookieFor(appB) } })).text();
    expect(html).toContain(`${appA.baseUrl}/api/webhooks/instruqt`);
    expect(html).toContain("No signing secret yet");
  });
});

describe("signing secrets", () => {
  it("with none set, every delivery is refused, and a test event cannot be signed", async () => {
    expect(await deliver(appA, S1)).toBe(401);
    expect(await deliver(appB, S1)).toBe(401);
    const test = await adminA.post("/api/settings/webhook/test", { type: "track.started" });
    expect(test.status).toBe(409);
    expect(test.body).toMatchObject({ error: "no_secret" });
  });

  it("refuses malformed secrets and grace periods, naming the field", async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{}, "secret", "is required"],
      [{ secret: 42 }, "secret", "must be text"],
      [{ secret: "not-a-secret" }, "secret", "must be whsec_ followed by the base64 of 24 to 64 bytes, as Instruqt shows it"],
      [{ secret: `whsec_${randomBytes(16).toString("base64")}` }, "secret", "must be whsec_ followed by the base64 of 24 to 64 bytes, as Instruqt shows it"],
      [{ secret: `whsec_${randomBytes(65).toString("base64")}` }, "secret", "must be whsec_ followed by the base64 of 24 to 64 bytes, as Instruqt shows it"],
      [{ secret: "whsec_!!!!" }, "secret", "must be whsec_ followed by the base64 of 24 to 64 bytes, as Instruqt shows it"],
      [{ secret: S1, graceHours: -1 }, "graceHours", "must be 0 or more"],
      [{ secret: S1, graceHours: 721 }, "graceHours", "must be at most 720 (30 days)"],
      [{ secret: S1, graceHours: "24" }, "graceHours", "must be a number of hours"],
    ];
    for (const [body, field, message] of cases) {
      const answer = await adminA.post<{ fields: Record<string, string> }>("/api/settings/webhook/secrets", body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.fields[field], JSON.stringify(body)).toBe(message);
    }
    expect(await secretsOn(adminA)).toEqual([]);
  });

  it("the first secret set on one instance verifies on the other within the cache time", async () => {
    const set = await adminA.post<{ kind: string; secret: SecretView; previous: SecretView[] }>("/api/settings/webhook/secrets", { secret: S1 });
    expect(set.status).toBe(201);
    expect(set.body).toMatchObject({ kind: "set", secret: { hint: `whsec_…${S1.slice(-4)}`, expiresAt: null, createdBy: ADMIN.email }, previous: [] });
    expect(await deliver(appA, S1)).toBe(201);
    const elapsed = await untilStatus(appB, S1, true);
    expect(elapsed).toBeLessThan(PROPAGATION_LIMIT_MS);
    expect(await deliver(appB, newSecret())).toBe(401);
  });

  it("setting the current secret again is refused: nothing would change", async () => {
    const answer = await adminB.post("/api/settings/webhook/secrets", { secret: S1 });
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ error: "already_current", fields: { secret: "This is already the current signing secret." } });
  });

  it("a rotation keeps the old secret verifying for the grace period, then stops it on every instance", async () => {
    const graceSeconds = 10;
    const rotated = await adminB.post<{ kind: string; previous: SecretView[]; previousExpireAt: string }>("/api/settings/webhook/secrets", {
      secret: S2,
      graceHours: graceSeconds / 3600,
    });
    expect(rotated.status).toBe(201);
    expect(rotated.body.kind).toBe("rotated");
    expect(rotated.body.previous.map((p) => p.hint)).toEqual([`whsec_…${S1.slice(-4)}`]);
    const expiresAt = new Date(rotated.body.previousExpireAt).getTime();
    expect(expiresAt - Date.now()).toBeGreaterThan(6_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(graceSeconds * 1000);

    // The new secret: at once where it was set, within the cache time on the other instance.
    expect(await deliver(appB, S2)).toBe(201);
    expect(await untilStatus(appA, S2, true)).toBeLessThan(PROPAGATION_LIMIT_MS);
    // The old one, during the grace period: still accepted on both.
    expect(Date.now()).toBeLessThan(expiresAt);
    expect(await deliver(appA, S1)).toBe(201);
    expect(await deliver(appB, S1)).toBe(201);

    const listed = await secretsOn(adminA);
    expect(listed.map((s) => [s.hint, s.expiresAt === null])).toEqual([
      [`whsec_…${S2.slice(-4)}`, true],
      [`whsec_…${S1.slice(-4)}`, false],
    ]);

    // After it: refused on both, while the new one still verifies.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 50));
    expect(await deliver(appA, S1)).toBe(401);
    expect(await deliver(appB, S1)).toBe(401);
    expect(await deliver(appA, S2)).toBe(201);
    expect((await secretsOn(adminB)).map((s) => s.hint)).toEqual([`whsec_…${S2.slice(-4)}`]);
  });

  it("removing a secret in its grace period stops it on every instance at once (within the cache time)", async () => {
    const rotated = await adminA.post<{ previous: SecretView[] }>("/api/settings/webhook/secrets", { secret: S3 });
    expect(rotated.status).toBe(201);
    const s2 = rotated.body.previous[0]!;
    expect(s2.hint).toBe(`whsec_…${S2.slice(-4)}`);
    // Default grace: CAIRN_SECRET_GRACE_HOURS (24 h).
    expect(new Date(s2.expiresAt!).getTime() - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect(await untilStatus(appB, S3, true)).toBeLessThan(PROPAGATION_LIMIT_MS);
    expect(await deliver(appB, S2)).toBe(201);

    const removed = await adminA.delete(`/api/settings/webhook/secrets/${s2.id}`);
    expect(removed.status).toBe(200);
    expect(await deliver(appA, S2)).toBe(401);
    expect(await untilStatus(appB, S2, false)).toBeLessThan(PROPAGATION_LIMIT_MS);
    expect(await deliver(appB, S3)).toBe(201);

    expect((await adminA.delete(`/api/settings/webhook/secrets/${s2.id}`)).status).toBe(404);
    expect((await adminA.delete("/api/settings/webhook/secrets/unknown")).status).toBe(404);
  });

  it("a secret still in its grace period can be reinstated as the current one", async () => {
    const rotated = await adminA.post<{ previous: SecretView[] }>("/api/settings/webhook/secrets", { secret: S4 });
    expect(rotated.body.previous.map((p) => p.hint)).toEqual([`whsec_…${S3.slice(-4)}`]);
    const back = await adminA.post<{ kind: string; previous: SecretView[] }>("/api/settings/webhook/secrets", { secret: S3, graceHours: 1 });
    expect(back.status).toBe(201);
    expect(back.body.previous.map((p) => p.hint)).toEqual([`whsec_…${S4.slice(-4)}`]);
    const listed = await secretsOn(adminA);
    expect(listed.map((s) => [s.hint, s.expiresAt === null])).toEqual([
      [`whsec_…${S3.slice(-4)}`, true],
      [`whsec_…${S4.slice(-4)}`, false],
    ]);
  });

  it("stores secrets encrypted and lists them masked", async () => {
    const rows = await query<{ secret_encrypted: string }>(database.url, "SELECT secret_encrypted FROM webhook_secret");
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.secret_encrypted).toMatch(/^v1:[A-Za-z0-9+/=]+$/);
    const everything = JSON.stringify((await adminA.get("/api/settings/webhook")).body) + (await tableText(database.url, "webhook_secret"));
    for (const secret of [S1, S2, S3, S4]) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(secret.slice("whsec_".length));
    }
  });
});

describe("sending a test event", () => {
  it("signs an example event, posts it to this server, reports status and latency, and it is never projected", async () => {
    const participantsBefore = await query<{ n: string }>(database.url, "SELECT count(*) AS n FROM participant");
    const answer = await adminA.post<{ svixId: string; url: string; status: number; latencyMs: number; response: string; eventType: string }>(
      "/api/settings/webhook/test",
      { type: "track.challenge_completed" },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ url: `${appA.baseUrl}/api/webhooks/instruqt`, status: 201, eventType: "track.challenge_completed" });
    expect(answer.body.svixId).toMatch(/^cairn_test_[0-9a-f]{24}$/);
    expect(answer.body.latencyMs).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(answer.body.response)).toEqual({ status: "stored", outcome: "test" });

    const [event] = await query<{ outcome: string; type: string; participant_id: string }>(
      database.url,
      "SELECT outcome, type, participant_id FROM webhook_event WHERE svix_id = $1",
      [answer.body.svixId],
    );
    expect(event).toMatchObject({ outcome: "test", type: "track.challenge_completed" });
    // Never counted: no play, no challenge progress for the example's participant.
    expect(await query(database.url, "SELECT 1 FROM participant WHERE id = $1", [event!.participant_id])).toEqual([]);
    expect(await query(database.url, "SELECT 1 FROM challenge_progress WHERE participant_id = $1", [event!.participant_id])).toEqual([]);
    expect(await query<{ n: string }>(database.url, "SELECT count(*) AS n FROM participant")).toEqual(participantsBefore);
  });

  it("can go through the configured public URL instead, and says which URL it used", async () => {
    const answer = await adminB.post<{ url: string; status: number }>("/api/settings/webhook/test", { type: "invite.claimed", target: "public" });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ url: `${appA.baseUrl}/api/webhooks/instruqt`, status: 201 });
  });

  it("refuses an unknown event type, an unknown target, and the public target when none is configured", async () => {
    const type = await adminA.post<{ fields: Record<string, string> }>("/api/settings/webhook/test", { type: "track.exploded" });
    expect(type.status).toBe(400);
    expect(type.body.fields.type).toMatch(/^must be one of track\.started, /);
    const target = await adminA.post<{ fields: Record<string, string> }>("/api/settings/webhook/test", { type: "track.started", target: "mars" });
    expect(target.body.fields.target).toBe("must be local or public");
    const unset = await adminA.post("/api/settings/webhook/test", { type: "track.started", target: "public" });
    expect(unset.status).toBe(400);
    expect(unset.body).toMatchObject({ error: "no_public_url", fields: { target: expect.stringContaining("CAIRN_PUBLIC_URL") } });
  });
});

describe("the audit trail of secret changes", () => {
  it("records who set, rotated and removed which secret, and test events, never a secret value", async () => {
    const rows = await query<{ action: string; actor_email: string; details: Record<string, unknown> }>(
      database.url,
      // The first start's own entries (the bootstrap admin) are another test's subject.
      "SELECT action, actor_email, details FROM audit_log WHERE action LIKE 'webhook%' ORDER BY id",
    );
    expect(rows.map((r) => r.action)).toEqual([
      "webhook_secret.set",
      "webhook_secret.rotated",
      "webhook_secret.rotated",
      "webhook_secret.removed",
      "webhook_secret.rotated",
      "webhook_secret.rotated",
      "webhook.test_sent",
      "webhook.test_sent",
    ]);
    expect(rows.every((r) => r.actor_email === ADMIN.email)).toBe(true);
    expect(rows[0]!.details).toEqual({ hint: `whsec_…${S1.slice(-4)}` });
    expect(rows[1]!.details).toMatchObject({ hint: `whsec_…${S2.slice(-4)}`, previousHints: [`whsec_…${S1.slice(-4)}`], graceHours: 10 / 3600, reinstated: false });
    expect(rows[5]!.details).toMatchObject({ hint: `whsec_…${S3.slice(-4)}`, reinstated: true });
    expect(rows[6]!.details).toMatchObject({ eventType: "track.challenge_completed", status: 201 });

    const audit = await tableText(database.url, "audit_log");
    for (const secret of [S1, S2, S3, S4]) {
      expect(audit).not.toContain(secret);
      expect(audit).not.toContain(secret.slice("whsec_".length));
    }
  });

  it("shows on the audit page, filterable by action", async () => {
    const cookie = await cookieFor(appA);
    const html = await (await fetch(`${appA.baseUrl}/settings/audit?action=webhook_secret.rotated`, { headers: { cookie } })).text();
    expect(html).toContain("4 entries");
    expect(html).toContain(`Rotated to the signing secret whsec_…${S2.slice(-4)}`);
    expect(html).not.toContain("Sent a test");
  });
});

const cookieFor = (app: AppServer) => signIn(app.baseUrl, ADMIN.email, ADMIN.password);
