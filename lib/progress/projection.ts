import type { ChallengeEvent, PlayEvent } from "@/lib/instruqt/events";

/**
 * The projection: a play's progress as a pure function of the *set* of its events. Svix delivers
 * at least once and in any order, so nothing here may depend on arrival order: events are sorted
 * by a total order (timestamp, then svix id) before anything picks "the latest" value, and every
 * count is over distinct deliveries.
 */

// The statuses are the database's enums, named once in the generated client.
import type { ChallengeStatus, PlayStatus } from "@/lib/generated/prisma/enums";
export type { ChallengeStatus, PlayStatus };

export interface StoredPlayEvent {
  svixId: string;
  occurredAt: Date;
  event: PlayEvent;
}

export interface ChallengeProgressRow {
  challengeIndex: number;
  challengeId: string | null;
  status: ChallengeStatus;
  startedAt: Date | null;
  completedAt: Date | null;
  lastActivityAt: Date | null;
  attempts: number;
  failedAttempts: number;
  skipped: boolean;
  secondsInChallenge: number | null;
}

export interface PlayProgress {
  participantId: string;
  userId: string | null;
  trackId: string | null;
  trackSlug: string | null;
  inviteId: string | null;
  mode: string | null;
  customParameters: Record<string, unknown> | null;
  status: PlayStatus;
  challengesCompleted: number;
  totalChallenges: number | null;
  progressPercent: number | null;
  attempts: number;
  failedAttempts: number;
  skippedChallenges: number;
  sandboxFailures: number;
  eventCount: number;
  startedAt: Date | null;
  completedAt: Date | null;
  stoppedAt: Date | null;
  firstActivityAt: Date | null;
  lastActivityAt: Date | null;
  timeSpentSeconds: number;
  challenges: ChallengeProgressRow[];
}

interface ChallengeAccumulator {
  challengeId: string | null;
  startedAt: Date | null;
  firstSeenAt: Date | null;
  completedAt: Date | null;
  lastActivityAt: Date | null;
  attempts: number;
  failedAttempts: number;
}

function compareEvents(a: StoredPlayEvent, b: StoredPlayEvent): number {
  const byTime = a.occurredAt.getTime() - b.occurredAt.getTime();
  if (byTime !== 0) return byTime;
  // Same millisecond: the raw timestamp still orders by its nanoseconds, then the svix id breaks ties.
  const rawA = a.event.timestamp;
  const rawB = b.event.timestamp;
  if (rawA !== rawB) return rawA < rawB ? -1 : 1;
  return a.svixId < b.svixId ? -1 : a.svixId > b.svixId ? 1 : 0;
}

const earliest = (current: Date | null, candidate: Date) =>
  current === null || candidate < current ? candidate : current;
const latest = (current: Date | null, candidate: Date) =>
  current === null || candidate > current ? candidate : current;

function isChallengeEvent(event: PlayEvent): event is ChallengeEvent {
  return "challenge_id" in event && typeof event.challenge_id === "string";
}

/** The newest non-empty value of a field across the (sorted) events, or null. */
function newestValue<T>(events: StoredPlayEvent[], pick: (event: PlayEvent) => T | null | undefined): T | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const value = pick(events[i]!.event);
    if (value !== null && value !== undefined && value !== "") return value;
  }
  return null;
}

/**
 * Whole seconds from `from` to `to`, capped to what the 32-bit columns hold: a verified play whose
 * timestamps lie decades apart (a clock bug, a forged test) must still be storable — a failing
 * write would answer 503 and Svix would retry the event for a day.
 */
const MAX_SECONDS = 2_147_483_647;
function seconds(from: Date, to: Date): number {
  return Math.min(MAX_SECONDS, Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000)));
}

