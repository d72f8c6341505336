import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, dropDatabase, migrateDatabase, withClient } from "../support/database";
import { PlayBuilder } from "../support/events-factory";
import { startFakeInstruqt, type FakeInstruqt } from "../support/fake-instruqt";
import { waitForProjection } from "../support/projection";
import { eventually } from "../support/eventually";

/**
 * The `catalogue` job on the one queue, in-process over a database of its own on the real
 * PostgreSQL, against the fake Instruqt (a graphql-js server): events go in through the real
 * ingest path, the real projector enqueues the job for a track seen for the first time, and a
 * real JobRunner runs the real handler with the credentials saved in Settings → Enrichment. Its
 * own database because the 401 case pauses the (shared) enrichment settings.
 */

type Lib = {
  store: typeof import("@/lib/ingest/store");
  projector: typeof import("@/lib/progress/worker");
  runner: typeof import("@/lib/jobs/runner");
  job: typeof import("@/lib/catalogue/job");
  admin: typeof import("@/lib/catalogue/admin");
  read: typeof import("@/lib/catalogue/read");
  enrichment: typeof import("@/lib/enrichment/admin");
  settings: typeof import("@/lib/enrichment/settings");
  teamSlug: typeof import("@/lib/instruqt/team-slug");
  db: typeof import("@/lib/db/client");
};

let database: { name: string; url: string };
let fake: FakeInstruqt;
let lib: Lib;
let projector: import("@/lib/progress/worker").ProjectionWorker;
const runners: import("@/lib/jobs/runner").JobRunner[] = [];
const admin = { id: "admin-1", label: "admin@cairn.test" };
const uid = () => randomUUID().slice(0, 8);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(database.url, async (client) => (await client.query(text, params)).rows as T[]);


interface JobRow {
  status: string;
  attempts: number;
  run_at: Date;
  last_error: string | null;
  note: string | null;
}
const job = async (trackId: string): Promise<JobRow | undefined> => (await sql<JobRow>("SELECT * FROM job WHERE kind = 'catalogue' AND key = $1", [trackId]))[0];

/** A play of a new track, through the real ingest path and the projector. */
async function seeTrack(trackId: string, challengeIds: string[]) {
  const play = new PlayBuilder({ trackId, trackSlug: `slug-${trackId}`, participantId: `p_${trackId}`, userId: `u_${trackId}`, challengeIds, start: new Date().toISOString() });
  play.trackStarted();
  if (challengeIds.length > 0) play.after(5).challengeStarted(0);
  for (const event of play.build()) {
    await lib.store.storeDelivery({ svixId: event.svixId, payload: event.payload });
  }
  await waitForProjection(database.url);
}

function startRunner(overrides: Partial<import("@/lib/catalogue/job").CatalogueHandlerOptions> = {}) {
  const handler = lib.job.catalogueHandler({ timeoutMs: 2000, leaseMs: 10_000, maxAttempts: 3, backoff: { baseMs: 100, maxMs: 400 }, ...overrides });
  const runner = new lib.runner.JobRunner({ handlers: [handler], pollMs: 100, log: () => {} }).start();
  runners.push(runner);
  return runner;
}

async function configure({ teamSlug = fake.teamSlug as string | null, apiKey = fake.apiKey as string | null } = {}) {
  await lib.enrichment.updateEnrichmentSettings(admin, { enabled: false, graphqlUrl: fake.url, apiKey, teamSlug });
}

beforeAll(async () => {
  database = await createDatabase("cairn_catalogue");
  migrateDatabase(database.url);
  process.env.DATABASE_URL = database.url;
  process.env.NEXTAUTH_SECRET = "catalogue-test-secret-0123456789abcdef012345";
  fake = await startFakeInstruqt();
  lib = {
    store: await import("@/lib/ingest/store"),
    projector: await import("@/lib/progress/worker"),
    runner: await import("@/lib/jobs/runner"),
    job: await import("@/lib/catalogue/job"),
    admin: await import("@/lib/catalogue/admin"),
    read: await import("@/lib/catalogue/read"),
    enrichment: await import("@/lib/enrichment/admin"),
    settings: await import("@/lib/enrichment/settings"),
    teamSlug: await import("@/lib/instruqt/team-slug"),
    db: await import("@/lib/db/client"),
  };
  await configure();
  projector = new lib.projector.ProjectionWorker({ pollMs: 100, log: () => {} }).start();
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  fake.reset();
  fake.catalogueShape = "listed";
  // Nothing left due for the next test's runner.
  await sql("UPDATE job SET status = 'done' WHERE kind = 'catalogue'");
  await configure();
});

afterAll(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  await projector?.stop();
  await lib?.db.db().$disconnect();
  await fake?.close();
  if (database) await dropDatabase(database.name);
});

