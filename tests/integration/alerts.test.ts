import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { Webhook } from "svix";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { hashToken } from "@/lib/auth/api-tokens";
import { startApp, type AppServer } from "../support/app-server";
import { createDatabase, dropDatabase, withClient } from "../support/database";
import { PlayBuilder, type BuiltEvent } from "../support/events-factory";
import { TEST_ADMIN } from "../support/integration-setup";
import { waitForProjection } from "../support/projection";
import { signIn } from "../support/session";
import { sendEvent, TEST_WEBHOOK_SECRET } from "../support/webhooks";
import { adminClient, createUser, query, settingsClient, tableText, type SettingsClient } from "./admin-helpers";
import { eventually as waitFor } from "../support/eventually";

/**
 * Alert rules through the real app (npm start's path, CAIRN_WORKER=on) on a database of its own,
 * with real parts at both ends: a node:http receiver that checks every webhook's Standard
 * Webhooks signature, and an SMTP server (smtp-server) whose messages are parsed (mailparser).
 * Rules are made through POST /api/settings/alerts; plays arrive as signed Instruqt deliveries,
 * with timestamps in the past so that "stuck" needs no waiting. Each rule watches its own track
 * or invite, so the scenarios do not see each other.
 */

const ADMIN = { email: "alerts-admin@cairn.test", password: "alerts admin password" };
const PUBLIC_URL = "http://cairn.alerts.test";
const FROM = "Cairn alerts <alerts@cairn.test>";
const MINUTE = 60_000;
const ago = (minutes: number) => new Date(Date.now() - minutes * MINUTE);

// ---------------------------------------------------------------------------------------------
// The receiving ends
// ---------------------------------------------------------------------------------------------

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

interface Mail {
  from: string;
  to: string;
  subject: string;
  text: string;
  messageId: string | undefined;
}

const received: Received[] = [];
const mails: Mail[] = [];
let receiver: Server;
let receiverUrl: string;
let smtp: SMTPServer;
let smtpPort: number;
/** /flaky answers 500 to its first request, 200 afterwards. */
let flakyCalls = 0;
/** Requests to /hang get no answer; their responses are kept to end them at the close. */
const hanging: ServerResponse[] = [];

