import { beforeAll, describe, expect, inject, it } from "vitest";
import { HOUSEKEEPING_EVENT_TYPES } from "@/lib/instruqt/events";
import { PlayBuilder } from "../support/events-factory";
import { deliver } from "./dashboard-support";

/**
 * Recent activity on the overview hides Instruqt's housekeeping (environments set up and torn
 * down) unless asked, and the limit applies after the filter, so the feed stays full of what
 * learners did. Deliveries go through dashboard-support's deliver (the one place to wait for an
 * asynchronous projection).
 */

process.env.DATABASE_URL = inject("databaseUrl");
const baseUrl = inject("baseUrl");
const { recentActivity, overview } = await import("@/lib/dashboard/overview");

const start = new Date(Date.now() - 10 * 60_000);
const play = new PlayBuilder({
  participantId: "rac_p1",
  userId: "rac_u1",
  trackId: "rac_track",
  trackSlug: "recent-activity",
  challengeIds: ["rac_c0", "rac_c1"],
  start,
  svixPrefix: `msg_rac_${start.getTime()}_`,
})
  .sandbox("creating").after(20).sandbox("created").after(2).trackStarted()
  .after(1).challengeSetup(0).after(4).challengeStarted(0).after(60).attempt(0, true).challengeCompleted(0).after(3).challengeCleaned(0)
  .after(1).challengeSetup(1).after(4).challengeStarted(1).after(30).attempt(1, true).challengeCompleted(1).after(3).challengeCleaned(1)
  .trackCompleted().after(10).trackCleaned().after(5).sandbox("cleaned");

beforeAll(async () => {
  await deliver(baseUrl, play.build());
});

const mine = <T extends { participantId: string | null }>(events: T[]) => events.filter((event) => event.participantId === "rac_p1");
const housekeeping = new Set<string>(HOUSEKEEPING_EVENT_TYPES);

describe("recent activity", () => {
  it("keeps housekeeping when asked, in time order", async () => {
    const all = mine(await recentActivity(1_000, { housekeeping: true }));
    expect(all).toHaveLength(play.build().length);
    expect(all.some((event) => housekeeping.has(event.type))).toBe(true);
  });

  it("leaves housekeeping out before the limit, so the feed is all learner events", async () => {
    const events = await recentActivity(1_000, { housekeeping: false });
    expect(events.filter((event) => housekeeping.has(event.type))).toEqual([]);
    expect(mine(events).map((event) => event.type)).toEqual([
      "track.completed",
      "track.challenge_completed",
      "track.challenge_attempted",
      "track.challenge_started",
      "track.challenge_completed",
      "track.challenge_attempted",
      "track.challenge_started",
      "track.started",
    ]);
    const five = await recentActivity(5, { housekeeping: false });
    expect(five).toHaveLength(5);
    expect(five.filter((event) => housekeeping.has(event.type))).toEqual([]);
  });

  it("is what the overview shows by default", async () => {
    const { recent } = await overview();
    expect(recent.filter((event) => housekeeping.has(event.type))).toEqual([]);
  });
});
