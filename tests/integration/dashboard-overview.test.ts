import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TEST_DELIVERY_PREFIX } from "@/lib/webhooks/endpoint";
import { formatTimestamp, PlayBuilder, type BuiltEvent } from "../support/events-factory";
import { withClient } from "../support/database";
import { deliver, deliverPayload } from "./dashboard-support";

/**
 * overview() against the shared database: totals are compared as differences from before this
 * file's deliveries (other files' plays are in the same database), everything about this file's
 * track exactly. Sent: play A completes its 2 challenges in 600 s; play B starts 5 minutes ago
 * and is still working; one event of an unknown type; one test delivery, which must not count.
 */

process.env.DATABASE_URL = inject("databaseUrl");
const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");
const { overview, recentActivity, eventsPerDay } = await import("@/lib/dashboard/overview");
const { trackSummaries } = await import("@/lib/dashboard/tracks");
const { db } = await import("@/lib/db/client");

const TRACK = "dov_track";
const SLUG = "dash-overview";
const now = new Date();
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);

const playA = new PlayBuilder({
  participantId: "dov_pA",
  userId: "dov_uA",
  trackId: TRACK,
  trackSlug: SLUG,
  challengeIds: ["dov_c0", "dov_c1"],
  start: minutesAgo(20),
  svixPrefix: "msg_dov_pA_",
})
  .trackStarted()
  .after(60).challengeStarted(0)
  .after(120).attempt(0, true).challengeCompleted(0)
  .after(60).challengeStarted(1)
  .after(360).attempt(1, true).challengeCompleted(1).trackCompleted();

const playB = new PlayBuilder({
  participantId: "dov_pB",
  userId: "dov_uB",
  trackId: TRACK,
  trackSlug: SLUG,
  challengeIds: ["dov_c0", "dov_c1"],
  start: minutesAgo(5),
  svixPrefix: "msg_dov_pB_",
})
  .trackStarted()
  .after(60).challengeStarted(0);

const unknownEvent = {
  type: "dov.whiteboard_opened",
  user_id: "dov_uA",
  timestamp: formatTimestamp(minutesAgo(1).getTime()),
};
const testDelivery = {
  type: "track.started",
  track_id: TRACK,
  track_slug: SLUG,
  participant_id: "dov_ptest",
  user_id: "dov_utest",
  timestamp: formatTimestamp(now.getTime()),
};

const counted: { occurredAt: Date }[] = [
  ...[...playA.build(), ...playB.build()].map((e: BuiltEvent) => ({ occurredAt: new Date(e.payload.timestamp) })),
  { occurredAt: minutesAgo(1) },
];

let before: Awaited<ReturnType<typeof overview>>;
let after: Awaited<ReturnType<typeof overview>>;

beforeAll(async () => {
  before = await overview(now);
  await deliver(baseUrl, [...playA.build(), ...playB.build()]);
  await deliverPayload(baseUrl, unknownEvent, `msg_dov_unknown_${randomUUID()}`);
  await deliverPayload(baseUrl, testDelivery, `${TEST_DELIVERY_PREFIX}dov_${randomUUID()}`);
  after = await overview(now);
});

afterAll(async () => {
  await db().$disconnect();
});