function startReceiver(): Promise<void> {
  receiver = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      const headers = Object.fromEntries(Object.entries(request.headers).map(([key, value]) => [key, String(value)]));
      received.push({ path, headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
      if (path === "/hang") {
        hanging.push(response);
        return;
      }
      if (path === "/flaky" && ++flakyCalls === 1) {
        response.writeHead(500, { "content-type": "text/plain" }).end("receiver down for a moment");
        return;
      }
      response.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  return new Promise((resolve) =>
    receiver.listen(0, "127.0.0.1", () => {
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

function startSmtp(): Promise<void> {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          mails.push({
            from: parsed.from?.text ?? "",
            to: Array.isArray(parsed.to) ? parsed.to.map((to) => to.text).join(", ") : (parsed.to?.text ?? ""),
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            messageId: parsed.messageId,
          });
          callback();
        })
        .catch(callback);
    },
  });
  return new Promise((resolve) =>
    smtp.listen(0, "127.0.0.1", () => {
      smtpPort = (smtp.server.address() as AddressInfo).port;
      resolve();
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------------------------

let database: { name: string; url: string };
let app: AppServer;
let admin: SettingsClient;
let instructor: SettingsClient;
let instructorCookie: string;
let anonymous: SettingsClient;
let token: string;

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => query<T>(database.url, text, params);

// Waits up to 20 s unless told otherwise (the shared helper's default is 15 s).
const eventually = <T>(read: () => Promise<T> | T, check: (value: T) => boolean, what: string, timeoutMs = 20_000) =>
  waitFor(read, check, what, timeoutMs);

/** Waits until the evaluation job has finished `count` more runs (it runs every second here). */
async function evaluations(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const now = (await sql<{ now: Date }>("SELECT now()"))[0]!.now;
    await eventually(
      () => sql<{ finished_at: Date | null }>("SELECT finished_at FROM job WHERE kind = 'alert_evaluation' AND key = 'all'"),
      (rows) => Boolean(rows[0]?.finished_at && rows[0].finished_at > now),
      "an evaluation",
    );
  }
}

function play(id: string, start: Date, options: { track: string; invite: string }) {
  return new PlayBuilder({
    participantId: `al_${id}`,
    userId: `al_user_${id}`,
    trackId: `al_trk_${options.track}`,
    trackSlug: `alerts-${options.track}`,
    challengeIds: [`al_${options.track}_c0`, `al_${options.track}_c1`, `al_${options.track}_c2`],
    inviteId: options.invite,
    start,
    svixPrefix: `msg_al_${id}_${randomUUID().slice(0, 8)}_`,
  });
}

async function deliver(events: readonly BuiltEvent[]): Promise<void> {
  for (const event of events) {
    const response = await sendEvent(app.baseUrl, event.payload, { svixId: event.svixId });
    expect(response.status, `${event.svixId} → ${await response.clone().text()}`).toBe(201);
  }
}

async function createRule(body: Record<string, unknown>): Promise<{ id: string; signing_secret: string }> {
  const answer = await admin.post<{ id: string; signing_secret: string }>("/api/settings/alerts", body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

const at = (path: string) => received.filter((request) => request.path === path);
const payloadOf = (request: Received) => JSON.parse(request.body) as { text: string; alert: Record<string, unknown> };
const aboutPlay = (participantId: string) => (request: Received) => payloadOf(request).alert.participant_id === participantId;

beforeAll(async () => {
  await Promise.all([startReceiver(), startSmtp()]);
  database = await createDatabase("cairn_it_alerts");
  app = await startApp({
    DATABASE_URL: database.url,
    NEXTAUTH_SECRET: "alerts-test-auth-secret-0123456789abcdef",
    INSTRUQT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    CAIRN_ADMIN_EMAIL: ADMIN.email,
    CAIRN_ADMIN_PASSWORD: ADMIN.password,
    CAIRN_WORKER: "on",
    CAIRN_PUBLIC_URL: PUBLIC_URL,
    CAIRN_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    CAIRN_ALERT_FROM: FROM,
    CAIRN_ALERT_EVALUATE_SECONDS: "1",
  });
  admin = await adminClient(app.baseUrl, ADMIN.email, ADMIN.password);
  // Settings → Users makes instructors; the settings client sends the app's own Origin, like its pages.
  const user = await createUser(admin, "instructor", "alerts-instructor");
  instructorCookie = await signIn(app.baseUrl, user.email, user.password);
  instructor = settingsClient(app.baseUrl, instructorCookie);
  anonymous = settingsClient(app.baseUrl, null);
  token = `cairn_${randomBytes(32).toString("base64url")}`;
  await withClient(database.url, (client) =>
    client.query(`INSERT INTO api_token (id, name, token_hash, prefix, scope) VALUES ($1, 'alerts test', $2, $3, 'read')`, [
      `al_${randomUUID()}`,
      hashToken(token),
      token.slice(0, 12),
    ]),
  );
}, 240_000);

afterAll(async () => {
  for (const response of hanging) response.destroy();
  receiver?.closeAllConnections();
  await app?.stop();
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  await new Promise((resolve) => (smtp ? smtp.close(() => resolve(undefined)) : resolve(undefined)));
  if (database) await dropDatabase(database.name);
});

// ---------------------------------------------------------------------------------------------

describe("POST /api/settings/alerts refuses bad input", () => {
  const cases: [string, unknown, string][] = [
    ["no kind", { threshold: 5, webhook_url: "http://127.0.0.1:9/x" }, "kind"],
    ["an unknown kind", { kind: "slow", threshold: 5, webhook_url: "http://127.0.0.1:9/x" }, "kind"],
    ["stuck without a threshold", { kind: "stuck", webhook_url: "http://127.0.0.1:9/x" }, "threshold"],
    ["a zero threshold", { kind: "stuck", threshold: 0, webhook_url: "http://127.0.0.1:9/x" }, "threshold"],
    ["a negative threshold", { kind: "failing", threshold: -2, webhook_url: "http://127.0.0.1:9/x" }, "threshold"],
    ["a fractional threshold", { kind: "stuck", threshold: 1.5, webhook_url: "http://127.0.0.1:9/x" }, "threshold"],
    ["a threshold as text", { kind: "stuck", threshold: "5", webhook_url: "http://127.0.0.1:9/x" }, "threshold"],
    ["more than a week", { kind: "stuck", threshold: 10_081, webhook_url: "http://127.0.0.1:9/x" }, "threshold"],
    ["more than 1000 checks", { kind: "failing", threshold: 1_001, webhook_url: "http://127.0.0.1:9/x" }, "threshold"],
    ["a threshold on sandbox_failed", { kind: "sandbox_failed", threshold: 3, webhook_url: "http://127.0.0.1:9/x" }, "threshold"],
    ["no destination", { kind: "stuck", threshold: 5 }, "webhook_url"],
    ["empty destinations", { kind: "stuck", threshold: 5, webhook_url: "", email: "" }, "webhook_url"],
    ["an ftp URL", { kind: "stuck", threshold: 5, webhook_url: "ftp://127.0.0.1/x" }, "webhook_url"],
    ["a relative URL", { kind: "stuck", threshold: 5, webhook_url: "/hooks/x" }, "webhook_url"],
    ["a URL with a password", { kind: "stuck", threshold: 5, webhook_url: "http://user:pw@127.0.0.1/x" }, "webhook_url"],
    ["a bad e-mail", { kind: "stuck", threshold: 5, email: "instructors" }, "email"],
    ["a track that is not text", { kind: "stuck", threshold: 5, email: "a@b.test", track: 42 }, "track"],
    ["a track too long", { kind: "stuck", threshold: 5, email: "a@b.test", track: "t".repeat(201) }, "track"],
    ["an invite that is not text", { kind: "stuck", threshold: 5, email: "a@b.test", invite: ["x"] }, "invite"],
    ["an unknown field", { kind: "stuck", threshold: 5, email: "a@b.test", channel: "slack" }, "body"],
    ["a NUL character", { kind: "stuck", threshold: 5, email: "a@b.test", track: "a\u0000b" }, "track"],
    ["an array", [{ kind: "stuck" }], "body"],
    ["not JSON", "{kind: stuck", "body"],
  ];

  it("answers 400 naming the field, and stores nothing", async () => {
    const before = await sql<{ rules: number; audits: number }>(
      "SELECT (SELECT count(*)::int FROM alert_rule) AS rules, (SELECT count(*)::int FROM audit_log WHERE action LIKE 'alert.%') AS audits",
    );
    for (const [what, body, field] of cases) {
      const answer = await admin.post<{ error: string; message: string; fields?: Record<string, string> }>("/api/settings/alerts", body);
      expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(400);
      expect(answer.body.message.length, what).toBeGreaterThan(5);
      if (field !== "body") {
        expect(answer.body.fields, what).toHaveProperty(field);
        expect(answer.body.message, what).toContain(field);
      }
    }
    const after = await sql("SELECT (SELECT count(*)::int FROM alert_rule) AS rules, (SELECT count(*)::int FROM audit_log WHERE action LIKE 'alert.%') AS audits");
    expect(after).toEqual(before);
  });

  it("refuses an e-mail rule while no SMTP server is configured (the shared app has none)", async () => {
    const shared = inject("baseUrl");
    const sharedAdmin = await adminClient(shared, TEST_ADMIN.email, TEST_ADMIN.password);
    const answer = await sharedAdmin.post<{ message: string; fields: Record<string, string> }>("/api/settings/alerts", {
      kind: "stuck",
      threshold: 10,
      email: "instructors@example.test",
    });
    expect(answer.status).toBe(400);
    expect(answer.body.fields.email).toMatch(/CAIRN_SMTP_URL/);
    expect(await query(inject("databaseUrl"), "SELECT id FROM alert_rule")).toEqual([]);
  });
});

describe("who may use the alert APIs", () => {
  it("admins only for rules: 401 without a session, 403 for instructors, tokens and other origins", async () => {
    const rule = { kind: "stuck", threshold: 5, webhook_url: `${receiverUrl}/never` };
    expect((await anonymous.get("/api/settings/alerts")).status).toBe(401);
    expect((await anonymous.post("/api/settings/alerts", rule)).status).toBe(401);
    expect((await anonymous.delete(`/api/settings/alerts/${randomUUID()}`)).status).toBe(401);
    expect((await instructor.get("/api/settings/alerts")).status).toBe(403);
    expect((await instructor.post("/api/settings/alerts", rule)).status).toBe(403);
    expect((await instructor.delete(`/api/settings/alerts/${randomUUID()}`)).status).toBe(403);
    const bearer = { authorization: `Bearer ${token}` };
    expect((await anonymous.get("/api/settings/alerts", bearer)).status).toBe(403);
    expect((await anonymous.post("/api/settings/alerts", rule, bearer)).status).toBe(403);
    const elsewhere = settingsClient(app.baseUrl, null, { origin: "https://evil.example" });
    const cookie = await signIn(app.baseUrl, ADMIN.email, ADMIN.password);
    const crossSite = settingsClient(app.baseUrl, cookie, { origin: "https://evil.example" });
    expect((await crossSite.post("/api/settings/alerts", rule)).status).toBe(403);
    expect((await elsewhere.post("/api/settings/alerts", rule)).status).toBe(401);
    expect(await sql("SELECT id FROM alert_rule")).toEqual([]);
  });

  it("open alerts for any signed-in user or token; acknowledging needs a session from Cairn's pages", async () => {
    expect((await anonymous.get("/api/alerts")).status).toBe(401);
    expect((await instructor.get("/api/alerts")).status).toBe(200);
    expect((await anonymous.get("/api/alerts", { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await instructor.get("/api/alerts?trak=x")).status).toBe(400);
    expect((await anonymous.post(`/api/alerts/${randomUUID()}/acknowledge`)).status).toBe(401);
    expect((await anonymous.post(`/api/alerts/${randomUUID()}/acknowledge`, undefined, { authorization: `Bearer ${token}` })).status).toBe(403);
    expect((await instructor.post(`/api/alerts/${randomUUID()}/acknowledge`)).status).toBe(404);
    expect((await instructor.post(`/api/alerts/not-a-uuid/acknowledge`)).status).toBe(404);
  });
});

describe("notifications", () => {
  let stuckRule: { id: string; signing_secret: string };
  let failingRule: { id: string; signing_secret: string };
  let sandboxRule: { id: string; signing_secret: string };

  beforeAll(async () => {
    // A track Cairn has not seen yet: the rule keeps its slug and matches once plays arrive.
    stuckRule = await createRule({ kind: "stuck", threshold: 1, track: "alerts-stuck", webhook_url: `${receiverUrl}/ok/stuck`, email: "stuck@alerts.test" });
    failingRule = await createRule({ kind: "failing", threshold: 3, invite: "al_inv_failing", webhook_url: `${receiverUrl}/ok/failing` });
    sandboxRule = await createRule({ kind: "sandbox_failed", invite: "al_inv_sandbox", webhook_url: `${receiverUrl}/ok/sandbox`, email: "sandbox@alerts.test" });
  });

  it("stuck: one signed webhook and one e-mail per play and challenge while it holds, again on the next challenge", async () => {
    const options = { track: "stuck", invite: "al_inv_stuck" };
    await deliver(play("stuck", ago(10), options).trackStarted().after(5).challengeStarted(0).build());

    const [hook] = await eventually(() => at("/ok/stuck"), (list) => list.length >= 1, "the stuck webhook");
    const [mail] = await eventually(() => mails.filter((m) => m.to.includes("stuck@alerts.test")), (list) => list.length >= 1, "the stuck e-mail");

    // Signed with the rule's secret, the Standard Webhooks way; svix's own verify accepts it.
    expect(() => new Webhook(stuckRule.signing_secret).verify(hook!.body, hook!.headers)).not.toThrow();
    expect(() => new Webhook(failingRule.signing_secret).verify(hook!.body, hook!.headers)).toThrow();
    expect(hook!.headers["webhook-id"]).toMatch(/^msg_[0-9a-f-]{36}$/);
    expect(Math.abs(Number(hook!.headers["webhook-timestamp"]) * 1000 - hook!.at)).toBeLessThan(5_000);
    expect(hook!.headers["content-type"]).toBe("application/json");
    const body = payloadOf(hook!);
    expect(Object.keys(body).sort()).toEqual(["alert", "text"]);
    const dashboard = `${PUBLIC_URL}/learners/al_user_stuck#play-al_stuck`;
    expect(body.alert).toEqual({
      rule_id: stuckRule.id,
      kind: "stuck",
      participant_id: "al_stuck",
      user_id: "al_user_stuck",
      track_slug: "alerts-stuck",
      track_title: null,
      challenge_number: 1,
      challenge_title: null,
      detail: expect.stringMatching(/^stuck on challenge 1 for (9|10) minutes$/),
      dashboard_url: dashboard,
    });
    expect(body.text).toContain("al_user_stuck");
    expect(body.text).toContain("challenge 1");
    expect(body.text).toContain(`<${dashboard}|Open in Cairn>`);

    expect(mail!.from).toContain("Cairn alerts");
    expect(mail!.from).toContain("<alerts@cairn.test>");
    expect(mail!.messageId).toMatch(/^<alert-[0-9a-f-]{36}@cairn>$/);
    expect(mail!.subject).toMatch(/stuck on challenge 1/);
    expect(mail!.text).toContain(`Open in Cairn: ${dashboard}`);

    // More events on the same challenge, and several evaluations: still one of each.
    await deliver(play("stuck", ago(8), options).attempt(0, false).build());
    await waitForProjection(database.url);
    await evaluations(3);
    await eventually(() => sql("SELECT status FROM job WHERE kind = 'alert_delivery' AND status <> 'done' AND payload->>'ruleId' = $1", [stuckRule.id]), (rows) => rows.length === 0, "sent");
    expect(at("/ok/stuck").filter(aboutPlay("al_stuck"))).toHaveLength(1);
    expect(mails.filter((m) => m.to.includes("stuck@alerts.test"))).toHaveLength(1);

    // On to the next challenge, stuck there too: the first alert resolves, a second one opens.
    await deliver(play("stuck", ago(3), options).attempt(0, true).challengeCompleted(0).after(1).challengeStarted(1).build());
    const hooks = await eventually(() => at("/ok/stuck"), (list) => list.length >= 2, "the second stuck webhook");
    expect(payloadOf(hooks[1]!).alert).toMatchObject({ challenge_number: 2, detail: expect.stringMatching(/^stuck on challenge 2 for/) });
    expect(hooks[1]!.headers["webhook-id"]).not.toBe(hooks[0]!.headers["webhook-id"]);
    await eventually(() => mails.filter((m) => m.to.includes("stuck@alerts.test")), (list) => list.length === 2, "the second stuck e-mail");
    const alerts = await sql<{ challenge_key: string; resolved: boolean }>(
      "SELECT challenge_key, resolved_at IS NOT NULL AS resolved FROM alert WHERE rule_id = $1 ORDER BY opened_at",
      [stuckRule.id],
    );
    expect(alerts).toEqual([
      { challenge_key: "al_stuck_c0", resolved: true },
      { challenge_key: "al_stuck_c1", resolved: false },
    ]);
    await evaluations(2);
    expect(at("/ok/stuck")).toHaveLength(2);
    expect(mails.filter((m) => m.to.includes("stuck@alerts.test"))).toHaveLength(2);
  });

  it("failing: one notification at the threshold, none for the checks after it; other invites are not watched", async () => {
    const options = { track: "failing", invite: "al_inv_failing" };
    const first = play("failing", ago(4), options).trackStarted().after(5).challengeStarted(0);
    for (let i = 0; i < 2; i++) first.after(10).attempt(0, false);
    await deliver(first.build());
    const elsewhere = play("failing_other", ago(4), { track: "failing", invite: "al_inv_other" }).trackStarted().after(5).challengeStarted(0);
    for (let i = 0; i < 5; i++) elsewhere.after(10).attempt(0, false);
    await deliver(elsewhere.build());
    await waitForProjection(database.url);
    await evaluations(2);
    expect(at("/ok/failing")).toHaveLength(0);

    await deliver(play("failing", ago(2), options).attempt(0, false).build());
    const [hook] = await eventually(() => at("/ok/failing"), (list) => list.length >= 1, "the failing webhook");
    expect(() => new Webhook(failingRule.signing_secret).verify(hook!.body, hook!.headers)).not.toThrow();
    expect(payloadOf(hook!).alert).toMatchObject({ kind: "failing", participant_id: "al_failing", challenge_number: 1, detail: "3 failed checks on challenge 1" });

    await deliver(play("failing", ago(1), options).attempt(0, false).after(5).attempt(0, false).build());
    await waitForProjection(database.url);
    await evaluations(3);
    expect(at("/ok/failing")).toHaveLength(1);
  });

  it("sandbox_failed: one notification, resolved when the sandbox is created again, a new one when it fails again", async () => {
    const options = { track: "sandbox", invite: "al_inv_sandbox" };
    await deliver(play("sandbox", ago(3), options).sandbox("creating").after(30).sandbox("failed").build());
    const [hook] = await eventually(() => at("/ok/sandbox"), (list) => list.length >= 1, "the sandbox webhook");
    expect(() => new Webhook(sandboxRule.signing_secret).verify(hook!.body, hook!.headers)).not.toThrow();
    expect(payloadOf(hook!).alert).toMatchObject({ kind: "sandbox_failed", participant_id: "al_sandbox", challenge_number: null, detail: "sandbox failed between challenges" });
    await eventually(() => mails.filter((m) => m.to.includes("sandbox@alerts.test")), (list) => list.length === 1, "the sandbox e-mail");

    await deliver(play("sandbox", ago(2), options).sandbox("created").build());
    await eventually(
      () => sql<{ resolved: boolean }>("SELECT resolved_at IS NOT NULL AS resolved FROM alert WHERE rule_id = $1", [sandboxRule.id]),
      (rows) => rows.length === 1 && rows[0]!.resolved,
      "the sandbox alert resolved",
    );
    // Enriched meanwhile: notifications name the learner as Cairn knows them when they are sent.
    await sql("UPDATE learner SET first_name = 'Ada', last_name = 'Lovelace' WHERE id = 'al_user_sandbox'");
    await deliver(play("sandbox", ago(1), options).sandbox("failed").build());
    const hooks = await eventually(() => at("/ok/sandbox"), (list) => list.length === 2, "a second sandbox webhook");
    expect(payloadOf(hooks[1]!).text).toContain("Ada Lovelace");
    const sent = await eventually(() => mails.filter((m) => m.to.includes("sandbox@alerts.test")), (list) => list.length === 2, "a second sandbox e-mail");
    expect(sent[1]!.subject).toContain("Ada Lovelace");
    // Alerts themselves keep no name or e-mail (a purge of personal data reaches them).
    expect(await sql("SELECT id FROM alert WHERE facts->>'first_name' IS NOT NULL OR facts->>'last_name' IS NOT NULL OR facts->>'email' IS NOT NULL")).toEqual([]);
    await evaluations(2);
    expect(at("/ok/sandbox")).toHaveLength(2);
  });

  it("a receiver answering 500 gets the same message again after a backoff, with the same webhook-id", async () => {
    const rule = await createRule({ kind: "sandbox_failed", invite: "al_inv_flaky", webhook_url: `${receiverUrl}/flaky` });
    await deliver(play("flaky", ago(2), { track: "flaky", invite: "al_inv_flaky" }).sandbox("failed").build());
    const calls = await eventually(() => at("/flaky"), (list) => list.length >= 2, "the retry", 30_000);
    expect(calls[1]!.headers["webhook-id"]).toBe(calls[0]!.headers["webhook-id"]);
    expect(calls[1]!.body).toBe(calls[0]!.body);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2_000);
    for (const call of calls) expect(() => new Webhook(rule.signing_secret).verify(call.body, call.headers)).not.toThrow();
    const [job] = await eventually(
      () => sql<{ status: string; attempts: number }>("SELECT status, attempts FROM job WHERE kind = 'alert_delivery' AND payload->>'ruleId' = $1", [rule.id]),
      (rows) => rows[0]?.status === "done",
      "the delivery done",
    );
    expect(job!.attempts).toBe(2);
    await evaluations(2);
    expect(at("/flaky")).toHaveLength(2);

    const listed = await admin.get<{ notifications: { rule_id: string; status: string; attempts: number; channel: string; destination: string }[] }>("/api/settings/alerts");
    expect(listed.body.notifications.find((n) => n.rule_id === rule.id)).toMatchObject({ status: "done", attempts: 2, channel: "webhook", destination: `${receiverUrl}/…laky` });
  });

  it("a receiver that hangs delays neither projection nor other receivers' notifications", async () => {
    const hangRule = await createRule({ kind: "sandbox_failed", invite: "al_inv_hang", webhook_url: `${receiverUrl}/hang` });
    const quickRule = await createRule({ kind: "sandbox_failed", invite: "al_inv_quick", webhook_url: `${receiverUrl}/ok/quick` });
    await deliver(play("hang", ago(2), { track: "hang", invite: "al_inv_hang" }).sandbox("failed").build());
    await eventually(() => at("/hang"), (list) => list.length === 1, "the hanging request");

    // While that request hangs: events are projected at once and another rule's webhook arrives.
    const sent = Date.now();
    await deliver(play("quick", ago(2), { track: "quick", invite: "al_inv_quick" }).trackStarted().after(5).sandbox("failed").build());
    await waitForProjection(database.url, 3_000);
    const [quick] = await eventually(() => at("/ok/quick"), (list) => list.length === 1, "the other receiver's webhook", 8_000);
    expect(quick!.at - sent).toBeLessThan(8_000);
    expect(() => new Webhook(quickRule.signing_secret).verify(quick!.body, quick!.headers)).not.toThrow();
    expect(hanging).toHaveLength(1);

    // The hanging attempt times out after 10 s and is retried later.
    const [job] = await eventually(
      () => sql<{ status: string; last_error: string | null }>("SELECT status, last_error FROM job WHERE kind = 'alert_delivery' AND payload->>'ruleId' = $1", [hangRule.id]),
      (rows) => rows[0]?.last_error !== null && rows[0]?.last_error !== undefined,
      "the timeout recorded",
      20_000,
    );
    expect(job!.last_error).toMatch(/no answer within 10 s/);
    const listed = await admin.get<{ notifications: { rule_id: string; last_error: string | null; attempts: number }[] }>("/api/settings/alerts");
    expect(listed.body.notifications.find((n) => n.rule_id === hangRule.id)).toMatchObject({ last_error: expect.stringMatching(/no answer within 10 s/) });
  });

  it("lists the rules without their secrets or webhook URLs, and shows open alerts to instructors, who acknowledge them", async () => {
    const listed = await admin.get<{ rules: Record<string, unknown>[]; notifications: { rule_id: string; channel: string; destination: string | null }[] }>(
      "/api/settings/alerts",
    );
    expect(listed.status).toBe(200);
    const text = JSON.stringify(listed.body);
    for (const secret of [stuckRule.signing_secret, failingRule.signing_secret, sandboxRule.signing_secret]) expect(text).not.toContain(secret);
    expect(text).not.toContain("whsec_");
    expect(text).not.toMatch(/secret/i);
    const stuck = listed.body.rules.find((rule) => rule.id === stuckRule.id)!;
    expect(stuck).toEqual({
      id: stuckRule.id,
      kind: "stuck",
      threshold: 1,
      track: "alerts-stuck",
      invite: null,
      // The URL's origin and last four characters: incoming-webhook URLs are credentials.
      webhook_url_hint: `${receiverUrl}/…tuck`,
      email: "stuck@alerts.test",
      created_at: expect.any(String),
    });
    expect(text).not.toContain("/ok/stuck");
    const webhookNotification = listed.body.notifications.find((n) => n.rule_id === stuckRule.id && n.channel === "webhook");
    expect(webhookNotification?.destination).toBe(`${receiverUrl}/…tuck`);
    expect(listed.body.rules.find((rule) => rule.id === sandboxRule.id)).toMatchObject({ kind: "sandbox_failed", threshold: 1, invite: "al_inv_sandbox" });
    // Stored encrypted too: neither the secret nor the webhook URL's path appears in the database.
    for (const table of ["alert_rule", "audit_log", "job", "alert"]) {
      const stored = await tableText(database.url, table);
      expect(stored).not.toContain(stuckRule.signing_secret);
      expect(stored).not.toContain("/ok/stuck");
    }

    type Open = { count: number; alerts: { id: string; participant_id: string; kind: string; detail: string; challenge_number: number | null }[] };
    const open = await instructor.get<Open>("/api/alerts");
    expect(open.status).toBe(200);
    const stuckAlert = open.body.alerts.find((alert) => alert.participant_id === "al_stuck");
    expect(stuckAlert).toMatchObject({ kind: "stuck", challenge_number: 2 });
    expect(open.body.count).toBe(open.body.alerts.length);
    expect((await instructor.get<Open>("/api/alerts?invite=al_inv_failing")).body.alerts.map((alert) => alert.participant_id)).toEqual(["al_failing"]);
    expect((await instructor.get<Open>("/api/alerts?track=alerts-stuck")).body.alerts.map((alert) => alert.participant_id)).toEqual(["al_stuck"]);

    const acknowledged = await instructor.post<{ id: string; acknowledged_by: string }>(`/api/alerts/${stuckAlert!.id}/acknowledge`);
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body).toMatchObject({ id: stuckAlert!.id, acknowledged_by: expect.stringMatching(/^alerts-instructor-/) });
    expect((await instructor.post(`/api/alerts/${stuckAlert!.id}/acknowledge`)).status).toBe(200);
    const crossSite = settingsClient(app.baseUrl, instructorCookie, { origin: "https://evil.example" });
    expect((await crossSite.post(`/api/alerts/${stuckAlert!.id}/acknowledge`)).status).toBe(403);
    const after = await instructor.get<Open>("/api/alerts");
    expect(after.body.alerts.map((alert) => alert.id)).not.toContain(stuckAlert!.id);
    expect(after.body.count).toBe(open.body.count - 1);
    // Still open (the learner is still stuck), so it does not notify again.
    await evaluations(2);
    expect(at("/ok/stuck")).toHaveLength(2);
  });

  it("deletes a rule with its alerts, audited without its secret", async () => {
    const gone = await admin.delete(`/api/settings/alerts/${failingRule.id}`);
    expect(gone.status).toBe(204);
    expect((await admin.delete(`/api/settings/alerts/${failingRule.id}`)).status).toBe(404);
    expect((await admin.delete(`/api/settings/alerts/not-a-uuid`)).status).toBe(404);
    expect(await sql("SELECT id FROM alert WHERE rule_id = $1", [failingRule.id])).toEqual([]);
    const listed = await admin.get<{ rules: { id: string }[] }>("/api/settings/alerts");
    expect(listed.body.rules.map((rule) => rule.id)).not.toContain(failingRule.id);

    const audit = await sql<{ action: string; actor_email: string; target: string; details: Record<string, unknown> }>(
      "SELECT action, actor_email, target, details FROM audit_log WHERE target = $1 ORDER BY id",
      [`alert_rule:${failingRule.id}`],
    );
    expect(audit.map((entry) => entry.action)).toEqual(["alert.rule.create", "alert.rule.delete"]);
    expect(audit[1]).toMatchObject({
      actor_email: ADMIN.email,
      details: { kind: "failing", threshold: 3, track: null, invite: "al_inv_failing", webhook: `${receiverUrl}/…`, email: null },
    });
    expect(JSON.stringify(audit)).not.toContain(failingRule.signing_secret);
    const page = await admin.get<{ entries: { action: string; target: string }[] }>("/api/settings/audit?action=alert.rule.delete");
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(page.body.entries.map((entry) => entry.target)).toContain(`alert_rule:${failingRule.id}`);
  });
});
