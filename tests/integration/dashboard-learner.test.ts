import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TEST_DELIVERY_PREFIX } from "@/lib/webhooks/endpoint";
import { formatTimestamp, PlayBuilder } from "../support/events-factory";
import { deliver, deliverPayload } from "./dashboard-support";

/**
 * learnerDetail for one learner, dld_u1, who claims an invite, plays track X (a sandbox failure,
 * challenge 1 done, two failed checks on challenge 2), plays track Y (skips to challenge 3),
 * reviews track X, and has one delivery whose payload is invalid; a test delivery naming them
 * must not show up.
 */

process.env.DATABASE_URL = inject("databaseUrl");
const baseUrl = inject("baseUrl");
const { learnerDetail } = await import("@/lib/dashboard/learner-detail");
const { db } = await import("@/lib/db/client");

const USER = "dld_u1";
const T0 = Date.parse("2024-07-01T08:00:00Z");
const at = (seconds: number) => formatTimestamp(T0 + seconds * 1000);

const playX = new PlayBuilder({
  participantId: "dld_px",
  userId: USER,
  trackId: "dld_track_x",
  trackSlug: "dash-learner-x",
  challengeIds: ["dld_x0", "dld_x1", "dld_x2"],
  inviteId: "dld_inv",
  mode: "embed",
  customParameters: { cohort: "c7" },
  start: new Date(T0 + 60_000),
  svixPrefix: "msg_dld_px_",
})
  .sandbox("creating")
  .after(5).sandbox("failed")
  .after(30).sandbox("created")
  .trackStarted()
  .after(10).challengeStarted(0)
  .after(40).attempt(0, true).challengeCompleted(0)
  .after(10).challengeStarted(1)
  .after(20).attempt(1, false)
  .after(20).attempt(1, false);

const playY = new PlayBuilder({
  participantId: "dld_py",
  userId: USER,
  trackId: "dld_track_y",
  trackSlug: "dash-learner-y",
  challengeIds: ["dld_y0", "dld_y1", "dld_y2"],
  start: new Date(T0 + 3_600_000),
  svixPrefix: "msg_dld_py_",
})
  .trackStarted()
  .after(10).skipTo(2)
  .challengeStarted(2);

beforeAll(async () => {
  await deliverPayload(
    baseUrl,
    { type: "invite.claimed", invite_id: "dld_inv", user_id: USER, team_id: "dld_team", team_slug: "acme", timestamp: at(0) },
    "msg_dld_claim",
  );
  await deliver(baseUrl, playX.build());
  await deliver(baseUrl, playY.build());
  await deliverPayload(
    baseUrl,
    { type: "review.created", review_id: "dld_rev", track_id: "dld_track_x", user_id: USER, score: 4, content: "Great lab", timestamp: at(7_200) },
    "msg_dld_review",
  );
  await deliverPayload(baseUrl, { type: "track.started", user_id: USER, participant_id: "dld_bad", timestamp: "not a time" }, "msg_dld_invalid");
  await deliverPayload(
    baseUrl,
    { type: "track.started", track_id: "dld_track_x", participant_id: "dld_test_play", user_id: USER, timestamp: at(100) },
    `${TEST_DELIVERY_PREFIX}dld_${randomUUID()}`,
  );
});

afterAll(async () => {
  await db().$disconnect();
});

describe("learnerDetail", () => {
  it("is null for a user Cairn has never seen", async () => {
    expect(await learnerDetail("dld_nobody")).toBeNull();
  });

  it("lists each play, newest activity first, with its numbers", async () => {
    const learner = (await learnerDetail(USER))!;
    expect(learner.userId).toBe(USER);
    expect(learner.plays.map((p) => p.participantId)).toEqual(["dld_py", "dld_px"]);
    const x = learner.plays[1]!;
    expect(x).toMatchObject({
      trackId: "dld_track_x",
      trackKey: "dash-learner-x",
      trackLabel: "dash-learner-x",
      inviteId: "dld_inv",
      mode: "embed",
      status: "in_progress",
      challengesCompleted: 1,
      totalChallenges: 3,
      progressPercent: 33,
      attempts: 3,
      failedAttempts: 2,
      skippedChallenges: 0,
      sandboxFailures: 1,
      customParameters: { cohort: "c7" },
    });
  });

  it("gives each play a strip with one cell per challenge", async () => {
    const learner = (await learnerDetail(USER))!;
    const [y, x] = learner.plays;
    expect(x!.challenges.map((c) => [c.position, c.challengeId, c.status, c.attempts, c.failedAttempts])).toEqual([
      [1, "dld_x0", "completed", 1, 0],
      [2, "dld_x1", "in_progress", 2, 2],
      [3, null, "not_started", 0, 0],
    ]);
    expect(x!.challenges[0]!.secondsInChallenge).toBe(40);
    expect(y!.challenges.map((c) => [c.position, c.status])).toEqual([
      [1, "skipped"],
      [2, "skipped"],
      [3, "in_progress"],
    ]);
    expect(y!.skippedChallenges).toBe(2);
  });

  it("has a timeline of every event in order, flagged, without the test delivery", async () => {
    const learner = (await learnerDetail(USER))!;
    const timeline = learner.timeline;
    // 1 claim + 10 events of X + 3 of Y + 1 review + 1 invalid delivery.
    expect(timeline).toHaveLength(16);
    expect(learner.timelineTruncated).toBe(false);
    expect(timeline.some((e) => e.svixId.startsWith(TEST_DELIVERY_PREFIX) || e.participantId === "dld_test_play")).toBe(false);
    expect(timeline.map((e) => e.type)).toEqual([
      "invite.claimed",
      "sandbox.creating",
      "sandbox.failed",
      "sandbox.created",
      "track.started",
      "track.challenge_started",
      "track.challenge_attempted",
      "track.challenge_completed",
      "track.challenge_started",
      "track.challenge_attempted",
      "track.challenge_attempted",
      "track.started",
      "track.skipped_to_challenge",
      "track.challenge_started",
      "review.created",
      // No parseable time: last.
      "track.started",
    ]);
    expect(timeline.map((e) => e.flag).filter(Boolean)).toEqual([
      "sandbox_failure",
      "failed_attempt",
      "failed_attempt",
      "review",
      "invalid",
    ]);
    const passed = timeline.find((e) => e.type === "track.challenge_attempted" && e.completed);
    expect(passed).toMatchObject({ challengeId: "dld_x0", challengeIndex: 0, trackLabel: "dash-learner-x", participantId: "dld_px" });
    expect(timeline.find((e) => e.type === "review.created")).toMatchObject({ score: 4, flag: "review" });
    const invalid = timeline.at(-1)!;
    expect(invalid).toMatchObject({ outcome: "invalid_payload", occurredAt: null, participantId: "dld_bad" });
    expect(invalid.error).toMatch(/track_id|timestamp/);
  });

  it("has the learner's reviews and invite claims", async () => {
    const learner = (await learnerDetail(USER))!;
    expect(learner.reviews).toEqual([
      { id: "dld_rev", trackLabel: "dash-learner-x", trackTitle: null, score: 4, content: "Great lab", occurredAt: new Date(T0 + 7_200_000) },
    ]);
    expect(learner.invites).toEqual([{ inviteId: "dld_inv", teamSlug: "acme", claimedAt: new Date(T0) }]);
    expect(learner.firstSeenAt).toEqual(new Date(T0));
  });
});
