import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createUser, settingsClient } from "./admin-helpers";
import { PlayBuilder } from "../support/events-factory";
import { startFakeInstruqt, type FakeInstruqt } from "../support/fake-instruqt";
import { TEST_ADMIN } from "../support/integration-setup";
import { waitForProjection } from "../support/projection";
import { signIn, withSession } from "../support/session";
import { sendEvent } from "../support/webhooks";

/**
 * Titles through the real app: a track first seen through signed webhooks gets its catalogue job
 * from the app's projector; the shared app runs CAIRN_WORKER=projector (no job runner), so this
 * file runs a real JobRunner in-process over the same database with the real catalogue handler,
 * its credentials pointed at the fake Instruqt (the shared settings are left alone: other files
 * test them). Then pages, GET /api/live and the CSVs show the titles, PUT /api/tracks/[key]/titles
 * sets hand-set ones, and Settings → Enrichment shows an answer Cairn could not read.
 */

const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");
process.env.DATABASE_URL = databaseUrl;
process.env.NEXTAUTH_SECRET ??= "catalogue-http-test-secret-0123456789abcdef";
const { JobRunner } = await import("@/lib/jobs/runner");
const { catalogueHandler } = await import("@/lib/catalogue/job");
const { db } = await import("@/lib/db/client");

const run = randomUUID().slice(0, 8);
const TRACK = `cat_trk_${run}`;
const SLUG = `catalogue-track-${run}`;
const CHALLENGES = [`cat_c0_${run}`, `cat_c1_${run}`];
const BROKEN = `cat_broken_${run}`;

let fake: FakeInstruqt;
let runner: import("@/lib/jobs/runner").JobRunner;
let session: ReturnType<typeof withSession>;
let adminCookie: string;

