/**
 * The kinds of alert rule (issue 13 item 4) and what pages call them. No imports: the settings
 * form (a client component) uses them too.
 */

export const ALERT_KINDS = ["stuck", "failing", "sandbox_failed"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_KIND_LABELS: Record<AlertKind, string> = {
  stuck: "Stuck on a challenge",
  failing: "Failing checks",
  sandbox_failed: "Sandbox failed",
};

/** Upper bounds of `threshold`: a week on one challenge; a thousand failed checks. */
export const MAX_THRESHOLD: Record<AlertKind, number> = { stuck: 10_080, failing: 1_000, sandbox_failed: 1 };
