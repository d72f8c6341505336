import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";

/**
 * Fixed-window counters of sign-in attempts in PostgreSQL, so every app instance shares them.
 *
 * An attempt takes its place in the window BEFORE the password is checked, in one statement
 * (INSERT … ON CONFLICT … DO UPDATE … RETURNING, the window's rollover decided in the same
 * statement), so a burst sent at once cannot all read the same old count: the (limit+1)-th
 * concurrent attempt is refused without a password check. A successful sign-in gives its own
 * place back (a decrement, never a reset), so people who sign in correctly are not locked out by
 * their successes, while attempts still in flight keep theirs.
 */

export interface Slot {
  key: string;
  /** The window the attempt was counted in, as PostgreSQL wrote it (microseconds kept). */
  windowStart: string;
  count: number;
}

/**
 * Counts one attempt under each key (all in one statement; rows locked in the order given, so
 * concurrent calls with the same keys cannot deadlock) and returns each key's position.
 */
export async function takeSlots(keys: readonly string[], windowSeconds: number): Promise<Slot[]> {
  const rows = await db().$queryRaw<{ key: string; window_start: string; count: number }[]>`
    INSERT INTO rate_limit AS r (key, window_start, count)
    VALUES ${Prisma.join(keys.map((key) => Prisma.sql`(${key}, now(), 1)`))}
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN r.window_start < now() - make_interval(secs => ${windowSeconds}) THEN 1 ELSE r.count + 1 END,
      window_start = CASE WHEN r.window_start < now() - make_interval(secs => ${windowSeconds}) THEN now() ELSE r.window_start END
    RETURNING key, window_start::text AS window_start, count`;
  return keys.map((key) => {
    const row = rows.find((candidate) => candidate.key === key)!;
    return { key, windowStart: row.window_start, count: row.count };
  });
}

/** Gives attempts' places back (after a successful sign-in), in the windows they were counted in. */
export async function refundSlots(slots: readonly Slot[]): Promise<void> {
  if (slots.length === 0) return;
  await db().$executeRaw`
    UPDATE rate_limit SET count = GREATEST(count - 1, 0)
    WHERE (key, window_start) IN (${Prisma.join(slots.map((slot) => Prisma.sql`(${slot.key}, ${slot.windowStart}::timestamptz)`))})`;
}

/** At most this many expired rows are deleted per call, so pruning never costs much. */
const PRUNE_BATCH = 200;

/**
 * Deletes expired windows (of any key), a bounded batch at a time. Called when an attempt opens a
 * new window, so the table holds about the keys active in the last window, at no cost to a burst.
 */
export async function pruneExpired(windowSeconds: number): Promise<number> {
  return db().$executeRaw`
    DELETE FROM rate_limit WHERE key IN (
      SELECT key FROM rate_limit
      WHERE window_start < now() - make_interval(secs => ${windowSeconds})
      LIMIT ${PRUNE_BATCH}
      FOR UPDATE SKIP LOCKED)`;
}