const eventuallyTrue = async (check: () => Promise<boolean>, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

async function put(path: string, body: unknown, cookie: string | null = adminCookie): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: "PUT",
    redirect: "manual",
    headers: { ...(cookie ? { cookie } : {}), origin: baseUrl, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

async function shownTitle(trackId: string): Promise<string | null> {
  const row = await db().trackCatalogue.findUnique({ where: { trackId } });
  return row?.displayTitle ?? row?.title ?? null;
}

beforeAll(async () => {
  fake = await startFakeInstruqt();
  fake.setTrack(TRACK, {
    slug: SLUG,
    title: `Prometheus Basics ${run}`,
    challenges: [
      { id: CHALLENGES[0]!, title: `Install the agent ${run}`, index: 0 },
      { id: CHALLENGES[1]!, title: `Write a query ${run}`, index: 1 },
    ],
  });
  runner = new JobRunner({
    handlers: [
      catalogueHandler({
        timeoutMs: 2000,
        leaseMs: 10_000,
        maxAttempts: 2,
        credentials: async () => ({ url: fake.url, apiKey: fake.apiKey, teamSlug: fake.teamSlug }),
      }),
    ],
    pollMs: 100,
    log: () => {},
  }).start();

  const play = new PlayBuilder({ trackId: TRACK, trackSlug: SLUG, participantId: `cat_p_${run}`, userId: `cat_u_${run}`, challengeIds: CHALLENGES, start: new Date(Date.now() - 60_000).toISOString() });
  for (const event of play.trackStarted().after(5).challengeStarted(0).after(10).attempt(0, false).build()) {
    const response = await sendEvent(baseUrl, event.payload, { svixId: event.svixId });
    expect(response.status).toBe(201);
  }
  await waitForProjection(databaseUrl);
  adminCookie = await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
  session = withSession(adminCookie);
  await eventuallyTrue(async () => (await shownTitle(TRACK)) === `Prometheus Basics ${run}`, "the titles of a track first seen by webhook");
});

afterAll(async () => {
  await runner?.stop();
  await fake?.close();
  await db().$disconnect();
});

describe("titles where tracks and challenges are named", () => {
  it("tracks list and track page: the title, with the slug as secondary text; challenge titles in the funnel", async () => {
    const list = await (await session(`${baseUrl}/tracks`)).text();
    expect(list).toContain(`Prometheus Basics ${run}`);
    expect(list).toContain(SLUG);
    const page = await (await session(`${baseUrl}/tracks/${SLUG}`)).text();
    expect(page).toContain(`Prometheus Basics ${run}`);
    expect(page).toContain(`Install the agent ${run}`);
    expect(page).toContain(CHALLENGES[0]);
    expect(page).toContain('data-testid="titles-form"');
  });

  it("overview, learner page (plays, strip, timeline) and delivery log: the titles, ids beside them", async () => {
    const overview = await (await session(`${baseUrl}/`)).text();
    expect(overview).toContain(`Prometheus Basics ${run}`);
    const learner = await (await session(`${baseUrl}/learners/cat_u_${run}`)).text();
    expect(learner).toContain(`Prometheus Basics ${run} (${SLUG})`);
    expect(learner).toContain(`Challenge 1 Install the agent ${run} (${CHALLENGES[0]}): in progress`);
    expect(learner).toContain(`Challenge 2: not started`);
    const log = await (await session(`${baseUrl}/events?track=${SLUG}`)).text();
    expect(log).toContain(`Prometheus Basics ${run} · Install the agent ${run}`);
  });

  it("GET /api/tracks/[key]/funnel names the track and each challenge it has a title for", async () => {
    const body = await (await session(`${baseUrl}/api/tracks/${SLUG}/funnel`)).json();
    expect(body).toMatchObject({ track_slug: SLUG, track_title: `Prometheus Basics ${run}` });
    expect(body.challenges[0]).toMatchObject({ number: 1, challenge_id: CHALLENGES[0], challenge_title: `Install the agent ${run}` });
  });

  it("GET /api/live fills track_title and challenge_title", async () => {
    const response = await session(`${baseUrl}/api/live?track=${SLUG}`);
    const body = (await response.json()) as { plays: { participant_id: string; track_title: string | null; challenge_title: string | null }[] };
    const play = body.plays.find((p) => p.participant_id === `cat_p_${run}`);
    expect(play).toMatchObject({ track_title: `Prometheus Basics ${run}`, challenge_title: `Install the agent ${run}` });
  });

  it("progress.csv: track_title right after the 21 columns; challenges.csv ends with track_title, challenge_title", async () => {
    const progress = (await (await session(`${baseUrl}/api/export/progress.csv?track=${SLUG}`)).text()).split("\r\n");
    const header = progress[0]!.replace(/^\uFEFF/, "").split(",");
    expect(header.indexOf("track_title")).toBe(21);
    expect(header[20]).toBe("custom_parameters");
    expect(progress[1]).toContain(`Prometheus Basics ${run}`);
    const challenges = (await (await session(`${baseUrl}/api/export/challenges.csv?track=${SLUG}`)).text()).split("\r\n");
    expect(challenges[0]!.replace(/^\uFEFF/, "").split(",").slice(-2)).toEqual(["track_title", "challenge_title"]);
    expect(challenges[1]).toMatch(new RegExp(`,Prometheus Basics ${run},Install the agent ${run}$`));
  });
});

describe("PUT /api/tracks/[key]/titles", () => {
  it("an admin's title wins on pages and JSON, and survives a refresh", async () => {
    const answer = await put(`/api/tracks/${SLUG}/titles`, { title: `Our Prometheus ${run}`, challenges: { [CHALLENGES[1]!]: `Our query ${run}` } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ track_id: TRACK, track_title: `Our Prometheus ${run}`, catalogue_title: `Prometheus Basics ${run}` });

    await put(`/api/tracks/${SLUG}/titles`, {}); // nothing asked: nothing changes
    const jobBefore = await db().job.findUnique({ where: { kind_key: { kind: "catalogue", key: TRACK } } });
    await db().job.update({ where: { kind_key: { kind: "catalogue", key: TRACK } }, data: { runAt: new Date() } });
    await eventuallyTrue(
      async () => ((await db().job.findUnique({ where: { kind_key: { kind: "catalogue", key: TRACK } } }))?.finishedAt?.getTime() ?? 0) > (jobBefore?.finishedAt?.getTime() ?? 0),
      "the refresh",
    );
    expect(await shownTitle(TRACK)).toBe(`Our Prometheus ${run}`);
    const page = await (await session(`${baseUrl}/tracks/${SLUG}`)).text();
    expect(page).toContain(`Our Prometheus ${run}`);
    expect(page).toContain(`Our query ${run}`);
  });

  it("bad input is a 400 naming the field, and changes nothing", async () => {
    const cases: [unknown, string][] = [
      [{ title: 42 }, "title"],
      [{ title: "x".repeat(201) }, "title"],
      [{ title: "line\nbreak" }, "title"],
      [{ challenges: { [CHALLENGES[0]!]: 7 } }, `challenges.${CHALLENGES[0]}`],
      [{ challenges: { unknown_challenge: "x" } }, "challenges.unknown_challenge"],
      [{ challenges: [] }, "challenges"],
      [{ tittle: "typo" }, "body"],
    ];
    for (const [body, field] of cases) {
      const answer = await put(`/api/tracks/${SLUG}/titles`, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(answer.body.fields as object), JSON.stringify(body)).toContain(field);
    }
    expect((await put(`/api/tracks/${SLUG}/titles`, "{not json")).status).toBe(400);
    expect(await shownTitle(TRACK)).toBe(`Our Prometheus ${run}`);
  });

  it("unknown track 404; instructors 403; no session 401", async () => {
    expect((await put(`/api/tracks/no-such-track-${run}/titles`, { title: "x" })).status).toBe(404);
    const admin = settingsClient(baseUrl, adminCookie);
    const user = await createUser(admin, "instructor", "catalogue-instructor");
    const instructorCookie = await signIn(baseUrl, user.email, user.password);
    expect((await put(`/api/tracks/${SLUG}/titles`, { title: "x" }, instructorCookie)).status).toBe(403);
    expect((await put(`/api/tracks/${SLUG}/titles`, { title: "x" }, null)).status).toBe(401);
    expect(await shownTitle(TRACK)).toBe(`Our Prometheus ${run}`);
  });
});

describe("Settings → Enrichment", () => {
  it("shows the team slug field and an answer Cairn could not read, with its raw response", async () => {
    fake.next(
      { kind: "malformed", contentType: "application/json", body: JSON.stringify({ data: { track: { id: BROKEN, title: "T" }, challenges: "not a list" } }) },
      { trackId: BROKEN },
    );
    const play = new PlayBuilder({ trackId: BROKEN, trackSlug: `broken-${run}`, participantId: `cat_pb_${run}`, userId: `cat_ub_${run}`, start: new Date().toISOString() });
    for (const event of play.trackStarted().build()) expect((await sendEvent(baseUrl, event.payload, { svixId: event.svixId })).status).toBe(201);
    await waitForProjection(databaseUrl);
    await eventuallyTrue(async () => (await db().job.findUnique({ where: { kind_key: { kind: "catalogue", key: BROKEN } } }))?.status === "failed", "the mismatch");

    const response = await session(`${baseUrl}/settings/enrichment`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('id="teamSlug"');
    expect(html).toContain('data-testid="catalogue-problems"');
    expect(html).toContain(`broken-${run}`);
    expect(html).toContain("expected shape (challenges:");
    expect(html).toContain("not a list");
  });
});
