/**
 * How long a failed enrichment job waits before its next attempt: exponential in the number of
 * attempts made, capped, with "equal jitter" (half the delay fixed, half random) so that jobs
 * failing together (Instruqt down for a minute) do not all come back in the same second, while
 * the wait never drops below half the nominal one.
 */

export interface BackoffPolicy {
  /** Delay after the first failed attempt, before jitter. */
  baseMs: number;
  /** No delay exceeds this, before jitter. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 3600_000 };

/** Nominal delay after `attempts` attempts (1 = the first failed): base · 2^(attempts−1), capped. */
export function nominalDelayMs(attempts: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.max(0, Math.min(attempts - 1, 30));
  return Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
}

/** The delay to wait: uniformly in [nominal/2, nominal]. `random` is injectable for tests. */
export function backoffDelayMs(attempts: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const nominal = nominalDelayMs(attempts, policy);
  return Math.round(nominal / 2 + random() * (nominal / 2));
}
