/**
 * How the dashboards write numbers, rates, durations and times. Times are UTC everywhere (and say
 * so): a workshop's instructors and learners are rarely in one time zone, and server-rendered
 * pages cannot know the reader's.
 */

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatNumber(value: number): string {
  return integer.format(value);
}

/** A 0–1 rate as a whole percentage; "—" when there is nothing to divide. */
export function formatRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return "—";
  return `${Math.round(rate * 100)}%`;
}

/** Seconds as the two largest units: "45s", "4m 05s", "1h 02m", "3d 4h"; "—" when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const total = Math.max(0, Math.round(seconds));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3_600);
  const minutes = Math.floor((total % 3_600) / 60);
  const secs = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${pad(minutes)}m`;
  if (minutes > 0) return `${minutes}m ${pad(secs)}s`;
  return `${secs}s`;
}

/** "2024-03-01 09:05 UTC"; "—" when unknown. */
export function formatDateTime(date: Date | null | undefined, { seconds = false } = {}): string {
  if (!date) return "—";
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, seconds ? 19 : 16)} UTC`;
}

/** "5 min ago", "3 h ago", "2 d ago", relative to `now`; future times read "just now". */
export function formatAgo(date: Date | null | undefined, now: Date = new Date()): string {
  if (!date) return "—";
  const seconds = Math.max(0, Math.floor((now.getTime() - date.getTime()) / 1000));
  if (seconds < 60) return "just now";
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** "Mar 1" for a "YYYY-MM-DD" UTC day. */
export function formatDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return date.toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
}

/** A learner as people know them: their name, else their email, else their Instruqt user id. */
export function learnerLabel(learner: {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  userId?: string | null;
}): string {
  const name = [learner.firstName, learner.lastName].filter((part) => part && part.trim()).join(" ");
  return name || learner.email || learner.userId || "Unknown learner";
}

const EVENT_DESCRIPTIONS: Record<string, string> = {
  "track.started": "started the track",
  "track.completed": "completed the track",
  "track.stopped": "stopped the track",
  "track.cleaned": "track cleaned up",
  "track.challenge_setup": "challenge set up",
  "track.challenge_started": "started a challenge",
  "track.challenge_attempted": "checked a challenge",
  "track.challenge_completed": "completed a challenge",
  "track.challenge_cleaned": "challenge cleaned up",
  "track.skipped_to_challenge": "skipped to a challenge",
  "sandbox.creating": "sandbox creating",
  "sandbox.created": "sandbox ready",
  "sandbox.failed": "sandbox failed",
  "sandbox.cleaned": "sandbox cleaned up",
  "invite.claimed": "claimed an invite",
  "review.created": "wrote a review",
  "review.updated": "updated a review",
};

/** Instruqt's event types in words ("track.challenge_attempted" → "checked a challenge"). */
export function describeEventType(type: string): string {
  return EVENT_DESCRIPTIONS[type] ?? type.replaceAll(/[._]/g, " ");
}
