import { describe, expect, it } from "vitest";
import { classifyEvent, parseInstruqtTimestamp } from "@/lib/instruqt/events";
import { projectPlay, type StoredPlayEvent } from "@/lib/progress/projection";
import { Random } from "@/tools/simulate/random";
import {
  formatTimestamp,
  generatePlayStream,
  generateTraffic,
  generateWorld,
  longPlay,
  type SimEvent,
  type SimPlay,
} from "@/tools/simulate/traffic";
import type { PlayEvent } from "@/lib/instruqt/events";

const START = Date.UTC(2024, 2, 1, 9);
const traffic = generateTraffic({ seed: "unit", learners: 300, tracks: 6, startMs: START, spreadSeconds: 6 * 3600 });

const stored = (events: readonly SimEvent[]): StoredPlayEvent[] =>
  events.map((e) => ({ svixId: e.svixId, occurredAt: parseInstruqtTimestamp(e.payload.timestamp)!, event: e.payload as unknown as PlayEvent }));

describe("Random", () => {
  it("repeats its sequence for a seed and differs across seeds", () => {
    const draw = (seed: string) => {
      const rng = new Random(seed);
      return Array.from({ length: 20 }, () => rng.next());
    };
    expect(draw("a")).toEqual(draw("a"));
    expect(draw("a")).not.toEqual(draw("b"));
    const values = draw("range");
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it("draws integers over the whole closed range, roughly uniformly", () => {
    const rng = new Random(7);
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 60_000; i++) counts[rng.int(0, 5)]!++;
    for (const count of counts) expect(count).toBeGreaterThan(9_000);
    for (const count of counts) expect(count).toBeLessThan(11_000);
  });
});

describe("formatTimestamp", () => {
  it("writes nanoseconds like Go's RFC3339Nano: trailing zeros trimmed", () => {
    const ms = Date.parse("2021-07-29T16:14:57.312Z");
    expect(formatTimestamp(ms, 977_540)).toBe("2021-07-29T16:14:57.31297754Z");
    expect(formatTimestamp(ms, 0)).toBe("2021-07-29T16:14:57.312Z");
    expect(formatTimestamp(Date.parse("2021-07-29T16:14:57Z"), 0)).toBe("2021-07-29T16:14:57Z");
    expect(formatTimestamp(Date.parse("2021-07-29T16:14:57Z"), 1)).toBe("2021-07-29T16:14:57.000000001Z");
  });
});

describe("generateTraffic", () => {
  it("is deterministic for a seed, and a different seed gives different traffic", () => {
    const again = generateTraffic({ seed: "unit", learners: 300, tracks: 6, startMs: START, spreadSeconds: 6 * 3600 });
    expect(again.events).toEqual(traffic.events);
    const other = generateTraffic({ seed: "other", learners: 300, tracks: 6, startMs: START, spreadSeconds: 6 * 3600 });
    expect(other.events.map((e) => e.svixId)).not.toEqual(traffic.events.map((e) => e.svixId));
  });

  it("produces only events that Cairn's catalogue classifies as valid", () => {
    for (const { payload } of traffic.events) {
      const classified = classifyEvent(payload);
      expect(classified, JSON.stringify(payload)).toMatchObject({ kind: "valid" });
    }
  });

  it("gives every message a unique svix id and orders events by time", () => {
    expect(new Set(traffic.events.map((e) => e.svixId)).size).toBe(traffic.events.length);
    for (let i = 1; i < traffic.events.length; i++) {
      const [a, b] = [traffic.events[i - 1]!, traffic.events[i]!];
      expect(a.ms < b.ms || (a.ms === b.ms && a.nanos <= b.nanos)).toBe(true);
    }
  });

  it("writes Instruqt's timestamps: UTC, often with sub-millisecond digits, matching the event's instant", () => {
    let subMillis = 0;
    for (const event of traffic.events) {
      expect(event.payload.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
      expect(parseInstruqtTimestamp(event.payload.timestamp)!.getTime()).toBe(event.ms);
      if (/\.\d{4,9}Z$/.test(event.payload.timestamp)) subMillis++;
    }
    expect(subMillis / traffic.events.length).toBeGreaterThan(0.9);
  });

  it("covers the catalogue: every event type, modes, invites, custom parameters, failures and skips", () => {
    const types = new Set(traffic.events.map((e) => e.payload.type));
    for (const type of [
      "track.started", "track.completed", "track.cleaned", "track.stopped", "track.challenge_attempted",
      "track.challenge_setup", "track.challenge_completed", "track.challenge_started", "track.challenge_cleaned",
      "track.skipped_to_challenge", "sandbox.creating", "sandbox.created", "sandbox.failed", "sandbox.cleaned",
      "invite.claimed", "review.created", "review.updated",
    ]) {
      expect(types, type).toContain(type);
    }
    const modes = new Set(traffic.events.map((e) => e.payload.mode).filter(Boolean));
    expect(modes).toEqual(new Set(["platform", "embed", "ci"]));
    expect(traffic.events.some((e) => e.payload.participant_id && typeof e.payload.invite_id === "string")).toBe(true);
    expect(traffic.events.some((e) => e.payload.participant_id && e.payload.invite_id === null)).toBe(true);
    expect(traffic.events.some((e) => e.payload.custom_parameters)).toBe(true);
    expect(traffic.events.some((e) => e.payload.type === "track.challenge_attempted" && e.payload.completed === false)).toBe(true);
  });

  it("keeps each play coherent: one track, one user, 0-based indexes within the stated total", () => {
    for (const play of traffic.plays) {
      const track = traffic.world.tracks.find((t) => t.id === play.trackId)!;
      expect(track.challenges.length).toBeGreaterThanOrEqual(3);
      expect(track.challenges.length).toBeLessThanOrEqual(8);
      for (const { payload } of play.events) {
        expect(payload.participant_id).toBe(play.participantId);
        expect(payload.track_id).toBe(play.trackId);
        expect(payload.user_id).toBe(play.userId);
        expect(payload.invite_id).toBe(play.inviteId);
        if ("challenge_id" in payload) {
          const index = payload.challenge_index as number;
          expect(payload.total_challenges).toBe(track.challenges.length);
          expect(index).toBeGreaterThanOrEqual(0);
          expect(index).toBeLessThan(track.challenges.length);
          expect(payload.challenge_id).toBe(track.challenges[index]!.id);
        }
      }
    }
  });

  it("projects to plausible progress: a mix of completed, stopped and running plays", () => {
    const statuses: Record<string, number> = {};
    for (const play of traffic.plays) {
      const progress = projectPlay(play.participantId, stored(play.events));
      statuses[progress.status] = (statuses[progress.status] ?? 0) + 1;
      expect(progress.eventCount).toBe(play.events.length);
      if (play.outcome === "completed") {
        expect(progress.status).toBe("completed");
        expect(progress.challengesCompleted + progress.skippedChallenges).toBe(progress.totalChallenges);
      }
      if (play.outcome === "stopped" || play.outcome === "sandbox_failed") expect(progress.status).toBe("stopped");
    }
    const plays = traffic.plays.length;
    expect(plays).toBeGreaterThan(300);
    expect(statuses.completed! / plays).toBeGreaterThan(0.2);
    expect(statuses.stopped! / plays).toBeGreaterThan(0.05);
    expect((statuses.in_progress ?? 0) + (statuses.started ?? 0)).toBeGreaterThan(0);
    expect(traffic.plays.some((p) => projectPlay(p.participantId, stored(p.events)).skippedChallenges > 0)).toBe(true);
    expect(traffic.plays.some((p) => projectPlay(p.participantId, stored(p.events)).sandboxFailures > 0)).toBe(true);
  });

  it("claims each invite once per learner, before the play that uses it", () => {
    const claims = traffic.events.filter((e) => e.payload.type === "invite.claimed");
    const keys = claims.map((e) => `${e.payload.invite_id}|${e.payload.user_id}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const play of traffic.plays.filter((p) => p.inviteId)) {
      const claim = claims.find((c) => c.payload.invite_id === play.inviteId && c.payload.user_id === play.userId);
      expect(claim).toBeDefined();
    }
  });
});

describe("generatePlayStream", () => {
  const options = { seed: "stream", plays: 2_000, events: 20_000, tracks: 8, learners: 1_300, startMs: START, spreadSeconds: 30 * 86400 };
  const plays: SimPlay[] = [...generatePlayStream(options)];

  it("yields the requested number of plays and lands close to the requested number of events", () => {
    expect(plays).toHaveLength(2_000);
    const events = plays.reduce((n, p) => n + p.events.length + p.related.length, 0);
    expect(Math.abs(events - 20_000) / 20_000).toBeLessThan(0.05);
  });

  it("is deterministic and yields valid events with unique ids and distinct participants", () => {
    const again = [...generatePlayStream(options)];
    expect(again).toEqual(plays);
    const all = plays.flatMap((p) => [...p.events, ...p.related]);
    expect(new Set(all.map((e) => e.svixId)).size).toBe(all.length);
    expect(new Set(plays.map((p) => p.participantId)).size).toBe(plays.length);
    for (const { payload } of all) expect(classifyEvent(payload).kind).toBe("valid");
  });
});

describe("longPlay", () => {
  it("has exactly the requested number of valid events of one participant", () => {
    for (const count of [10, 100, 1000]) {
      const events = longPlay("long", count);
      expect(events).toHaveLength(count);
      expect(new Set(events.map((e) => e.payload.participant_id)).size).toBe(1);
      for (const { payload } of events) expect(classifyEvent(payload).kind).toBe("valid");
    }
  });
});

describe("generateWorld", () => {
  it("gives every track 3 to 8 challenges with distinct ids", () => {
    const world = generateWorld({ seed: 1, tracks: 50, learners: 10 });
    for (const track of world.tracks) {
      expect(track.challenges.length).toBeGreaterThanOrEqual(3);
      expect(track.challenges.length).toBeLessThanOrEqual(8);
      expect(new Set(track.challenges.map((c) => c.id)).size).toBe(track.challenges.length);
    }
    expect(new Set(world.tracks.map((t) => t.slug)).size).toBe(50);
  });
});
