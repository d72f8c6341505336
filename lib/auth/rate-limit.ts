import { db } from "@/lib/db/client";

/**
 * Fixed-window counters of sign-in attempts in PostgreSQL, so every app instance shares them.
 *
 * An attempt takes its place in the window BEFORE the password is checked, in one statement
 * (INSERT … ON CONFLICT … DO UPDATE … RETURNING), so a burst sent at once cannot all read the
 * same old count: the (limit+1)-th concurrent attempt is refused without a password check. A
 * successful sign-in gives its own place back (decrement, never a reset), so people who sign in
 * correctly are not locked out by their successes, while attempts still in flight keep theirs.
 */

export interface Slot {
  key: string;
  /** The window the attempt was counted in; a refund only applies to the same window. */
  windowStart: Date;
  count: number;
}

/** Counts one attempt for `key` and returns its position in the current window. */
export async function takeSlot(key: string, windowSeconds: number): Promise<Slot> {
  const rows = await db().$queryRaw<{ window_start: Date; count: number }[]>`
    INSERT INTO rate_limit (key, window_start, count)
    VALUES (${key}, now(), 1)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_limit.window_start < now() - make_interval(secs => ${windowSeconds}) THEN 1 ELSE rate_limit.count + 1 END,
      window_start = CASE WHEN rate_limit.window_start < now() - make_interval(secs => ${windowSeconds}) THEN now() ELSE rate_limit.window_start END
    RETURNING window_start, count`;
  const row = rows[0]!;
  return { key, windowStart: row.window_start, count: row.count };
}

/** Gives an attempt's place back (after a successful sign-in). */
export async function refundSlot(slot: Slot): Promise<void> {
  await db().$executeRaw`
    UPDATE rate_limit SET count = GREATEST(count - 1, 0)
    WHERE key = ${slot.key} AND window_start = ${slot.windowStart}`;
}

/** At most this many expired rows are deleted per call, so pruning never costs much. */
const PRUNE_BATCH = 200;

/**
 * Deletes expired windows (of any key), a bounded batch at a time; called on sign-in attempts,
 * so the table holds roughly the keys active in the last window.
 */
export async function pruneExpired(windowSeconds: number): Promise<number> {
  return db().$executeRaw`
    DELETE FROM rate_limit WHERE key IN (
      SELECT key FROM rate_limit
      WHERE window_start < now() - make_interval(secs => ${windowSeconds})
      LIMIT ${PRUNE_BATCH}
      FOR UPDATE SKIP LOCKED)`;
}
