import { describe, expect, it } from "vitest";
import { groupConsecutive } from "@/components/activity-groups";
import { fromFirstActiveDay, splitFirstTry } from "@/components/chart-data";
import { clip, escapeBidiControls, isolate } from "@/components/outside-text";
import type { RecentEvent } from "@/lib/dashboard/overview";

const day = (n: number, events: number) => ({ day: `2024-03-${String(n).padStart(2, "0")}`, events });

describe("fromFirstActiveDay", () => {
  it("starts the axis at the first day with events", () => {
    const days = [day(1, 0), day(2, 0), day(3, 0), day(4, 0), day(5, 0), day(6, 0), day(7, 0), day(8, 0), day(9, 0), day(10, 4), day(11, 0), day(12, 7)];
    expect(fromFirstActiveDay(days, 3)).toEqual(days.slice(9));
  });

  it("keeps at least minDays, ending today, and all of them when the first day is active", () => {
    const days = [day(1, 0), day(2, 0), day(3, 0), day(4, 0), day(5, 2)];
    expect(fromFirstActiveDay(days, 3)).toEqual(days.slice(2));
    expect(fromFirstActiveDay([day(1, 1), day(2, 0)], 7)).toHaveLength(2);
    expect(fromFirstActiveDay([day(1, 0), day(2, 0), day(3, 0)], 2)).toEqual([day(2, 0), day(3, 0)]);
  });
});

describe("splitFirstTry", () => {
  it("takes the 0 bucket out so the others get a scale of their own", () => {
    const buckets = [
      { failedBefore: 0, orMore: false, challenges: 940 },
      { failedBefore: 1, orMore: false, challenges: 40 },
      { failedBefore: 2, orMore: false, challenges: 15 },
      { failedBefore: 3, orMore: true, challenges: 5 },
    ];
    const split = splitFirstTry(buckets);
    expect(split.firstTry).toBe(940);
    expect(split.rest.map((bucket) => bucket.failedBefore)).toEqual([1, 2, 3]);
    expect(split.total).toBe(1000);
    expect(splitFirstTry([])).toEqual({ firstTry: 0, rest: [], total: 0 });
  });
});

const event = (id: number, userId: string | null, type: string, trackKey: string | null = "t1"): RecentEvent => ({
  id: String(id),
  type,
  occurredAt: new Date(Date.UTC(2024, 2, 1, 12, 0, 60 - id)),
  receivedAt: new Date(Date.UTC(2024, 2, 1, 12)),
  participantId: userId ? `p_${userId}` : `p_anon_${id}`,
  userId,
  learnerName: null,
  trackKey,
  trackTitle: null,
  trackLabel: trackKey,
  challengeId: null,
  challengeIndex: null,
  completed: null,
  outcome: "projected",
});

describe("groupConsecutive", () => {
  it("groups runs of one learner and keeps the feed's order", () => {
    const groups = groupConsecutive([
      event(1, "ada", "track.challenge_attempted"),
      event(2, "ada", "track.challenge_started"),
      event(3, "bob", "track.started"),
      event(4, "ada", "track.started"),
    ]);
    expect(groups.map((group) => [group.userId, group.events.map((e) => e.id)])).toEqual([
      ["ada", ["1", "2"]],
      ["bob", ["3"]],
      ["ada", ["4"]],
    ]);
  });

  it("names the track only when the whole group shares it", () => {
    const [mixed] = groupConsecutive([event(1, "ada", "track.started", "t1"), event(2, "ada", "track.started", "t2")]);
    expect(mixed!.trackKey).toBeNull();
    const [same] = groupConsecutive([event(1, "ada", "track.started", "t1"), event(2, "ada", "track.completed", "t1")]);
    expect(same!.trackKey).toBe("t1");
  });

  it("falls back to the play for events without a user, and never merges two unknowns", () => {
    const groups = groupConsecutive([event(1, null, "track.started"), event(2, null, "track.started")]);
    expect(groups).toHaveLength(2);
  });
});

describe("outside text helpers", () => {
  it("clips by code points, never splitting a surrogate pair", () => {
    expect(clip("abc", 5)).toEqual({ shown: "abc", cut: false });
    expect(clip("abcdef", 3)).toEqual({ shown: "abc", cut: true });
    expect(clip("😀😀😀", 2)).toEqual({ shown: "😀😀", cut: true });
    expect(clip("😀😀", 2)).toEqual({ shown: "😀😀", cut: false });
    expect(clip("a😀", 1)).toEqual({ shown: "a", cut: true });
  });

  it("isolates plain text and escapes direction controls in raw payloads", () => {
    expect(isolate("x\u202ey")).toBe("\u2068x\u202ey\u2069");
    expect(escapeBidiControls('{"user_id": "a\u202eb\u2066c"}')).toBe('{"user_id": "a\\u202eb\\u2066c"}');
    expect(escapeBidiControls("plain")).toBe("plain");
  });
});