describe("team slug", () => {
  it("activeTeamSlug: the saved setting, else null here (INSTRUQT_TEAM_SLUG unset); a bad slug is refused naming the field", async () => {
    expect(await lib.teamSlug.activeTeamSlug()).toBe(fake.teamSlug);
    await configure({ teamSlug: null });
    expect(await lib.teamSlug.activeTeamSlug()).toBeNull();
    await expect(configure({ teamSlug: "not a slug!" })).rejects.toMatchObject({ issues: [expect.objectContaining({ path: ["teamSlug"] })] });
    const audit = await sql<{ details: { teamSlug: unknown } }>(
      "SELECT details FROM audit_log WHERE action = 'enrichment.settings.update' ORDER BY id DESC LIMIT 1",
    );
    expect(audit[0]!.details.teamSlug).toEqual({ from: fake.teamSlug, to: null });
  });
});

describe("the catalogue job", () => {
  it("a track first seen gets a job in the projector's transaction; its titles arrive; the job comes back in a day", async () => {
    const track = `trk_${uid()}`;
    fake.setTrack(track, {
      slug: `slug-${track}`,
      title: "Getting Started with Prometheus",
      teaser: "Metrics from zero",
      level: "beginner",
      challenges: [
        { id: `${track}_c0`, slug: "install", title: "Install Prometheus", index: 0 },
        { id: `${track}_c1`, slug: "scrape", title: "Scrape a target", index: 1 },
      ],
    });
    await seeTrack(track, [`${track}_c0`, `${track}_c1`]);
    expect(await job(track)).toMatchObject({ status: "pending", attempts: 0 });

    startRunner();
    const done = await eventually(() => job(track), (row) => row?.note !== null && row?.note !== undefined, "the job to finish").then((row) => row!);
    expect(done.status).toBe("pending");
    expect(done.run_at.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const entry = await lib.read.trackCatalogue(track);
    expect(entry).toMatchObject({ shownTitle: "Getting Started with Prometheus", teaser: "Metrics from zero", level: "beginner", error: null });
    expect(entry.challenges.map((c) => [c.challengeId, c.title, c.index])).toEqual([
      [`${track}_c0`, "Install Prometheus", 0],
      [`${track}_c1`, "Scrape a target", 1],
    ]);
    // The team slug went to Instruqt with the query, and the raw answer is kept.
    expect(fake.requestsForTrack(track)).toHaveLength(1);
    const raw = await sql<{ raw: { data: { track: { title: string } } } }>("SELECT raw FROM track_catalogue WHERE track_id = $1", [track]);
    expect(raw[0]!.raw.data.track.title).toBe("Getting Started with Prometheus");

    // More events of the known track add no second job and do not re-arm it.
    await seeTrack(track, [`${track}_c0`]);
    expect((await job(track))!.run_at.getTime()).toBe(done.run_at.getTime());
  });

  it("a hand-set title wins and survives a refresh; Instruqt's title changes underneath it", async () => {
    const track = `trk_${uid()}`;
    fake.setTrack(track, { title: "Old title", challenges: [{ id: `${track}_c0`, title: "Old challenge", index: 0 }] });
    await seeTrack(track, [`${track}_c0`]);
    startRunner();
    await eventually(() => lib.read.trackCatalogue(track), (entry) => entry.title === "Old title", "the first fetch");

    await lib.admin.setDisplayTitles(admin, track, { title: "Our name", challenges: { [`${track}_c0`]: "Our challenge" } });
    fake.setTrack(track, { title: "New title", challenges: [{ id: `${track}_c0`, title: "New challenge", index: 0 }] });
    expect(await lib.admin.refreshAllTitles(admin)).toBeGreaterThanOrEqual(1);
    const entry = await eventually(() => lib.read.trackCatalogue(track), (e) => e.title === "New title", "the refresh");
    expect(entry).toMatchObject({ shownTitle: "Our name", displayTitle: "Our name" });
    expect(entry.challenges[0]).toMatchObject({ title: "New challenge", displayTitle: "Our challenge" });
    expect(lib.read.shownChallengeTitles(entry).get(`${track}_c0`)).toBe("Our challenge");

    // Removing the hand-set title shows Instruqt's again.
    await lib.admin.setDisplayTitles(admin, track, { title: "" });
    expect((await lib.read.trackCatalogue(track)).shownTitle).toBe("New title");
    const audit = await sql("SELECT action, target FROM audit_log WHERE action LIKE 'catalogue.%' AND (target = $1 OR target = 'catalogue')", [track]);
    expect(audit.map((row) => row.action)).toEqual(expect.arrayContaining(["catalogue.titles.update", "catalogue.refresh"]));
  });

  it("hand-set titles: unknown challenge and bad values are refused naming the field; an unknown track is 404", async () => {
    const track = `trk_${uid()}`;
    await seeTrack(track, [`${track}_c0`]);
    await expect(lib.admin.setDisplayTitles(admin, track, { challenges: { nope: "x" } })).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: ["challenges", "nope"] })],
    });
    await expect(lib.admin.setDisplayTitles(admin, track, { title: "x".repeat(201) })).rejects.toMatchObject({ issues: [expect.objectContaining({ path: ["title"] })] });
    await expect(lib.admin.setDisplayTitles(admin, `missing_${uid()}`, { title: "x" })).rejects.toMatchObject({ status: 404 });
  });

  it("429: waits Retry-After without using an attempt, then fetches", async () => {
    const track = `trk_${uid()}`;
    fake.setTrack(track, { title: "Rate limited track", challenges: [] });
    fake.next({ kind: "rate-limit", retryAfter: "2" }, { trackId: track });
    await seeTrack(track, []);
    startRunner();
    const released = await eventually(() => job(track), (row) => row?.last_error?.includes("429") ?? false, "the 429 to be recorded").then((row) => row!);
    expect(released).toMatchObject({ status: "pending", attempts: 0 });
    expect(released.run_at.getTime()).toBeGreaterThan(Date.now() + 1000);
    await eventually(() => lib.read.trackCatalogue(track), (entry) => entry.title === "Rate limited track", "the fetch after the wait", 10_000);
    const [limited, ok] = fake.requestsForTrack(track);
    expect(ok!.at - limited!.at).toBeGreaterThanOrEqual(1900);
  });

  it("401: pauses (shown on Settings → Enrichment), sends nothing more until the settings are saved again", async () => {
    const track = `trk_${uid()}`;
    fake.setTrack(track, { title: "After the pause", challenges: [] });
    fake.next({ kind: "status", status: 401, body: JSON.stringify({ errors: [{ message: "unauthorized" }] }) }, { trackId: track });
    await seeTrack(track, []);
    startRunner();
    const paused = await eventually(() => lib.settings.loadEnrichmentSettings(), (s) => s.paused !== null, "the pause");
    expect(paused.paused!.message).toContain("401");
    expect((await job(track))!.status).toBe("pending");
    expect(await lib.job.catalogueCredentials()).toBeNull();
    const before = fake.requests.length;
    await sleep(500);
    expect(fake.requests.length).toBe(before);

    await configure(); // an admin saves the settings: the pause is lifted
    await eventually(() => lib.read.trackCatalogue(track), (entry) => entry.title === "After the pause", "the fetch after the pause");
  });

  it("a schema mismatch (challenges not a list) is recorded with the raw answer and fails the job, no retry", async () => {
    const track = `trk_${uid()}`;
    fake.catalogueShape = "paged";
    fake.setTrack(track, { title: "Paged", challenges: [{ id: `${track}_c0`, title: "x", index: 0 }] });
    await seeTrack(track, []);
    startRunner();
    const failed = await eventually(() => job(track), (row) => row?.status === "failed", "the job to fail").then((row) => row!);
    expect(failed.attempts).toBe(1);
    expect(failed.last_error).toContain("Cannot query field");
    const problems = await lib.read.catalogueProblems();
    const problem = problems.find((p) => p.trackId === track)!;
    expect(problem.error).toContain("Cannot query field");
    expect(problem.raw).toContain("Cannot query field");
    expect(fake.requestsForTrack(track)).toHaveLength(1);
  });

  it("an answer of the wrong shape (challenges an object) is a mismatch too; a later good fetch clears it", async () => {
    const track = `trk_${uid()}`;
    fake.setTrack(track, { title: "Fixed later", challenges: [] });
    fake.next(
      { kind: "malformed", contentType: "application/json", body: JSON.stringify({ data: { track: { id: track, title: "T" }, challenges: { items: [] } } }) },
      { trackId: track },
    );
    await seeTrack(track, []);
    startRunner();
    await eventually(() => job(track), (row) => row?.status === "failed", "the job to fail");
    const problem = (await lib.read.catalogueProblems()).find((p) => p.trackId === track)!;
    expect(problem.error).toMatch(/expected shape \(challenges: /);
    expect(problem.raw).toContain('"items"');

    await lib.admin.refreshAllTitles(admin);
    await eventually(() => lib.read.trackCatalogue(track), (entry) => entry.title === "Fixed later" && entry.error === null, "the good fetch");
  });

  it("does not run without a team slug; a track Instruqt does not know is recorded, not retried", async () => {
    await configure({ teamSlug: null });
    const track = `trk_${uid()}`;
    await seeTrack(track, []);
    startRunner();
    await sleep(400);
    expect(fake.requestsForTrack(track)).toHaveLength(0);
    await configure();
    const done = await eventually(() => job(track), (row) => row?.note === "track not found", "the lookup").then((row) => row!);
    expect(done.status).toBe("pending");
    expect((await lib.read.trackCatalogue(track)).error).toContain("does not know track");
  });
});
