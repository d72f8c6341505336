import type { PrismaClient } from "@/lib/generated/prisma/client";
import { classifyEvent } from "@/lib/instruqt/events";
import { DirectoryChanges } from "./directory";
import { projectPlays, TRANSACTION_OPTIONS } from "./projector";

/**
 * Rebuilds the projections from the event log with the projector's own functions, in two passes:
 *   1. plays, by participant id: each batch recomputes its plays from their full event sets and
 *      overwrites them (under the same advisory locks as the projector, so ingest may go on);
 *   2. the directory (tracks, learners, invite claims, reviews), by event id, re-applying the
 *      converging upserts of every projected event.
 * Each batch commits together with the cursor (a `setting` row), so a run that stops resumes
 * where it was. Enrichment jobs are not touched: they were queued when the events arrived, and a
 * rebuild must not call Instruqt for every learner again.
 */

export const CURSOR_KEY = "reproject.cursor";

type Phase = "plays" | "directory";
interface Cursor {
  phase: Phase;
  after: string;
  /** Events projected before this run resumed, for the progress figures. */
  done: number;
}

export interface ReprojectProgress {
  phase: Phase;
  events: number;
  totalEvents: number;
  plays: number;
}

export interface ReprojectOptions {
  /** Plays per batch in the first pass. */
  batchPlays?: number;
  /** Events per batch in the second pass. */
  batchEvents?: number;
  /** Ignore a saved cursor and start over. */
  restart?: boolean;
  onProgress?: (progress: ReprojectProgress) => void;
}

export interface ReprojectResult {
  events: number;
  plays: number;
  resumed: boolean;
  elapsedMs: number;
}

export async function reprojectAll(prisma: PrismaClient, options: ReprojectOptions = {}): Promise<ReprojectResult> {
  const started = Date.now();
  const batchPlays = options.batchPlays ?? 1_000;
  const batchEvents = options.batchEvents ?? 10_000;
  const saved = options.restart ? null : await readCursor(prisma);
  let cursor: Cursor = saved ?? { phase: "plays", after: "", done: 0 };
  const [{ total }] = (await prisma.$queryRaw<{ total: number }[]>`
    SELECT count(*)::int AS total FROM webhook_event WHERE outcome = 'projected'`) as [{ total: number }];
  let plays = 0;
  const report = () => options.onProgress?.({ phase: cursor.phase, events: Math.min(cursor.done, total), totalEvents: total, plays });

  if (cursor.phase === "plays") {
    for (;;) {
      // The next stretch of the (participant_id, occurred_at) index, deduplicated here: an index
      // range scan, where SELECT DISTINCT would aggregate every remaining event at each batch.
      // A play cut off by the LIMIT is still recomputed whole; the cursor then skips its rest.
      const rows = await prisma.$queryRaw<{ participant_id: string }[]>`
        SELECT participant_id FROM webhook_event
        WHERE participant_id > ${cursor.after}
        ORDER BY participant_id LIMIT ${batchEvents}`;
      const ids = [...new Set(rows.map((row) => row.participant_id))].slice(0, batchPlays);
      if (ids.length === 0) break;
      const next: Cursor = { phase: "plays", after: ids[ids.length - 1]!, done: cursor.done };
      await prisma.$transaction(async (tx) => {
        const written = await projectPlays(tx, ids);
        plays += written.length;
        next.done += written.reduce((sum, play) => sum + play.eventCount, 0);
        await saveCursor(tx, next);
      }, TRANSACTION_OPTIONS);
      cursor = next;
      report();
    }
    cursor = { phase: "directory", after: "0", done: cursor.done };
  }

  for (;;) {
    // Play events were counted in the first pass; all of them go through the directory rules.
    const rows = await prisma.$queryRaw<{ id: bigint; occurred_at: Date | null; participant_id: string | null; payload: Record<string, unknown> & { type: string } }[]>`
      SELECT id, occurred_at, participant_id, payload FROM webhook_event
      WHERE outcome = 'projected' AND id > ${BigInt(cursor.after)}
      ORDER BY id LIMIT ${batchEvents}`;
    if (rows.length === 0) break;
    const directory = new DirectoryChanges();
    let unplayed = 0;
    for (const row of rows) {
      const classified = classifyEvent(row.payload);
      if (classified.kind !== "valid") continue;
      directory.add(classified.event, row.occurred_at);
      if (row.participant_id === null || row.occurred_at === null) unplayed++;
    }
    const next: Cursor = { phase: "directory", after: String(rows[rows.length - 1]!.id), done: cursor.done + unplayed };
    await prisma.$transaction(async (tx) => {
      await directory.write(tx);
      await saveCursor(tx, next);
    }, TRANSACTION_OPTIONS);
    cursor = next;
    report();
  }
  await prisma.$executeRaw`DELETE FROM setting WHERE key = ${CURSOR_KEY}`;
  return { events: cursor.done, plays, resumed: saved !== null, elapsedMs: Date.now() - started };
}

async function readCursor(prisma: PrismaClient): Promise<Cursor | null> {
  const row = await prisma.setting.findUnique({ where: { key: CURSOR_KEY } });
  const value = row?.value as Partial<Cursor> | undefined;
  if (!value || (value.phase !== "plays" && value.phase !== "directory") || typeof value.after !== "string") return null;
  return { phase: value.phase, after: value.after, done: typeof value.done === "number" ? value.done : 0 };
}

async function saveCursor(tx: Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0], cursor: Cursor): Promise<void> {
  const value = JSON.stringify(cursor);
  await tx.$executeRaw`
    INSERT INTO setting (key, value, updated_at) VALUES (${CURSOR_KEY}, ${value}::jsonb, now())
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`;
}
