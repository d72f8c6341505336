import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PlayBuilder } from "../support/events-factory";
import { deliver } from "./dashboard-support";

/**
 * trackFunnel, findTrack and the track's plays, against five plays sent through the webhook and
 * counted by hand (times in seconds after each play's start):
 *
 *   P1 invA platform alpha  day A  c0 50 s (ok first try), c1 90 s (1 failed), c2 120 s, track completed at 290 s
 *   P2 invA embed    beta   day A  c0 60 s (1 failed), c1 reached, 2 failed, not completed       → in_progress
 *   P3 invB platform alpha  day A  c0 100 s (first try), c1 reached, then track.stopped           → stopped
 *   P4 none platform  —     day B  track.started only                                            → started
 *   P5 invB platform beta   day B  c0 70 s (6 failed), skipped to c2 (c1 skipped), c2 started    → in_progress
 */

process.env.DATABASE_URL = inject("databaseUrl");
const baseUrl = inject("baseUrl");
const { trackFunnel, trackFilterOptions } = await import("@/lib/dashboard/track-funnel");
const { findTrack, trackSummaries } = await import("@/lib/dashboard/tracks");
const { listPlays } = await import("@/lib/dashboard/plays");
const { db } = await import("@/lib/db/client");

const TRACK = "dtr_track_funnel";
const SLUG = "dash-track-funnel";
const CHALLENGES = ["dtr_c0", "dtr_c1", "dtr_c2"];
const DAY_A = "2024-05-10T09:00:00Z";
const DAY_B = "2024-05-12T14:00:00Z";

function play(id: string, options: { invite?: string; mode?: string; cohort?: string; start: string }) {
  return new PlayBuilder({
    participantId: `dtr_${id}`,
    userId: `dtr_user_${id}`,
    trackId: TRACK,
    trackSlug: SLUG,
    challengeIds: CHALLENGES,
    inviteId: options.invite ?? null,
    mode: options.mode ?? "platform",
    customParameters: options.cohort ? { cohort: options.cohort } : undefined,
    start: options.start,
    svixPrefix: `msg_dtr_${id}_`,
  });
}

const p1 = play("p1", { invite: "dtr_invA", cohort: "alpha", start: DAY_A })
  .trackStarted()
  .after(10).challengeStarted(0)
  .after(50).attempt(0, true).challengeCompleted(0)
  .after(10).challengeStarted(1)
  .after(30).attempt(1, false)
  .after(60).attempt(1, true).challengeCompleted(1)
  .after(10).challengeStarted(2)
  .after(120).attempt(2, true).challengeCompleted(2).trackCompleted();

const p2 = play("p2", { invite: "dtr_invA", mode: "embed", cohort: "beta", start: "2024-05-10T10:00:00Z" })
  .trackStarted()
  .after(10).challengeStarted(0)
  .after(20).attempt(0, false)
  .after(40).attempt(0, true).challengeCompleted(0)
  .after(10).challengeStarted(1)
  .after(30).attempt(1, false)
  .after(30).attempt(1, false);

const p3 = play("p3", { invite: "dtr_invB", cohort: "alpha", start: "2024-05-10T11:00:00Z" })
  .trackStarted()
  .after(10).challengeStarted(0)
  .after(100).attempt(0, true).challengeCompleted(0)
  .after(10).challengeStarted(1)
  .after(60).trackStopped();

const p4 = play("p4", { start: DAY_B }).trackStarted();

const p5 = play("p5", { invite: "dtr_invB", cohort: "beta", start: "2024-05-12T15:00:00Z" })
  .trackStarted()
  .after(10).challengeStarted(0);
for (let i = 0; i < 6; i++) p5.after(10).attempt(0, false);
p5.after(10).attempt(0, true).challengeCompleted(0)
  .after(10).skipTo(2).challengeStarted(2);

beforeAll(async () => {
  for (const built of [p1, p2, p3, p4, p5]) await deliver(baseUrl, built.build());
});

afterAll(async () => {
  await db().$disconnect();
});

const step = (funnel: Awaited<ReturnType<typeof trackFunnel>>, index: number) =>
  funnel.challenges.find((c) => c.index === index)!;

