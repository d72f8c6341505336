import { learnerLabel } from "@/components/format";
import { trackLabel } from "@/lib/catalogue/names";
import type { LivePlay } from "@/lib/live/play";
import { playPath } from "@/lib/plays/links";
import type { AlertKind } from "./kinds";

/**
 * What an alert says, built once for both channels: the webhook body (Slack-compatible: a `text`
 * line incoming webhooks show, plus the structured `alert` object of issue 13) and the e-mail's
 * subject and text. Pure, so the exact wording and shape are unit tested.
 */

export interface AlertFacts {
  id: string;
  ruleId: string;
  kind: AlertKind;
  detail: string;
  /** The live board's play when the alert opened. */
  play: LivePlay;
}

export interface AlertPayload {
  text: string;
  alert: {
    rule_id: string;
    kind: AlertKind;
    participant_id: string;
    user_id: string | null;
    track_slug: string | null;
    track_title: string | null;
    challenge_number: number | null;
    challenge_title: string | null;
    detail: string;
    dashboard_url: string;
  };
}

/** The public base URL notifications link to: CAIRN_PUBLIC_URL, else NEXTAUTH_URL, else this server. */
export function dashboardBaseUrl(config: { CAIRN_PUBLIC_URL?: string; NEXTAUTH_URL?: string; PORT: number }): string {
  return (config.CAIRN_PUBLIC_URL ?? config.NEXTAUTH_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, "");
}

/** The learner's play on Cairn's pages. */
export function dashboardUrl(baseUrl: string, play: Pick<LivePlay, "user_id" | "participant_id">): string {
  return `${baseUrl.replace(/\/+$/, "")}${playPath(play.user_id, play.participant_id)}`;
}

const learnerOf = (play: LivePlay) =>
  learnerLabel({ firstName: play.first_name, lastName: play.last_name, email: play.email, userId: play.user_id });

function trackOf(play: LivePlay): string | null {
  const id = play.track_id ?? play.track_slug;
  return id ? trackLabel({ id, slug: play.track_slug, title: play.track_title }) : null;
}

function challengeOf(play: LivePlay): string | null {
  if (play.challenge_number === null) return null;
  const name = play.challenge_title ?? play.challenge_id;
  return name ? `challenge ${play.challenge_number} “${name}”` : `challenge ${play.challenge_number}`;
}

/** "Ada Lovelace (Kubernetes basics, challenge 2 “Pods”): 4 failed checks on challenge 2" */
export function alertSummary(facts: AlertFacts): string {
  const where = [trackOf(facts.play), challengeOf(facts.play)].filter(Boolean).join(", ");
  return `${learnerOf(facts.play)}${where ? ` (${where})` : ""}: ${facts.detail}`;
}

/** The webhook body. `text` reads on its own in Slack: who, where, why, and a link (<url|label>). */
export function webhookPayload(facts: AlertFacts, baseUrl: string): AlertPayload {
  const url = dashboardUrl(baseUrl, facts.play);
  return {
    text: `Cairn alert: ${alertSummary(facts)} <${url}|Open in Cairn>`,
    alert: {
      rule_id: facts.ruleId,
      kind: facts.kind,
      participant_id: facts.play.participant_id,
      user_id: facts.play.user_id,
      track_slug: facts.play.track_slug,
      track_title: facts.play.track_title,
      challenge_number: facts.play.challenge_number,
      challenge_title: facts.play.challenge_title,
      detail: facts.detail,
      dashboard_url: url,
    },
  };
}

export interface AlertEmail {
  subject: string;
  text: string;
}

/** Subject and plain-text body of the alert e-mail, with the link to the learner. */
export function alertEmail(facts: AlertFacts, baseUrl: string): AlertEmail {
  const url = dashboardUrl(baseUrl, facts.play);
  const lines = [
    alertSummary(facts),
    "",
    `Learner: ${learnerOf(facts.play)}${facts.play.user_id ? ` (user ${facts.play.user_id})` : ""}`,
    `Track: ${trackOf(facts.play) ?? "unknown"}`,
    `Challenge: ${challengeOf(facts.play) ?? "between challenges"}`,
    `Why: ${facts.detail}`,
    "",
    `Open in Cairn: ${url}`,
    "",
    "You receive this because of an alert rule in Cairn (Settings → Alerts).",
  ];
  // A subject is one line: webhook-borne text could carry line breaks.
  const subject = `[Cairn] ${learnerOf(facts.play)}: ${facts.detail}`.replace(/[\r\n]+/g, " ").slice(0, 200);
  return { subject, text: lines.join("\n") };
}
