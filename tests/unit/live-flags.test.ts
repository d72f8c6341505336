import { describe, expect, it } from "vitest";
import { compareNeedsHelp, evaluatePlay, secondsSince, stuckAfterSeconds, type PlayFacts } from "@/lib/live/flags";

const NOW = new Date("2026-03-01T10:00:00Z");
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);
const thresholds = { stuckMinutes: 15, failingAttempts: 3 };

function facts(overrides: Partial<PlayFacts> = {}): PlayFacts {
  return {
    challengeStartedAt: ago(60),
    failedAttemptsOnChallenge: 0,
    medianChallengeSeconds: null,
    lastActivityAt: ago(30),
    lastReceivedAt: ago(30),
    lastSandboxFailedAt: null,
    lastSandboxCreatedAt: null,
    ...overrides,
  };
}

describe("evaluatePlay", () => {
  it("raises no flag for a play that is working normally", () => {
    expect(evaluatePlay(facts(), NOW, thresholds)).toEqual({ secondsOnChallenge: 60, secondsSinceActivity: 30, flags: [] });
  });

  it("is stuck after CAIRN_STUCK_MINUTES on one challenge when nobody else finished it", () => {
    expect(evaluatePlay(facts({ challengeStartedAt: ago(15 * 60) }), NOW, thresholds).flags).toEqual([]);
    expect(evaluatePlay(facts({ challengeStartedAt: ago(15 * 60 + 1) }), NOW, thresholds).flags).toEqual(["stuck"]);
  });

  it("waits for twice the median when others took longer than the floor", () => {
    const slow = { medianChallengeSeconds: 20 * 60 };
    expect(stuckAfterSeconds(20 * 60, 15)).toBe(40 * 60);
    expect(evaluatePlay(facts({ ...slow, challengeStartedAt: ago(30 * 60) }), NOW, thresholds).flags).toEqual([]);
    expect(evaluatePlay(facts({ ...slow, challengeStartedAt: ago(40 * 60 + 1) }), NOW, thresholds).flags).toEqual(["stuck"]);
  });

  it("keeps the floor when others were quick", () => {
    expect(stuckAfterSeconds(60, 15)).toBe(15 * 60);
    expect(stuckAfterSeconds(60, 1)).toBe(120);
  });

  it("is failing at CAIRN_FAILING_ATTEMPTS failed checks on the current challenge", () => {
    expect(evaluatePlay(facts({ failedAttemptsOnChallenge: 2 }), NOW, thresholds).flags).toEqual([]);
    expect(evaluatePlay(facts({ failedAttemptsOnChallenge: 3 }), NOW, thresholds).flags).toEqual(["failing"]);
    expect(evaluatePlay(facts({ failedAttemptsOnChallenge: 3 }), NOW, { ...thresholds, failingAttempts: 4 }).flags).toEqual([]);
  });

  it("flags a failed sandbox until a sandbox is created after it", () => {
    expect(evaluatePlay(facts({ lastSandboxFailedAt: ago(50) }), NOW, thresholds).flags).toEqual(["sandbox_failed"]);
    expect(
      evaluatePlay(facts({ lastSandboxFailedAt: ago(50), lastSandboxCreatedAt: ago(100) }), NOW, thresholds).flags,
    ).toEqual(["sandbox_failed"]);
    expect(
      evaluatePlay(facts({ lastSandboxFailedAt: ago(50), lastSandboxCreatedAt: ago(40) }), NOW, thresholds).flags,
    ).toEqual([]);
  });

  it("is idle after 10 minutes without an event", () => {
    expect(evaluatePlay(facts({ lastActivityAt: ago(599), lastReceivedAt: ago(599) }), NOW, thresholds).flags).toEqual([]);
    expect(evaluatePlay(facts({ lastActivityAt: ago(600), lastReceivedAt: ago(600) }), NOW, thresholds).flags).toEqual(["idle"]);
  });

  it("reports null durations for a play between challenges, and no challenge flags", () => {
    const between = evaluatePlay(facts({ challengeStartedAt: null, failedAttemptsOnChallenge: null }), NOW, thresholds);
    expect(between.secondsOnChallenge).toBeNull();
    expect(between.flags).toEqual([]);
  });

  it("combines flags in a fixed order", () => {
    const all = facts({
      challengeStartedAt: ago(3600),
      failedAttemptsOnChallenge: 5,
      lastActivityAt: ago(900),
      lastReceivedAt: ago(900),
      lastSandboxFailedAt: ago(1000),
    });
    expect(evaluatePlay(all, NOW, thresholds).flags).toEqual(["sandbox_failed", "failing", "stuck", "idle"]);
  });
});

describe("clock skew", () => {
  it("never gives a negative duration for a timestamp ahead of the server's clock", () => {
    const future = new Date(NOW.getTime() + 5 * 60_000);
    expect(secondsSince(future, NOW, null)).toBe(0);
    const skewed = evaluatePlay(facts({ challengeStartedAt: future, lastActivityAt: future, lastReceivedAt: null }), NOW, thresholds);
    expect(skewed.secondsOnChallenge).toBe(0);
    expect(skewed.secondsSinceActivity).toBe(0);
  });

  it("counts from the moment of receipt, so a skewed play does not read 'just now' until the clocks meet", () => {
    // Instruqt's clock an hour ahead: the events claim 10:50, but Cairn received them at 09:50.
    const claimed = new Date(NOW.getTime() + 50 * 60_000);
    const received = ago(10 * 60);
    const skewed = evaluatePlay(
      facts({ challengeStartedAt: claimed, lastActivityAt: claimed, lastReceivedAt: received }),
      NOW,
      thresholds,
    );
    expect(skewed.secondsSinceActivity).toBe(600);
    expect(skewed.secondsOnChallenge).toBe(600);
    expect(skewed.flags).toEqual(["idle"]);
  });

  it("leaves honest timestamps alone (receipt is only an upper bound)", () => {
    expect(secondsSince(ago(120), NOW, ago(100))).toBe(120);
  });
});

describe("compareNeedsHelp", () => {
  it("puts plays needing help first, then idle ones, then the longest on their challenge", () => {
    const plays = [
      { participantId: "calm-short", flags: [], secondsOnChallenge: 10 },
      { participantId: "idle", flags: ["idle" as const], secondsOnChallenge: 5 },
      { participantId: "calm-long", flags: [], secondsOnChallenge: 500 },
      { participantId: "failing", flags: ["failing" as const], secondsOnChallenge: 20 },
      { participantId: "two", flags: ["failing" as const, "stuck" as const], secondsOnChallenge: 1 },
      { participantId: "between", flags: [], secondsOnChallenge: null },
    ];
    expect(plays.sort(compareNeedsHelp).map((play) => play.participantId)).toEqual([
      "two",
      "failing",
      "idle",
      "calm-long",
      "calm-short",
      "between",
    ]);
  });
});
