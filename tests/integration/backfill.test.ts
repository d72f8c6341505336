import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { hashPassword } from "@/lib/auth/password";
import { withClient } from "../support/database";
import { PlayBuilder } from "../support/events-factory";
import { startFakeInstruqt, type FakeInstruqt, type FakePlayReport } from "../support/fake-instruqt";
import { TEST_ADMIN, TEST_AUTH_SECRET } from "../support/integration-setup";
import { signIn, withSession } from "../support/session";
import { deliver } from "./dashboard-support";

/**
 * Backfill from Instruqt's playReports, end to end: requests over HTTP to the shared app, the job
 * run by a JobRunner in this process (the shared app runs CAIRN_WORKER=projector, so it queues
 * backfills but never runs them) against the same database, and a real graphql-js server standing
 * in for Instruqt (tests/support/fake-instruqt.ts) with paging, a 429, a 401 and a schema mismatch.
 * What the backfill added is then read back through the pages, the funnel API and the CSVs.
 */

const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");
process.env.DATABASE_URL = databaseUrl;
// The app's secret: the API key saved through the app is decrypted here with the same key.
process.env.NEXTAUTH_SECRET = TEST_AUTH_SECRET;
process.env.INSTRUQT_TEAM_SLUG = "cairn-test-team";

const { JobRunner } = await import("@/lib/jobs/runner");
const { backfillJobHandler } = await import("@/lib/backfill/job");
const { reprojectAll } = await import("@/lib/progress/reproject");
const { db } = await import("@/lib/db/client");

const api = `${baseUrl}/api/settings/backfill`;
const u = randomUUID().slice(0, 8);
const TRACK = `bf_${u}_track`;
const SLUG = `bf-${u}-slug`;
const OTHER_TRACK = `bf_${u}_other`;
const INVITE = `bf_${u}_inv`;
const CHALLENGES = [`bf_${u}_c0`, `bf_${u}_c1`, `bf_${u}_c2`];
const API_KEY = `bf-api-key-${randomUUID()}`;
const id = (name: string) => `bf_${u}_${name}`;

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(databaseUrl, async (client) => (await client.query(text, params)).rows as T[]);

let fake: FakeInstruqt;
let runner: InstanceType<typeof JobRunner>;
let asAdmin: ReturnType<typeof withSession>;
let asInstructor: ReturnType<typeof withSession>;
const instructor = { email: `bf-instructor-${u}@cairn.test`, password: "instructor password 1234" };

const send = (fetcher: ReturnType<typeof withSession> | typeof fetch, url: string, method: string, body?: unknown) =>
  fetcher(url, {
    method,
    headers: { "content-type": "application/json", origin: baseUrl },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });

interface Status {
  id: string;
  status: string;
  pages_done: number;
  plays_seen: number;
  plays_added: number;
  error: string | null;
}

async function start(body: unknown): Promise<string> {
  const response = await send(asAdmin, api, "POST", body);
  const text = await response.text();
  expect(response.status, text).toBe(202);
  const { id: backfillId } = JSON.parse(text) as { id: string };
  expect(backfillId).toMatch(/^[0-9a-f-]{36}$/);
  return backfillId;
}

