/**
 * The challenge positions of a track, from the indexes plays reported and the track's stated
 * length. Instruqt's challenge_index counts from 0; a track whose payloads count from 1 (an index
 * equal to the total, and none at 0) keeps its own numbers, as the projection assumes too.
 */
export interface ChallengePositions {
  /** Indexes to show, in order: every position up to the total, and any beyond it plays reported. */
  indexes: number[];
  /** The 1-based number people see for an index. */
  position: (index: number) => number;
}

export function challengePositions(reported: Iterable<number>, totalChallenges: number | null): ChallengePositions {
  const seen = new Set(reported);
  const highest = Math.max(-1, ...seen);
  const oneBased = totalChallenges !== null && highest >= totalChallenges && !seen.has(0);
  const first = oneBased ? 1 : 0;
  const last = Math.max(highest, (totalChallenges ?? 0) - 1 + first);
  const indexes: number[] = [];
  for (let index = first; index <= last; index++) indexes.push(index);
  return { indexes, position: (index) => (oneBased ? index : index + 1) };
}
