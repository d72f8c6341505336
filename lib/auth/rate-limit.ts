import { db } from "@/lib/db/client";

/**
 * Fixed-window counters of failed sign-ins in PostgreSQL, so every app instance shares them. Only
 * failures count: people who sign in correctly are never locked out by their own successes, and
 * a guesser gets `limit` tries per window.
 */

/** Whether the key has used up its failures in the current window. */
export async function isRateLimited(key: string, limit: number, windowSeconds: number): Promise<boolean> {
  const rows = await db().$queryRaw<{ count: number }[]>`
    SELECT count FROM rate_limit
    WHERE key = ${key} AND window_start >= now() - make_interval(secs => ${windowSeconds})`;
  return (rows[0]?.count ?? 0) >= limit;
}

export async function recordFailure(key: string, windowSeconds: number): Promise<void> {
  await db().$executeRaw`
    INSERT INTO rate_limit (key, window_start, count)
    VALUES (${key}, now(), 1)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_limit.window_start < now() - make_interval(secs => ${windowSeconds}) THEN 1 ELSE rate_limit.count + 1 END,
      window_start = CASE WHEN rate_limit.window_start < now() - make_interval(secs => ${windowSeconds}) THEN now() ELSE rate_limit.window_start END`;
}

export async function resetRateLimit(key: string): Promise<void> {
  await db().rateLimit.deleteMany({ where: { key } });
}
