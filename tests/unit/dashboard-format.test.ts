import { describe, expect, it } from "vitest";
import {
  describeEventType,
  formatAgo,
  formatDateTime,
  formatDay,
  formatDuration,
  formatNumber,
  formatRate,
  learnerLabel,
} from "@/components/format";

describe("dashboard formatting", () => {
  it("writes durations as their two largest units", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(45)).toBe("45s");
    expect(formatDuration(310)).toBe("5m 10s");
    expect(formatDuration(3_725)).toBe("1h 02m");
    expect(formatDuration(3 * 86_400 + 4 * 3_600 + 59)).toBe("3d 4h");
    expect(formatDuration(64.6)).toBe("1m 05s");
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(Number.NaN)).toBe("—");
  });

  it("writes rates as whole percentages, and nothing for no data", () => {
    expect(formatRate(1 / 3)).toBe("33%");
    expect(formatRate(0.455)).toBe("46%");
    expect(formatRate(1)).toBe("100%");
    expect(formatRate(null)).toBe("—");
  });

  it("writes times in UTC, and how long ago", () => {
    const at = new Date("2024-03-01T09:05:07.123Z");
    expect(formatDateTime(at)).toBe("2024-03-01 09:05 UTC");
    expect(formatDateTime(at, { seconds: true })).toBe("2024-03-01 09:05:07 UTC");
    expect(formatDateTime(null)).toBe("—");
    const now = new Date("2024-03-01T12:00:00Z");
    expect(formatAgo(new Date("2024-03-01T11:59:30Z"), now)).toBe("just now");
    expect(formatAgo(new Date("2024-03-01T11:45:00Z"), now)).toBe("15 min ago");
    expect(formatAgo(new Date("2024-03-01T09:00:00Z"), now)).toBe("3 h ago");
    expect(formatAgo(new Date("2024-02-27T12:00:00Z"), now)).toBe("3 d ago");
    expect(formatAgo(new Date("2024-03-01T12:05:00Z"), now)).toBe("just now");
    expect(formatDay("2024-03-01")).toBe("Mar 1");
  });

  it("names a learner by name, else email, else user id", () => {
    expect(learnerLabel({ firstName: "Grace", lastName: "Hopper", email: "g@x", userId: "u1" })).toBe("Grace Hopper");
    expect(learnerLabel({ firstName: "Grace", lastName: null, userId: "u1" })).toBe("Grace");
    expect(learnerLabel({ firstName: " ", lastName: "", email: "g@x", userId: "u1" })).toBe("g@x");
    expect(learnerLabel({ userId: "u1" })).toBe("u1");
    expect(learnerLabel({})).toBe("Unknown learner");
  });

  it("describes event types in words, and unknown ones as they are", () => {
    expect(describeEventType("track.challenge_attempted")).toBe("checked a challenge");
    expect(describeEventType("sandbox.failed")).toBe("sandbox failed");
    expect(describeEventType("track.teleported")).toBe("track teleported");
    expect(formatNumber(1234567)).toBe("1,234,567");
  });
});
