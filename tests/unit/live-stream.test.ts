import { describe, expect, it } from "vitest";
import type { LiveEntry } from "@/lib/live/board";
import type { PlayFacts } from "@/lib/live/flags";
import type { LivePlay } from "@/lib/live/play";
import { diffView } from "@/lib/live/stream";

const NOW = new Date("2026-03-01T10:00:00Z");

function entry(id: string, overrides: Partial<LivePlay> = {}, facts: Partial<PlayFacts> = {}, inviteId = "inv"): LiveEntry {
  return {
    inviteId,
    facts: {
      challengeStartedAt: new Date(NOW.getTime() - 60_000),
      failedAttemptsOnChallenge: 0,
      medianChallengeSeconds: null,
      lastActivityAt: new Date(NOW.getTime() - 30_000),
      lastReceivedAt: new Date(NOW.getTime() - 30_000),
      lastSandboxFailedAt: null,
      lastSandboxCreatedAt: null,
      ...facts,
    },
    play: {
      participant_id: id,
      user_id: `u_${id}`,
      first_name: null,
      last_name: null,
      email: null,
      track_id: "t1",
      track_slug: "track-one",
      track_title: null,
      challenge_number: 1,
      challenge_id: "c0",
      challenge_title: null,
      seconds_on_challenge: 60,
      failed_attempts_on_challenge: 0,
      seconds_since_activity: 30,
      flags: [],
      ...overrides,
    },
  };
}

const events = (text: string) =>
  text
    .split("\n\n")
    .filter(Boolean)
    .map((block) => {
      const [event, data] = block.split("\n");
      return { event: event!.replace("event: ", ""), data: JSON.parse(data!.replace("data: ", "")) as Record<string, unknown> };
    });

describe("diffView", () => {
  it("sends every play in scope first, then only plays that changed", () => {
    const sent = new Map<string, string>();
    const first = events(diffView({ now: NOW, entries: [entry("a"), entry("b", { track_id: "t2" })] }, { trackId: "t1" }, sent));
    expect(first.map((m) => [m.event, m.data.participant_id])).toEqual([["play", "a"]]);

    // Only the durations moved: nothing to send.
    expect(diffView({ now: NOW, entries: [entry("a", { seconds_on_challenge: 75, seconds_since_activity: 45 })] }, { trackId: "t1" }, sent)).toBe("");

    // A flag that came with time is a change.
    const later = events(diffView({ now: NOW, entries: [entry("a", { seconds_on_challenge: 1000, flags: ["stuck"] })] }, { trackId: "t1" }, sent));
    expect(later).toEqual([{ event: "play", data: expect.objectContaining({ participant_id: "a", flags: ["stuck"] }) }]);
  });

  it("sends a play again when a new event moved the moment its durations count from", () => {
    const sent = new Map<string, string>();
    diffView({ now: NOW, entries: [entry("a")] }, {}, sent);
    const moved = entry("a", { seconds_since_activity: 0 }, { lastActivityAt: NOW, lastReceivedAt: NOW });
    expect(events(diffView({ now: NOW, entries: [moved] }, {}, sent))).toHaveLength(1);
  });

  it("says gone once when a play leaves the board", () => {
    const sent = new Map<string, string>();
    diffView({ now: NOW, entries: [entry("a"), entry("b")] }, {}, sent);
    expect(events(diffView({ now: NOW, entries: [entry("b")] }, {}, sent))).toEqual([{ event: "gone", data: { participant_id: "a" } }]);
    expect(diffView({ now: NOW, entries: [entry("b")] }, {}, sent)).toBe("");
  });

  it("scopes by invite, and to nothing for an unknown track", () => {
    const view = { now: NOW, entries: [entry("a", {}, {}, "inv"), entry("b", {}, {}, "other")] };
    expect(events(diffView(view, { inviteId: "other" }, new Map())).map((m) => m.data.participant_id)).toEqual(["b"]);
    expect(diffView(view, { trackId: null }, new Map())).toBe("");
  });

  it("picks up the plays of a track that did not exist when the viewer connected", () => {
    const view = { now: NOW, entries: [entry("a"), entry("b", { track_id: "t2", track_slug: "other" })] };
    const ids = (text: string) => events(text).map((m) => m.data.participant_id);
    expect(ids(diffView(view, { trackId: null, trackKey: "track-one" }, new Map()))).toEqual(["a"]);
    expect(ids(diffView(view, { trackId: null, trackKey: "t2" }, new Map()))).toEqual(["b"]);
    expect(diffView(view, { trackId: null, trackKey: "nope" }, new Map())).toBe("");
  });
});
