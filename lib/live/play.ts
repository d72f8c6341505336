import type { LiveFlag, PlayFacts } from "./flags";

/**
 * One play on the live board, exactly as `GET /api/live` and the stream's `event: play` carry it
 * (issue 13 names every field; unknown values are null, flags may be empty).
 */
export interface LivePlay {
  participant_id: string;
  user_id: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  track_id: string | null;
  track_slug: string | null;
  track_title: string | null;
  challenge_number: number | null;
  challenge_id: string | null;
  challenge_title: string | null;
  seconds_on_challenge: number | null;
  failed_attempts_on_challenge: number | null;
  seconds_since_activity: number | null;
  flags: LiveFlag[];
}

/**
 * What makes a play "changed" for the stream: everything but the two durations, which tick every
 * second and which a viewer advances on its own clock from the last message — unless the moments
 * they count from moved (a new event), which the key carries instead.
 */
export function changeKey(play: LivePlay, facts: PlayFacts): string {
  const rest: Partial<LivePlay> = { ...play };
  delete rest.seconds_on_challenge;
  delete rest.seconds_since_activity;
  const anchors = [facts.challengeStartedAt, facts.lastActivityAt, facts.lastReceivedAt].map((at) => at?.getTime() ?? null);
  return JSON.stringify([rest, anchors]);
}
