/**
 * Who needs help, as a pure function of one play's facts and the server's clock: the durations the
 * live board shows and the flags it raises. Pure so the thresholds and the clock-skew rule are
 * tested without a database, and so the stream can re-evaluate every play as time passes without
 * reading anything again.
 */

export const LIVE_FLAGS = ["sandbox_failed", "failing", "stuck", "idle"] as const;
export type LiveFlag = (typeof LIVE_FLAGS)[number];

/** No event for this long: idle (issue 13 fixes it at 10 minutes). */
export const IDLE_SECONDS = 10 * 60;

export interface FlagThresholds {
  /** CAIRN_STUCK_MINUTES. */
  stuckMinutes: number;
  /** CAIRN_FAILING_ATTEMPTS. */
  failingAttempts: number;
}

/** What the database knows about one active play, as timestamps (Instruqt's clock). */
export interface PlayFacts {
  /** When the current challenge started; null when the play is between challenges. */
  challengeStartedAt: Date | null;
  failedAttemptsOnChallenge: number | null;
  /** The median seconds other learners took to finish the current challenge; null when none did. */
  medianChallengeSeconds: number | null;
  lastActivityAt: Date | null;
  /**
   * When Cairn received the play's newest event (the server's clock). No event can have happened
   * after it was received, so it bounds every event timestamp: a sender's clock running ahead
   * then reads as "just received", and the duration grows from there instead of sitting at zero
   * until the server's clock catches up.
   */
  lastReceivedAt: Date | null;
  lastSandboxFailedAt: Date | null;
  lastSandboxCreatedAt: Date | null;
}

export interface PlayEvaluation {
  secondsOnChallenge: number | null;
  secondsSinceActivity: number | null;
  flags: LiveFlag[];
}

/** Whole seconds from an event timestamp to now, never negative. */
export function secondsSince(at: Date | null, now: Date, receivedBound: Date | null): number | null {
  if (!at) return null;
  const effective = receivedBound && receivedBound.getTime() < at.getTime() ? receivedBound : at;
  return Math.max(0, Math.floor((now.getTime() - effective.getTime()) / 1000));
}

/** How long on one challenge makes a play stuck: the floor, or twice what others took if longer. */
export function stuckAfterSeconds(medianSeconds: number | null, stuckMinutes: number): number {
  return Math.max(stuckMinutes * 60, medianSeconds === null ? 0 : 2 * medianSeconds);
}

export function evaluatePlay(facts: PlayFacts, now: Date, thresholds: FlagThresholds): PlayEvaluation {
  const secondsOnChallenge = secondsSince(facts.challengeStartedAt, now, facts.lastReceivedAt);
  const secondsSinceActivity = secondsSince(facts.lastActivityAt, now, facts.lastReceivedAt);
  const flags: LiveFlag[] = [];
  // Order of the timestamps, not of arrival: a created after the failure means the retry worked.
  if (
    facts.lastSandboxFailedAt &&
    (!facts.lastSandboxCreatedAt || facts.lastSandboxCreatedAt.getTime() < facts.lastSandboxFailedAt.getTime())
  ) {
    flags.push("sandbox_failed");
  }
  if (facts.challengeStartedAt && (facts.failedAttemptsOnChallenge ?? 0) >= thresholds.failingAttempts) {
    flags.push("failing");
  }
  if (
    secondsOnChallenge !== null &&
    secondsOnChallenge > stuckAfterSeconds(facts.medianChallengeSeconds, thresholds.stuckMinutes)
  ) {
    flags.push("stuck");
  }
  if (secondsSinceActivity !== null && secondsSinceActivity >= IDLE_SECONDS) flags.push("idle");
  return { secondsOnChallenge, secondsSinceActivity, flags };
}

/** Flags that mean someone should walk over; idle alone may just be a coffee break. */
const HELP_FLAGS: ReadonlySet<LiveFlag> = new Set(["sandbox_failed", "failing", "stuck"]);

export interface Rankable {
  participantId: string;
  flags: readonly LiveFlag[];
  secondsOnChallenge: number | null;
}

function urgency(flags: readonly LiveFlag[]): number {
  const help = flags.filter((flag) => HELP_FLAGS.has(flag)).length;
  return help > 0 ? 10 + help : flags.length > 0 ? 1 : 0;
}

/** Needs-help first (more help flags first, then idle), then longest on the challenge; stable by id. */
export function compareNeedsHelp(a: Rankable, b: Rankable): number {
  return (
    urgency(b.flags) - urgency(a.flags) ||
    (b.secondsOnChallenge ?? -1) - (a.secondsOnChallenge ?? -1) ||
    (a.participantId < b.participantId ? -1 : a.participantId > b.participantId ? 1 : 0)
  );
}