describe("findTrack", () => {
  it("finds a track by slug and by id, and nothing for an unknown key", async () => {
    const bySlug = await findTrack(SLUG);
    expect(bySlug).toEqual({ id: TRACK, key: SLUG, slug: SLUG, totalChallenges: 3 });
    expect(await findTrack(TRACK)).toEqual(bySlug);
    expect(await findTrack("dtr_no_such_track")).toBeNull();
  });

  it("keys a track by id when its slug is shared with another track", async () => {
    const twin = new PlayBuilder({
      participantId: "dtr_twin",
      trackId: "dtr_twin_track",
      trackSlug: "dash-track-shared-slug",
      start: DAY_A,
      svixPrefix: "msg_dtr_twin_",
    }).trackStarted();
    const other = new PlayBuilder({
      participantId: "dtr_twin2",
      trackId: "dtr_twin_track2",
      trackSlug: "dash-track-shared-slug",
      start: DAY_B,
      svixPrefix: "msg_dtr_twin2_",
    }).trackStarted();
    await deliver(baseUrl, [...twin.build(), ...other.build()]);
    const first = await findTrack("dtr_twin_track");
    expect(first?.key).toBe("dtr_twin_track");
    // The slug leads to the track that used it most recently.
    expect((await findTrack("dash-track-shared-slug"))?.id).toBe("dtr_twin_track2");
    const summaries = await trackSummaries();
    expect(summaries.find((t) => t.id === "dtr_twin_track")?.key).toBe("dtr_twin_track");
    expect(summaries.find((t) => t.id === TRACK)?.key).toBe(SLUG);
  });
});