export function projectPlay(participantId: string, input: readonly StoredPlayEvent[]): PlayProgress {
  // Duplicates by svix id count once; the ingest path already prevents them, this keeps the
  // function honest on its own.
  const unique = new Map<string, StoredPlayEvent>();
  for (const stored of input) {
    if (stored.event.participant_id === participantId) unique.set(stored.svixId, stored);
  }
  const events = [...unique.values()].sort(compareEvents);

  // Challenge ids map to their positions wherever any event states both.
  const indexById = new Map<string, number>();
  let totalChallenges: number | null = null;
  for (const { event } of events) {
    if (!isChallengeEvent(event)) continue;
    if (typeof event.challenge_index === "number" && !indexById.has(event.challenge_id)) {
      indexById.set(event.challenge_id, event.challenge_index);
    }
    if (typeof event.total_challenges === "number") {
      totalChallenges = Math.max(totalChallenges ?? 0, event.total_challenges);
    }
  }

  const challenges = new Map<number, ChallengeAccumulator>();
  const challengeAt = (index: number, challengeId: string | null): ChallengeAccumulator => {
    let row = challenges.get(index);
    if (!row) {
      row = {
        challengeId,
        startedAt: null,
        firstSeenAt: null,
        completedAt: null,
        lastActivityAt: null,
        attempts: 0,
        failedAttempts: 0,
      };
      challenges.set(index, row);
    }
    row.challengeId ??= challengeId;
    return row;
  };

  let trackStartedAt: Date | null = null;
  let completedAt: Date | null = null;
  let stoppedAt: Date | null = null;
  let firstActivityAt: Date | null = null;
  let lastActivityAt: Date | null = null;
  let attempts = 0;
  let failedAttempts = 0;
  let sandboxFailures = 0;
  let challengeActivity = false;
  const completedIndexes = new Set<number>();
  const completedIdsWithoutIndex = new Set<string>();
  let furthestSkipTarget = -1;

  for (const { occurredAt: at, event } of events) {
    firstActivityAt = earliest(firstActivityAt, at);
    lastActivityAt = latest(lastActivityAt, at);

    switch (event.type) {
      case "track.started":
        trackStartedAt = earliest(trackStartedAt, at);
        break;
      case "track.completed":
        completedAt = earliest(completedAt, at);
        break;
      case "track.stopped":
        stoppedAt = earliest(stoppedAt, at);
        break;
      case "sandbox.failed":
        sandboxFailures++;
        break;
    }

    if (!isChallengeEvent(event)) continue;
    const index = indexById.get(event.challenge_id);
    const row = index === undefined ? null : challengeAt(index, event.challenge_id);
    // Platform housekeeping (setup and cleanup scripts) is not the learner's activity in a challenge.
    const learnerAction = event.type !== "track.challenge_setup" && event.type !== "track.challenge_cleaned";
    if (row && learnerAction) {
      row.firstSeenAt = earliest(row.firstSeenAt, at);
      row.lastActivityAt = latest(row.lastActivityAt, at);
    }

    switch (event.type) {
      case "track.challenge_started":
        challengeActivity = true;
        if (row) row.startedAt = earliest(row.startedAt, at);
        break;
      case "track.challenge_attempted":
        challengeActivity = true;
        attempts++;
        if (row) row.attempts++;
        if (event.completed) {
          if (row) row.completedAt = earliest(row.completedAt, at);
        } else {
          failedAttempts++;
          if (row) row.failedAttempts++;
        }
        break;
      case "track.challenge_completed":
        challengeActivity = true;
        if (row) row.completedAt = earliest(row.completedAt, at);
        break;
      case "track.skipped_to_challenge":
        challengeActivity = true;
        if (index !== undefined) furthestSkipTarget = Math.max(furthestSkipTarget, index);
        break;
    }
    const completes =
      event.type === "track.challenge_completed" ||
      (event.type === "track.challenge_attempted" && event.completed);
    if (completes) {
      if (index === undefined) completedIdsWithoutIndex.add(event.challenge_id);
      else completedIndexes.add(index);
    }
  }

  // Positions are 0-based in Instruqt's payloads; a position equal to the total can only mean a
  // 1-based track, so the passed-over range then starts at 1.
  const maxIndex = Math.max(-1, ...challenges.keys(), furthestSkipTarget);
  const firstIndex = totalChallenges !== null && maxIndex >= totalChallenges ? 1 : 0;
  const skippedIndexes = new Set<number>();
  for (let i = firstIndex; i < furthestSkipTarget; i++) {
    if (!completedIndexes.has(i)) skippedIndexes.add(i);
  }
  for (const i of skippedIndexes) challengeAt(i, null);

  const challengeRows: ChallengeProgressRow[] = [...challenges.entries()]
    .sort(([a], [b]) => a - b)
    .map(([challengeIndex, row]) => {
      const startedAt = row.startedAt ?? row.firstSeenAt;
      const skipped = skippedIndexes.has(challengeIndex);
      const status: ChallengeStatus = row.completedAt
        ? "completed"
        : skipped
          ? "skipped"
          : startedAt
            ? "in_progress"
            : "not_started";
      const endOfWork = row.completedAt ?? row.lastActivityAt;
      return {
        challengeIndex,
        challengeId: row.challengeId,
        status,
        startedAt,
        completedAt: row.completedAt,
        lastActivityAt: row.lastActivityAt,
        attempts: row.attempts,
        failedAttempts: row.failedAttempts,
        skipped,
        secondsInChallenge:
          startedAt && endOfWork ? seconds(startedAt, endOfWork) : null,
      };
    });

  const challengesCompleted = completedIndexes.size + completedIdsWithoutIndex.size;
  const status: PlayStatus = completedAt
    ? "completed"
    : stoppedAt
      ? "stopped"
      : challengeActivity
        ? "in_progress"
        : "started";
  const progressPercent =
    totalChallenges && totalChallenges > 0
      ? Math.min(100, Math.round((100 * challengesCompleted) / totalChallenges))
      : null;

  return {
    participantId,
    userId: newestValue(events, (e) => e.user_id),
    trackId: newestValue(events, (e) => e.track_id),
    trackSlug: newestValue(events, (e) => (typeof e.track_slug === "string" ? e.track_slug : null)),
    inviteId: newestValue(events, (e) => e.invite_id),
    mode: newestValue(events, (e) => e.mode),
    customParameters: newestValue(events, (e) =>
      e.custom_parameters && Object.keys(e.custom_parameters).length > 0 ? e.custom_parameters : null,
    ),
    status,
    challengesCompleted,
    totalChallenges,
    progressPercent,
    attempts,
    failedAttempts,
    skippedChallenges: skippedIndexes.size,
    sandboxFailures,
    eventCount: events.length,
    startedAt: trackStartedAt ?? firstActivityAt,
    completedAt,
    stoppedAt: completedAt ? null : stoppedAt,
    firstActivityAt,
    lastActivityAt,
    timeSpentSeconds:
      firstActivityAt && lastActivityAt
        ? seconds(firstActivityAt, lastActivityAt)
        : 0,
    challenges: challengeRows,
  };
}
