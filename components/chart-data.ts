import type { DayCount } from "@/lib/dashboard/overview";

/**
 * Shapes chart data so a chart says what matters at a glance; pure, so unit tests pin it. Each
 * chart's table alternative shows the same shaped data.
 */

/**
 * Days from the first one with events (but at least `minDays`, ending today): a 30-day axis for
 * a cohort that started three days ago is mostly empty space.
 */
export function fromFirstActiveDay(days: DayCount[], minDays = 7): DayCount[] {
  const first = days.findIndex((day) => day.events > 0);
  if (first === -1) return days.slice(-minDays);
  return days.slice(Math.min(first, Math.max(0, days.length - minDays)));
}

export interface SplitBuckets<T> {
  /** The "passed at the first check" bucket (0 failed attempts before success), if any. */
  firstTry: number;
  /** Every other bucket, for a chart on its own scale. */
  rest: T[];
  total: number;
}

/**
 * Most challenges pass at the first check, so the 0 bucket dwarfs the others and the interesting
 * tail (1, 2, 3+ failures first) is invisible at one scale. It is reported in words instead, and
 * the chart shows the rest.
 */
export function splitFirstTry<T extends { failedBefore: number; challenges: number }>(buckets: T[]): SplitBuckets<T> {
  const firstTry = buckets.filter((bucket) => bucket.failedBefore === 0).reduce((sum, bucket) => sum + bucket.challenges, 0);
  const rest = buckets.filter((bucket) => bucket.failedBefore > 0);
  return { firstTry, rest, total: firstTry + rest.reduce((sum, bucket) => sum + bucket.challenges, 0) };
}
