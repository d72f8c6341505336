import { db } from "@/lib/db/client";
import type { RefusedReason } from "./endpoint";

export type { RefusedReason };

/**
 * Counts of requests the webhook refused, per hour and reason. Counted in memory and written at
 * most once a second per instance, so a flood of forged requests costs a counter update, not a
 * row (or a write) per request. Counts lost in a crash are acceptable: they are diagnostics.
 */

const FLUSH_DELAY_MS = 1_000;

interface PendingCount {
  hour: Date;
  reason: RefusedReason;
  count: number;
  lastSeenAt: Date;
}

// Process-wide, on globalThis: the production server and Next's bundle each load a copy of this
// module; one map and one timer per process keep "at most one write a second" true.
const STATE = Symbol.for("cairn.webhooks.refusals");
interface RefusalState {
  pending: Map<string, PendingCount>;
  flushTimer: ReturnType<typeof setTimeout> | undefined;
}
const store = globalThis as unknown as Record<typeof STATE, RefusalState | undefined>;
const state: RefusalState = (store[STATE] ??= { pending: new Map(), flushTimer: undefined });
const pending = state.pending;

function hourOf(date: Date): Date {
  const hour = new Date(date);
  hour.setUTCMinutes(0, 0, 0);
  return hour;
}

export function countRefusal(reason: RefusedReason, at: Date = new Date()): void {
  const hour = hourOf(at);
  const key = `${hour.toISOString()}|${reason}`;
  const entry = pending.get(key);
  if (entry) {
    entry.count++;
    entry.lastSeenAt = at;
  } else {
    pending.set(key, { hour, reason, count: 1, lastSeenAt: at });
  }
  state.flushTimer ??= setTimeout(() => {
    state.flushTimer = undefined;
    void flushRefusals();
  }, FLUSH_DELAY_MS);
  state.flushTimer.unref?.();
}

export async function flushRefusals(): Promise<void> {
  const batch = [...pending.values()];
  pending.clear();
  for (const entry of batch) {
    try {
      await db().$executeRaw`
        INSERT INTO refused_delivery (hour, reason, count, last_seen_at)
        VALUES (${entry.hour}, ${entry.reason}, ${entry.count}, ${entry.lastSeenAt})
        ON CONFLICT (hour, reason) DO UPDATE
          SET count = refused_delivery.count + EXCLUDED.count,
              last_seen_at = GREATEST(refused_delivery.last_seen_at, EXCLUDED.last_seen_at)`;
    } catch {
      // The database is unavailable: keep the count for the next flush rather than lose it.
      const key = `${entry.hour.toISOString()}|${entry.reason}`;
      const current = pending.get(key);
      if (current) current.count += entry.count;
      else pending.set(key, entry);
    }
  }
}