async function status(backfillId: string): Promise<Status> {
  const response = await asAdmin(`${api}/${backfillId}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Status;
}

/** Polls GET /api/settings/backfill/[id] until it is done or failed, with a deadline. */
async function finished(backfillId: string, timeoutMs = 30_000): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await status(backfillId);
    if (current.status === "done" || current.status === "failed") return current;
    if (Date.now() > deadline) throw new Error(`backfill ${backfillId} still ${current.status}: ${JSON.stringify(current)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const report = (name: string, fields: Partial<FakePlayReport> & { startedAt: string; userId: string }): FakePlayReport => ({
  id: id(name),
  trackId: TRACK,
  inviteId: null,
  totalChallenges: 3,
  ...fields,
});

// Webhook plays (2024-06-10): P1 completed challenge 0 only; P2 only started.
const webhookP1 = new PlayBuilder({ participantId: id("p1"), userId: id("u1"), trackId: TRACK, trackSlug: SLUG, challengeIds: CHALLENGES, start: "2024-06-10T09:00:00Z", svixPrefix: `msg_${id("p1")}_` })
  .trackStarted().after(10).challengeStarted(0).after(60).attempt(0, true).challengeCompleted(0);
const webhookP2 = new PlayBuilder({ participantId: id("p2"), userId: id("u2"), trackId: TRACK, trackSlug: SLUG, challengeIds: CHALLENGES, start: "2024-06-10T10:00:00Z", svixPrefix: `msg_${id("p2")}_` })
  .trackStarted();

// The reports Instruqt holds. R1 is P1 (same id, other figures); R2 is P2 under another id,
// started 30 s later; R3–R5 are plays Cairn never saw; R6 is outside the range.
const REPORTS: FakePlayReport[] = [
  report("p1", { userId: id("u1"), startedAt: "2024-06-10T09:00:00Z", completionPercent: 100, completedChallenges: 3, timeSpent: 999 }),
  report("r2", { userId: id("u2"), startedAt: "2024-06-10T10:00:30Z", completionPercent: 0, completedChallenges: 0 }),
  report("r3", {
    userId: id("u3"),
    inviteId: INVITE,
    startedAt: "2024-06-10T11:00:00Z",
    completionPercent: 100,
    completedChallenges: 3,
    timeSpent: 900,
    mode: "platform",
    activity: [{ time: "2024-06-10T11:15:00Z", message: "Track completed" }],
    review: { id: id("rev3"), score: 5, content: "Loved it" },
    customParameters: { cohort: "backfilled" },
  }),
  report("r4", { userId: id("u4"), startedAt: "2024-06-10T12:00:00Z", completionPercent: 33, completedChallenges: 1, timeSpent: 300, stoppedReason: "stopped" }),
  report("r5", { userId: id("u5"), startedAt: "2024-06-11T08:00:00Z", completionPercent: 67, completedChallenges: 2, timeSpent: 600 }),
  report("r6", { userId: id("u6"), startedAt: "2024-07-01T08:00:00Z", completionPercent: 0, completedChallenges: 0 }),
];
const RANGE = { from: "2024-06-10", to: "2024-06-11" };

beforeAll(async () => {
  fake = await startFakeInstruqt({ apiKey: API_KEY });
  fake.addPlayReports(...REPORTS);
  await sql("INSERT INTO app_user (id, email, password_hash, role, updated_at) VALUES ($1, $2, $3, 'instructor', now())", [
    id("instructor"),
    instructor.email,
    await hashPassword(instructor.password),
  ]);
  asAdmin = withSession(await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));
  asInstructor = withSession(await signIn(baseUrl, instructor.email, instructor.password));
  await deliver(baseUrl, [...webhookP1.build(), ...webhookP2.build()]);
  runner = new JobRunner({ handlers: [backfillJobHandler({ pageSize: 2, backoff: { baseMs: 200, maxMs: 1_000 } })], pollMs: 100, log: () => undefined }).start();
});

afterAll(async () => {
  await runner?.stop();
  await fake?.close();
  await db().$disconnect();
});

const saveApiKey = async (apiKey: string | null) => {
  const response = await send(asAdmin, `${baseUrl}/api/settings/enrichment`, "PUT", { enabled: false, graphqlUrl: fake.url, apiKey });
  expect(response.status, await response.clone().text()).toBe(200);
};

describe("who may start and read backfills", () => {
  it("answers 401 without a session and 403 to instructors, and the page is admins' only", async () => {
    expect((await send(fetch, api, "POST", RANGE)).status).toBe(401);
    expect((await send(asInstructor, api, "POST", RANGE)).status).toBe(403);
    expect((await fetch(`${api}/${randomUUID()}`)).status).toBe(401);
    expect((await asInstructor(`${api}/${randomUUID()}`)).status).toBe(403);
    expect((await asInstructor(api)).status).toBe(403);
    const page = await asInstructor(`${baseUrl}/settings/backfill`);
    expect(page.status === 403 || (page.status >= 300 && page.status < 400), `instructor page: ${page.status}`).toBe(true);
    expect(await sql("SELECT 1 FROM backfill WHERE requested_by = $1", [instructor.email])).toHaveLength(0);
  });
});

describe("refusals", () => {
  it("refuses a backfill while Cairn has no Instruqt API key: 409 naming what is missing", async () => {
    await saveApiKey(null);
    const before = await sql<{ n: number }>("SELECT count(*)::int AS n FROM backfill");
    const response = await send(asAdmin, api, "POST", RANGE);
    expect(response.status).toBe(409);
    expect((await response.json()).message).toMatch(/API key/);
    expect(await sql<{ n: number }>("SELECT count(*)::int AS n FROM backfill")).toEqual(before);
    await saveApiKey(API_KEY);
  });

  it.each([
    ["from missing", { to: "2024-06-11" }, "from"],
    ["to missing", { from: "2024-06-10" }, "to"],
    ["from not a date", { from: "yesterday", to: "2024-06-11" }, "from"],
    ["to an impossible date", { from: "2024-06-10", to: "2024-13-40" }, "to"],
    ["to a date-time without offset", { from: "2024-06-10", to: "2024-06-11T10:00:00" }, "to"],
    ["from after to", { from: "2024-06-12", to: "2024-06-11" }, "from"],
    ["tracks not an array", { ...RANGE, tracks: "abc" }, "tracks"],
    ["an empty track id", { ...RANGE, tracks: [""] }, "tracks.0"],
    ["an invite id that is not a string", { ...RANGE, invites: [42] }, "invites.0"],
    ["an unknown field", { ...RANGE, track: ["x"] }, "body"],
  ])("400 for %s, naming the field, and nothing is queued", async (_name, body, field) => {
    const before = await sql<{ n: number }>("SELECT count(*)::int AS n FROM job WHERE kind = 'backfill'");
    const response = await send(asAdmin, api, "POST", body);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { message: string; fields: Record<string, string> };
    expect(Object.keys(problem.fields)).toContain(field);
    expect(problem.message).toContain(field === "body" ? "track" : field);
    expect(await sql<{ n: number }>("SELECT count(*)::int AS n FROM job WHERE kind = 'backfill'")).toEqual(before);
  });

  it("400 for a body that is not JSON", async () => {
    expect((await send(asAdmin, api, "POST", "{not json")).status).toBe(400);
  });

  it("GET answers 400 for an id that is not a backfill id and 404 for an unknown one", async () => {
    const bad = await asAdmin(`${api}/not-a-uuid`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/id/);
    expect((await asAdmin(`${api}/${randomUUID()}`)).status).toBe(404);
  });
});

describe("a backfill", () => {
  let first: Status;

  it("pages through playReports and adds only the plays webhooks have not seen", async () => {
    await saveApiKey(API_KEY);
    fake.playReportCalls.length = 0;
    const backfillId = await start(RANGE);
    expect(["pending", "running", "done"]).toContain((await status(backfillId)).status);
    first = await finished(backfillId);
    // Five reports in range, two a page: three pages; R1 and R2 are P1 and P2.
    expect(first).toEqual({ id: backfillId, status: "done", pages_done: 3, plays_seen: 5, plays_added: 3, error: null });
    expect(fake.playReportCalls.map((call) => call.pagination)).toEqual([
      { skip: 0, take: 2 },
      { skip: 2, take: 2 },
      { skip: 4, take: 2 },
    ]);
    expect(fake.playReportCalls[0]).toMatchObject({
      teamSlug: "cairn-test-team",
      dateRangeFilter: { from: "2024-06-10T00:00:00.000Z", to: "2024-06-11T23:59:59.999Z" },
      trackIds: [],
      trackInviteIds: [],
    });
    const audit = await sql("SELECT action, actor_email FROM audit_log WHERE target = $1", [backfillId]);
    expect(audit).toEqual([{ action: "backfill.started", actor_email: TEST_ADMIN.email }]);
  });

  it("keeps every report raw, once per report id", async () => {
    const rows = await sql<{ id: string; raw: { id: string; completionPercent: number } }>(
      "SELECT id, raw FROM play_report WHERE id LIKE $1 ORDER BY id",
      [`bf_${u}_%`],
    );
    expect(rows.map((row) => row.id)).toEqual([id("p1"), id("r2"), id("r3"), id("r4"), id("r5")]);
    expect(rows[2]!.raw).toMatchObject({ id: id("r3"), completionPercent: 100, customParameters: [{ key: "cohort", value: "backfilled" }] });
  });

  it("writes the report's figures on the added plays, and leaves webhook plays as their events say", async () => {
    const plays = await sql<Record<string, unknown>>(
      `SELECT id, user_id, source::text, status::text, challenges_completed, total_challenges, progress_percent, time_spent_seconds,
              invite_id, mode, custom_parameters, started_at, completed_at, stopped_at, last_activity_at, event_count
       FROM participant WHERE track_id = $1 ORDER BY id`,
      [TRACK],
    );
    expect(plays.map((play) => [play.id, play.source, play.status])).toEqual([
      [id("p1"), "webhook", "in_progress"],
      [id("p2"), "webhook", "started"],
      [id("r3"), "report", "completed"],
      [id("r4"), "report", "stopped"],
      [id("r5"), "report", "in_progress"],
    ]);
    expect(plays[0]).toMatchObject({ challenges_completed: 1, time_spent_seconds: expect.any(Number) });
    expect(plays[0]!.time_spent_seconds).not.toBe(999);
    expect(plays[2]).toMatchObject({
      user_id: id("u3"),
      challenges_completed: 3,
      total_challenges: 3,
      progress_percent: 100,
      time_spent_seconds: 900,
      invite_id: INVITE,
      mode: "platform",
      custom_parameters: { cohort: "backfilled" },
      started_at: new Date("2024-06-10T11:00:00Z"),
      completed_at: new Date("2024-06-10T11:15:00Z"),
      last_activity_at: new Date("2024-06-10T11:15:00Z"),
      event_count: 0,
    });
    expect(plays[3]).toMatchObject({ challenges_completed: 1, progress_percent: 33, stopped_at: expect.any(Date) });
    expect(plays[4]).toMatchObject({ challenges_completed: 2, progress_percent: 67, completed_at: null, stopped_at: null });
    expect(await sql("SELECT id, score, content FROM review WHERE id = $1", [id("rev3")])).toEqual([{ id: id("rev3"), score: 5, content: "Loved it" }]);
    expect(await sql("SELECT count(*)::int AS n FROM challenge_progress WHERE participant_id = ANY($1)", [[id("r3"), id("r4"), id("r5")]])).toEqual([{ n: 0 }]);
  });

  it("shows backfilled plays on the learners list and the learner's page, marked as from a report", async () => {
    const list = await asAdmin(`${baseUrl}/learners?track=${SLUG}`);
    expect(list.status).toBe(200);
    const html = await list.text();
    for (const user of ["u1", "u2", "u3", "u4", "u5"]) expect(html).toContain(id(user));
    expect(html.match(/data-source="report"/g)).toHaveLength(3);
    const learner = await (await asAdmin(`${baseUrl}/learners/${id("u3")}`)).text();
    expect(learner).toContain("From report");
    const webhookLearner = await (await asAdmin(`${baseUrl}/learners/${id("u1")}`)).text();
    expect(webhookLearner).not.toContain('data-source="report"');
  });

  it("counts backfilled plays in the track's funnel totals", async () => {
    const response = await asAdmin(`${baseUrl}/api/tracks/${SLUG}/funnel`);
    expect(response.status).toBe(200);
    const funnel = (await response.json()) as { starters: number; completed: number; challenges: { number: number; reached: number; working: number; gave_up: number }[] };
    expect(funnel.starters).toBe(5);
    expect(funnel.completed).toBe(1);
    // Per challenge, only P1 (the one play with challenge events) reached anything.
    expect(funnel.challenges.map((step) => step.reached)).toEqual([1, 0, 0]);
    // R4 stopped after one challenge, R5 works on its third, by their completed counts.
    const gaveUp = funnel.challenges.map((step) => step.gave_up);
    const working = funnel.challenges.map((step) => step.working);
    expect(gaveUp.reduce((a, b) => a + b, 0) + working.reduce((a, b) => a + b, 0) + funnel.completed).toBe(5);
    expect(funnel.challenges[1]!.gave_up + funnel.challenges[1]!.working).toBeGreaterThanOrEqual(2);
    expect(funnel.challenges[2]!.gave_up + funnel.challenges[2]!.working).toBeGreaterThanOrEqual(1);
  });

  it("lists backfilled plays in progress.csv with the report's figures and no extra column", async () => {
    const response = await asAdmin(`${baseUrl}/api/export/progress.csv?track=${TRACK}`);
    expect(response.status).toBe(200);
    const lines = (await response.text()).replace(/^\uFEFF/, "").trim().split(/\r?\n/);
    expect(lines[0]).not.toContain("source");
    expect(lines[0]).toContain("param_cohort");
    expect(lines).toHaveLength(6);
    const r3 = lines.find((line) => line.startsWith(`${id("r3")},`))!;
    expect(r3).toContain(`,${INVITE},platform,completed,3,3,100,`);
    expect(r3).toContain("2024-06-10T11:00:00.000Z,2024-06-10T11:15:00.000Z,2024-06-10T11:15:00.000Z,900,");
    expect(r3.endsWith(",backfilled") || r3.includes(",backfilled,")).toBe(true);
  });

  it("lists backfilled plays in challenges.csv as one row each with the challenge columns empty", async () => {
    const response = await asAdmin(`${baseUrl}/api/export/challenges.csv?track=${TRACK}`);
    expect(response.status).toBe(200);
    const lines = (await response.text()).replace(/^\uFEFF/, "").trim().split(/\r?\n/);
    expect(lines[0]).not.toContain("source");
    const plays = lines.slice(1).map((line) => line.split(",")[0]);
    // P1's challenge rows; P2 (webhook, no challenge yet) has none; each report play one.
    expect(plays.filter((play) => play === id("p1")).length).toBeGreaterThan(0);
    expect(plays).not.toContain(id("p2"));
    for (const name of ["r3", "r4", "r5"]) {
      const rows = lines.filter((line) => line.startsWith(`${id(name)},`));
      expect(rows, name).toHaveLength(1);
      expect(rows[0]).toMatch(new RegExp(`^${id(name)},${id(name.replace("r", "u"))},${TRACK},${SLUG},,,,,,,,,,`));
    }
  });

  it("adds nothing when run again: every play is seen, none added", async () => {
    const again = await finished(await start(RANGE));
    expect(again).toMatchObject({ status: "done", pages_done: 3, plays_seen: 5, plays_added: 0, error: null });
    expect(await sql("SELECT count(*)::int AS n FROM participant WHERE track_id = $1", [TRACK])).toEqual([{ n: 5 }]);
    expect(await sql("SELECT count(*)::int AS n FROM play_report WHERE id LIKE $1", [`bf_${u}_%`])).toEqual([{ n: 5 }]);
  });

  it("asks Instruqt for the tracks and invites given", async () => {
    fake.playReportCalls.length = 0;
    const filtered = await finished(await start({ ...RANGE, invites: [INVITE] }));
    expect(filtered).toMatchObject({ status: "done", plays_seen: 1, plays_added: 0 });
    expect(fake.playReportCalls[0]).toMatchObject({ trackInviteIds: [INVITE], trackIds: [] });
  });

  it("keeps backfilled plays through a reproject", async () => {
    await reprojectAll(db(), { restart: true });
    const plays = await sql("SELECT id, source::text, status::text FROM participant WHERE track_id = $1 ORDER BY id", [TRACK]);
    expect(plays).toEqual([
      { id: id("p1"), source: "webhook", status: "in_progress" },
      { id: id("p2"), source: "webhook", status: "started" },
      { id: id("r3"), source: "report", status: "completed" },
      { id: id("r4"), source: "report", status: "stopped" },
      { id: id("r5"), source: "report", status: "in_progress" },
    ]);
  });

  it("lets later webhook events win: under the report's id, or as the same user's play of the track started alongside", async () => {
    // R5's own id: the projector's result replaces the report's.
    const sameId = new PlayBuilder({ participantId: id("r5"), userId: id("u5"), trackId: TRACK, trackSlug: SLUG, challengeIds: CHALLENGES, start: "2024-06-11T08:00:00Z", svixPrefix: `msg_${id("r5")}_` })
      .trackStarted();
    // R4 under another participant id, started 20 s after the report says.
    const otherId = new PlayBuilder({ participantId: id("w4"), userId: id("u4"), trackId: TRACK, trackSlug: SLUG, challengeIds: CHALLENGES, start: "2024-06-10T12:00:20Z", svixPrefix: `msg_${id("w4")}_` })
      .trackStarted().after(5).challengeStarted(0);
    await deliver(baseUrl, [...sameId.build(), ...otherId.build()]);
    const plays = await sql("SELECT id, source::text, status::text, challenges_completed FROM participant WHERE track_id = $1 ORDER BY id", [TRACK]);
    expect(plays).toEqual([
      { id: id("p1"), source: "webhook", status: "in_progress", challenges_completed: 1 },
      { id: id("p2"), source: "webhook", status: "started", challenges_completed: 0 },
      { id: id("r3"), source: "report", status: "completed", challenges_completed: 3 },
      { id: id("r5"), source: "webhook", status: "started", challenges_completed: 0 },
      { id: id("w4"), source: "webhook", status: "in_progress", challenges_completed: 0 },
    ]);
    // And a backfill run after that adds neither back.
    const again = await finished(await start(RANGE));
    expect(again).toMatchObject({ status: "done", plays_seen: 5, plays_added: 0 });
    expect(await sql("SELECT count(*)::int AS n FROM participant WHERE track_id = $1", [TRACK])).toEqual([{ n: 5 }]);
  });
});

describe("a backfill interrupted", () => {
  it("resumes at the page it was on when its worker stops mid-run, not from scratch", async () => {
    const resumeTrack = `${TRACK}_resume`;
    fake.addPlayReports(
      ...["s1", "s2", "s3"].map((name, index) =>
        report(name, { trackId: resumeTrack, userId: id(`su${index}`), startedAt: `2024-06-10T1${index}:45:00Z`, completionPercent: 0, completedChallenges: 0 }),
      ),
    );
    fake.reset();
    fake.playReportCalls.length = 0;
    // The first page answers; the second is held until the worker goes away.
    fake.next({ kind: "ok" }).next({ kind: "hold" });
    const backfillId = await start({ ...RANGE, tracks: [resumeTrack] });
    await fake.waitFor(() => fake.heldCount === 1, 20_000, "the second page to be asked for");
    await runner.stop();
    const stopped = await status(backfillId);
    expect(stopped).toMatchObject({ status: "pending", pages_done: 1, plays_seen: 2, plays_added: 2 });

    runner = new JobRunner({ handlers: [backfillJobHandler({ pageSize: 2, backoff: { baseMs: 200, maxMs: 1_000 } })], pollMs: 100, log: () => undefined }).start();
    const done = await finished(backfillId);
    expect(done).toMatchObject({ status: "done", pages_done: 2, plays_seen: 3, plays_added: 3 });
    expect(fake.playReportCalls.map((call) => call.pagination?.skip)).toEqual([0, 2]);
    expect(await sql("SELECT attempts FROM job WHERE kind = 'backfill' AND key = $1", [backfillId])).toEqual([{ attempts: 1 }]);
  });
});

describe("when Instruqt says no", () => {
  const otherReports = ["o1", "o2", "o3"].map((name, index) =>
    report(name, { trackId: OTHER_TRACK, userId: id(`ou${index}`), startedAt: `2024-06-10T1${index}:30:00Z`, completionPercent: 0, completedChallenges: 0 }),
  );

  it("waits out a 429 for its Retry-After without using an attempt, then finishes", async () => {
    fake.addPlayReports(...otherReports);
    fake.reset();
    fake.next({ kind: "rate-limit", retryAfter: "1" });
    const backfillId = await start({ ...RANGE, tracks: [OTHER_TRACK] });
    const done = await finished(backfillId);
    expect(done).toMatchObject({ status: "done", pages_done: 2, plays_seen: 3, plays_added: 3, error: null });
    const [limited, retried] = fake.requests;
    expect(limited!.behaviour).toBe("rate-limit");
    expect(retried!.at - limited!.answeredAt!).toBeGreaterThanOrEqual(900);
    expect(fake.playReportCalls.at(-1)).toMatchObject({ trackIds: [OTHER_TRACK] });
    expect(await sql("SELECT attempts FROM job WHERE kind = 'backfill' AND key = $1", [backfillId])).toEqual([{ attempts: 1 }]);
  });

  it("fails visibly when Instruqt refuses the API key (401)", async () => {
    fake.reset();
    fake.next({ kind: "status", status: 401, body: JSON.stringify({ errors: [{ message: "unauthorized" }] }) });
    const backfillId = await start(RANGE);
    const failed = await finished(backfillId);
    expect(failed).toMatchObject({ status: "failed", pages_done: 0, plays_added: 0 });
    expect(failed.error).toMatch(/refused the API key \(HTTP 401\)/);
    const page = await (await asAdmin(`${baseUrl}/settings/backfill`)).text();
    expect(page).toContain(`data-backfill-id="${backfillId}"`);
    expect(page).toContain("refused the API key (HTTP 401)");
  });

  it("fails with the mismatch named when Instruqt's schema differs, keeping its answer", async () => {
    fake.reset();
    fake.playReportsShape = "renamed";
    try {
      const backfillId = await start(RANGE);
      const failed = await finished(backfillId);
      expect(failed.status).toBe("failed");
      expect(failed.error).toMatch(/Cannot query field "completionPercent"/);
      const [row] = await sql<{ mismatch: { message: string; answer: { errors: { message: string }[] } } }>("SELECT mismatch FROM backfill WHERE id = $1", [backfillId]);
      expect(row!.mismatch.answer.errors[0]!.message).toMatch(/completionPercent/);
      const page = await (await asAdmin(`${baseUrl}/settings/backfill`)).text();
      expect(page).toContain("Instruqt refused Cairn&#x27;s playReports query");
      expect(page).toContain("answer, as received");
    } finally {
      fake.playReportsShape = "normal";
    }
  });

  it("fails with the item and field named when a report lacks what Cairn needs", async () => {
    fake.reset();
    const broken = report("broken", { trackId: `${OTHER_TRACK}_broken`, userId: id("ub"), startedAt: null as unknown as string });
    fake.addPlayReports(broken);
    const backfillId = await start({ ...RANGE, tracks: [`${OTHER_TRACK}_broken`] });
    const failed = await finished(backfillId);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/items\.0\.startedAt/);
    const [row] = await sql<{ mismatch: { answer: { playReports: { items: { id: string }[] } } } }>("SELECT mismatch FROM backfill WHERE id = $1", [backfillId]);
    expect(row!.mismatch.answer.playReports.items[0]!.id).toBe(id("broken"));
    expect(await sql("SELECT 1 FROM participant WHERE id = $1", [id("broken")])).toHaveLength(0);
  });
});