describe("trackFunnel", () => {
  it("counts plays by status, the completion rate and the median time to complete", async () => {
    const track = (await findTrack(SLUG))!;
    const funnel = await trackFunnel(track);
    expect(funnel).toMatchObject({
      plays: 5,
      started: 1,
      inProgress: 2,
      completions: 1,
      stopped: 1,
      completionRate: 0.2,
      medianCompletionSeconds: 290,
    });
  });

  it("gives reached, completed, drop-off, skips, attempts and median time per challenge", async () => {
    const funnel = await trackFunnel((await findTrack(SLUG))!);
    expect(funnel.challenges.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(step(funnel, 0)).toEqual({
      index: 0,
      position: 1,
      challengeId: "dtr_c0",
      reached: 4,
      completed: 4,
      skipped: 0,
      dropOff: 0,
      dropOffRate: 0,
      // P4 (started only, long ago: inactive) gave up at its frontier, the first challenge.
      working: 0,
      gaveUp: 1,
      attempts: 11,
      failedAttempts: 7,
      playsWithFailures: 2,
      // 50, 60, 70, 100 → (60 + 70) / 2
      medianSecondsToComplete: 65,
    });
    expect(step(funnel, 1)).toEqual({
      index: 1,
      position: 2,
      challengeId: "dtr_c1",
      reached: 3,
      completed: 1,
      skipped: 1,
      dropOff: 2,
      dropOffRate: 2 / 3,
      // P2 (inactive), P3 (stopped) and P5 (skipped it: its first challenge not completed).
      working: 0,
      gaveUp: 3,
      attempts: 4,
      failedAttempts: 3,
      playsWithFailures: 2,
      medianSecondsToComplete: 90,
    });
    expect(step(funnel, 2)).toMatchObject({ reached: 2, completed: 1, dropOff: 1, attempts: 1, failedAttempts: 0, medianSecondsToComplete: 120 });
  });

  it("buckets completed challenges by failed attempts before success, and ranks the most failed", async () => {
    const funnel = await trackFunnel((await findTrack(SLUG))!);
    expect(funnel.attemptsBeforeSuccess.map((b) => [b.failedBefore, b.orMore, b.challenges])).toEqual([
      [0, false, 3],
      [1, false, 2],
      [2, false, 0],
      [3, false, 0],
      [4, false, 0],
      [5, true, 1],
    ]);
    expect(funnel.mostFailed.map((c) => [c.index, c.failedAttempts])).toEqual([
      [0, 7],
      [1, 3],
    ]);
  });

  it("filters by invite", async () => {
    const funnel = await trackFunnel((await findTrack(SLUG))!, { inviteId: "dtr_invA" });
    expect(funnel).toMatchObject({ plays: 2, completions: 1, inProgress: 1, completionRate: 0.5 });
    expect(step(funnel, 0)).toMatchObject({ reached: 2, completed: 2, failedAttempts: 1, medianSecondsToComplete: 55 });
    expect(step(funnel, 1)).toMatchObject({ reached: 2, completed: 1, dropOff: 1 });
  });

  it("filters by mode", async () => {
    const funnel = await trackFunnel((await findTrack(SLUG))!, { mode: "embed" });
    expect(funnel).toMatchObject({ plays: 1, inProgress: 1, completions: 0, medianCompletionSeconds: null });
    expect(step(funnel, 1)).toMatchObject({ reached: 1, completed: 0, failedAttempts: 2 });
  });

  it("filters by a custom parameter's value, or its presence", async () => {
    const track = (await findTrack(SLUG))!;
    const alpha = await trackFunnel(track, { customParameter: { key: "cohort", value: "alpha" } });
    expect(alpha).toMatchObject({ plays: 2, completions: 1, stopped: 1 });
    expect(step(alpha, 0).medianSecondsToComplete).toBe(75);
    const withCohort = await trackFunnel(track, { customParameter: { key: "cohort" } });
    expect(withCohort.plays).toBe(4);
    const none = await trackFunnel(track, { customParameter: { key: "cohort", value: "gamma" } });
    expect(none.plays).toBe(0);
    expect(none.challenges.every((c) => c.reached === 0)).toBe(true);
  });

  it("filters by activity window", async () => {
    const track = (await findTrack(SLUG))!;
    const dayB = await trackFunnel(track, { window: { start: new Date("2024-05-12T00:00:00Z") } });
    expect(dayB).toMatchObject({ plays: 2, started: 1, inProgress: 1 });
    const dayA = await trackFunnel(track, { window: { end: new Date("2024-05-11T00:00:00Z") } });
    expect(dayA.plays).toBe(3);
    const between = await trackFunnel(track, {
      window: { start: new Date("2024-05-11T00:00:00Z"), end: new Date("2024-05-12T00:00:00Z") },
    });
    expect(between.plays).toBe(0);
  });

  it("offers the invites, modes and custom parameter keys the track's plays carry", async () => {
    expect(await trackFilterOptions(TRACK)).toEqual({
      invites: ["dtr_invA", "dtr_invB"],
      modes: ["embed", "platform"],
      customParameterKeys: ["cohort"],
    });
  });

  it("shows every challenge position, even one nobody reached", async () => {
    const funnel = await trackFunnel({ id: TRACK, totalChallenges: 5 });
    expect(funnel.challenges.map((c) => [c.position, c.reached])).toEqual([
      [1, 4],
      [2, 3],
      [3, 2],
      [4, 0],
      [5, 0],
    ]);
  });
});

describe("the track's plays", () => {
  it("lists them with status and progress, sorted by progress", async () => {
    const page = await listPlays({ filters: { trackId: TRACK }, sort: "progress", direction: "desc" });
    expect(page.total).toBe(5);
    expect(page.rows.map((r) => [r.participantId, r.status, r.challengesCompleted, r.progressPercent])).toEqual([
      ["dtr_p1", "completed", 3, 100],
      // Ties break by participant id, in the same direction.
      ["dtr_p5", "in_progress", 1, 33],
      ["dtr_p3", "stopped", 1, 33],
      ["dtr_p2", "in_progress", 1, 33],
      // A play with no challenge event has no known length, so no percentage: last either way.
      ["dtr_p4", "started", 0, null],
    ]);
    const ascending = await listPlays({ filters: { trackId: TRACK }, sort: "progress", direction: "asc" });
    expect(ascending.rows.map((r) => r.participantId)).toEqual(["dtr_p2", "dtr_p3", "dtr_p5", "dtr_p1", "dtr_p4"]);
  });

  it("carries the numbers of each play", async () => {
    const page = await listPlays({ filters: { trackId: TRACK, inviteId: "dtr_invA", mode: "platform" } });
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0]).toMatchObject({
      participantId: "dtr_p1",
      userId: "dtr_user_p1",
      trackKey: SLUG,
      trackSlug: SLUG,
      totalChallenges: 3,
      attempts: 4,
      failedAttempts: 1,
      skippedChallenges: 0,
      timeSpentSeconds: 290,
      startedAt: new Date(DAY_A),
      completedAt: new Date(Date.parse(DAY_A) + 290_000),
    });
  });
});