describe("overview", () => {
  it("counts the new learners, plays and completions, not the test delivery's", () => {
    expect(after.learners - before.learners).toBe(2);
    expect(after.plays - before.plays).toBe(2);
    expect(after.completions - before.completions).toBe(1);
    expect(after.completionRate).toBeCloseTo(after.completions / after.plays, 10);
    expect(after.anyDelivery).toBe(true);
  });

  it("counts plays active in the last 15 minutes that are not finished", () => {
    // B's last event was 4 minutes ago; A completed (finished plays are not "active").
    expect(after.activeNow - before.activeNow).toBe(1);
  });

  it("summarises the track: starts, completions, rate, median time to complete", () => {
    const track = after.tracks.find((t) => t.id === TRACK);
    expect(track).toEqual({
      id: TRACK,
      key: SLUG,
      slug: SLUG,
      title: null,
      totalChallenges: 2,
      plays: 2,
      completions: 1,
      started: 0,
      inProgress: 1,
      stopped: 0,
      completionRate: 0.5,
      medianCompletionSeconds: 600,
      lastActivityAt: minutesAgo(4),
    });
    // Most recently active first.
    const activity = after.tracks.map((t) => t.lastActivityAt?.getTime() ?? 0);
    expect([...activity].sort((a, b) => b - a)).toEqual(activity);
  });

  it("counts events per UTC day over the last 30 days, leaving out test deliveries", () => {
    expect(after.eventsPerDay).toHaveLength(30);
    expect(after.eventsPerDay.at(-1)!.day).toBe(now.toISOString().slice(0, 10));
    const expected = new Map<string, number>();
    for (const { occurredAt } of counted) {
      const day = occurredAt.toISOString().slice(0, 10);
      expected.set(day, (expected.get(day) ?? 0) + 1);
    }
    for (const [index, day] of after.eventsPerDay.entries()) {
      expect(day.events - before.eventsPerDay[index]!.events, day.day).toBe(expected.get(day.day) ?? 0);
    }
  });

  it("lists recent events newest first, with learner and track, and no test delivery", async () => {
    const recent = await recentActivity(1_000);
    const mine = recent.filter((e) => e.userId === "dov_uA" || e.userId === "dov_uB");
    expect(mine).toHaveLength(11);
    const times = mine.map((e) => e.occurredAt!.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(recent.some((e) => e.userId === "dov_utest" || e.participantId === "dov_ptest")).toBe(false);
    expect(mine[0]).toMatchObject({ type: "dov.whiteboard_opened", outcome: "unknown_type", trackKey: null });
    const attempt = mine.find((e) => e.type === "track.challenge_attempted" && e.challengeIndex === 1);
    expect(attempt).toMatchObject({ userId: "dov_uA", learnerName: null, trackKey: SLUG, trackLabel: SLUG, completed: true, challengeId: "dov_c1" });
    expect(after.recent.length).toBeGreaterThan(0);
    expect(after.recent.length).toBeLessThanOrEqual(15);
  });

  it("names enriched learners in recent activity", async () => {
    await withClient(databaseUrl, (client) =>
      client.query("UPDATE learner SET first_name = 'Ada', last_name = 'Lovelace', email = 'ada@example.test' WHERE id = 'dov_uA'"),
    );
    const recent = await recentActivity(1_000);
    expect(recent.find((e) => e.userId === "dov_uA")?.learnerName).toBe("Ada Lovelace");
  });

  it("gives a track without a completed play its counts and no median", async () => {
    const open = new PlayBuilder({
      participantId: "dov_pC",
      userId: "dov_uC",
      trackId: "dov_track_open",
      trackSlug: "dash-overview-open",
      challengeIds: ["dov_c0"],
      start: minutesAgo(3),
      svixPrefix: "msg_dov_pC_",
    })
      .trackStarted()
      .after(60).challengeStarted(0);
    await deliver(baseUrl, open.build());
    const track = (await trackSummaries()).find((t) => t.id === "dov_track_open");
    expect(track).toMatchObject({ plays: 1, completions: 0, started: 0, inProgress: 1, stopped: 0, completionRate: 0, medianCompletionSeconds: null });
    // The completed track keeps its median beside it.
    expect((await trackSummaries()).find((t) => t.id === TRACK)?.medianCompletionSeconds).toBe(600);
  });

  it("zero-fills days without events", async () => {
    const days = await eventsPerDay(new Date("1999-06-15T12:00:00Z"), 3);
    expect(days).toEqual([
      { day: "1999-06-13", events: 0 },
      { day: "1999-06-14", events: 0 },
      { day: "1999-06-15", events: 0 },
    ]);
  });
});
