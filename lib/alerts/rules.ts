import type { LiveEntry, LiveScope } from "@/lib/live/board";
import type { LivePlay } from "@/lib/live/play";
import { inScope } from "@/lib/live/stream";
import type { AlertKind } from "./kinds";

/**
 * Whether a play on the live board meets an alert rule, as a pure function of the board's entry
 * (lib/live/board.ts) and the rule: the conditions of issue 13 item 4 and the rule's track and
 * invite scope, which is the live stream's own scope rule (`inScope`), so a rule and a board
 * filtered the same way agree on which plays they see.
 */

/** What evaluation needs of a rule. */
export interface RuleCondition {
  id: string;
  kind: AlertKind;
  /** Minutes (stuck) or failed checks (failing); 1 for sandbox_failed. */
  threshold: number;
  /** The track resolved when the rule was made; null when it was unknown then. */
  trackId: string | null;
  /** The track as the rule named it (slug or id); null: every track. */
  trackKey: string | null;
  inviteId: string | null;
}

/** The live scope a rule watches (the live stream's LiveScope). */
export function ruleScope(rule: Pick<RuleCondition, "trackId" | "trackKey" | "inviteId">): LiveScope {
  return {
    ...(rule.trackKey !== null ? { trackId: rule.trackId, trackKey: rule.trackKey } : {}),
    ...(rule.inviteId !== null ? { inviteId: rule.inviteId } : {}),
  };
}

/**
 * Which challenge an alert is about: its id, else its number ("#2"), else "-" (between
 * challenges — a sandbox can fail before the first one). A play that moves on is another key, so
 * its alert resolves and a new one may open on the next challenge.
 */
export function challengeKeyOf(play: Pick<LivePlay, "challenge_id" | "challenge_number">): string {
  if (play.challenge_id) return play.challenge_id;
  if (play.challenge_number !== null) return `#${play.challenge_number}`;
  return "-";
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

function minutesText(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return plural(minutes, "minute", "minutes");
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? plural(hours, "hour", "hours") : `${hours} h ${rest} min`;
}

const challengeText = (play: Pick<LivePlay, "challenge_number">) =>
  play.challenge_number === null ? "between challenges" : `on challenge ${play.challenge_number}`;

/** Whether the rule's condition holds for the play now (scope aside). */
export function conditionHolds(rule: Pick<RuleCondition, "kind" | "threshold">, play: LivePlay): boolean {
  switch (rule.kind) {
    case "stuck":
      return play.challenge_number !== null && play.seconds_on_challenge !== null && play.seconds_on_challenge >= rule.threshold * 60;
    case "failing":
      return play.challenge_number !== null && (play.failed_attempts_on_challenge ?? 0) >= rule.threshold;
    case "sandbox_failed":
      return play.flags.includes("sandbox_failed");
  }
}

/** One readable line saying why the alert fired: "stuck on challenge 2 for 17 minutes". */
export function alertDetail(kind: AlertKind, play: LivePlay): string {
  switch (kind) {
    case "stuck":
      return `stuck ${challengeText(play)} for ${minutesText(play.seconds_on_challenge ?? 0)}`;
    case "failing":
      return `${plural(play.failed_attempts_on_challenge ?? 0, "failed check", "failed checks")} ${challengeText(play)}`;
    case "sandbox_failed":
      return `sandbox failed ${challengeText(play)}`;
  }
}

export interface RuleMatch {
  ruleId: string;
  kind: AlertKind;
  participantId: string;
  challengeKey: string;
  detail: string;
  play: LivePlay;
}

/** The rule's match for one board entry, or null. */
export function matchRule(rule: RuleCondition, entry: LiveEntry): RuleMatch | null {
  if (!inScope(entry, ruleScope(rule))) return null;
  if (!conditionHolds(rule, entry.play)) return null;
  return {
    ruleId: rule.id,
    kind: rule.kind,
    participantId: entry.play.participant_id,
    challengeKey: challengeKeyOf(entry.play),
    detail: alertDetail(rule.kind, entry.play),
    play: entry.play,
  };
}

/** Every (rule, play) that meets its rule on this board: what should have an open alert now. */
export function matchBoard(rules: readonly RuleCondition[], board: readonly LiveEntry[]): RuleMatch[] {
  const matches: RuleMatch[] = [];
  for (const rule of rules) {
    for (const entry of board) {
      const match = matchRule(rule, entry);
      if (match) matches.push(match);
    }
  }
  return matches;
}
