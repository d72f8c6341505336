import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { classifyEvent } from "@/lib/instruqt/events";
import { applyDirectoryEvent } from "@/lib/progress/directory";
import { recomputePlay } from "@/lib/progress/persist";

/**
 * Checks a seeded database against the real ingest path: for a sample of plays, recompute their
 * progress with lib/progress/persist.ts (the same function the webhook runs, reading the stored
 * events back from webhook_event) and for a sample of learners re-apply their events with
 * lib/progress/directory.ts, each inside a transaction that is rolled back; the rows must come
 * out identical. Tracks are compared with aggregates over their events.
 */

class Rollback extends Error {}

export interface VerifyResult {
  plays: number;
  learners: number;
  tracks: number;
  mismatches: string[];
}

const snapshot = (rows: unknown) => JSON.stringify(rows, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));

export async function verifySeededSample(databaseUrl: string, sampleSize = 20): Promise<VerifyResult> {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 2 }) });
  const mismatches: string[] = [];
  try {
    // TABLESAMPLE would favour large pages; a random order over the primary key is fine at this size.
    const plays = await prisma.$queryRaw<{ id: string }[]>`SELECT id FROM participant ORDER BY md5(id) LIMIT ${sampleSize}`;
    for (const { id } of plays) {
      const read = (tx: Pick<PrismaClient, "$queryRaw">) =>
        Promise.all([
          tx.$queryRaw`SELECT * FROM participant WHERE id = ${id}`.then((rows) => (rows as Record<string, unknown>[]).map((row) => omitUpdatedAt(row))),
          tx.$queryRaw`SELECT * FROM challenge_progress WHERE participant_id = ${id} ORDER BY challenge_index`,
        ]).then(snapshot);
      const seeded = await read(prisma);
      await prisma
        .$transaction(async (tx) => {
          await recomputePlay(tx, id);
          const recomputed = await read(tx);
          if (recomputed !== seeded) mismatches.push(`play ${id}:\n  seeded     ${seeded}\n  recomputed ${recomputed}`);
          throw new Rollback();
        })
        .catch((error: unknown) => {
          if (!(error instanceof Rollback)) throw error;
        });
    }

    const learners = await prisma.$queryRaw<{ id: string }[]>`SELECT id FROM learner ORDER BY md5(id) LIMIT ${sampleSize}`;
    for (const { id } of learners) {
      const read = (tx: Pick<PrismaClient, "$queryRaw">) =>
        Promise.all([
          tx.$queryRaw`SELECT * FROM learner WHERE id = ${id}`,
          tx.$queryRaw`SELECT * FROM invite_claim WHERE user_id = ${id} ORDER BY invite_id`,
          tx.$queryRaw`SELECT * FROM review WHERE user_id = ${id} ORDER BY id`,
        ]).then(snapshot);
      const seeded = await read(prisma);
      await prisma
        .$transaction(
          async (tx) => {
            await tx.$executeRaw`DELETE FROM learner WHERE id = ${id}`;
            await tx.$executeRaw`DELETE FROM invite_claim WHERE user_id = ${id}`;
            await tx.$executeRaw`DELETE FROM review WHERE user_id = ${id}`;
            const events = await tx.$queryRaw<{ payload: Record<string, unknown> & { type: string }; occurred_at: Date | null }[]>`
              SELECT payload, occurred_at FROM webhook_event WHERE user_id = ${id} AND outcome = 'projected' ORDER BY id DESC`;
            // Any order converges to the same rows: apply them newest first to make that count.
            for (const event of events) {
              const classified = classifyEvent(event.payload);
              if (classified.kind === "valid") await applyDirectoryEvent(tx, classified.event, event.occurred_at);
            }
            const replayed = await read(tx);
            if (replayed !== seeded) mismatches.push(`learner ${id}:\n  seeded   ${seeded}\n  replayed ${replayed}`);
            throw new Rollback();
          },
          { timeout: 60_000 },
        )
        .catch((error: unknown) => {
          if (!(error instanceof Rollback)) throw error;
        });
    }

    const tracks = await prisma.$queryRaw<{ id: string; same: boolean }[]>`
      SELECT t.id,
             t.first_seen_at IS NOT DISTINCT FROM a.first_seen
         AND t.last_seen_at IS NOT DISTINCT FROM a.last_seen
         AND t.total_challenges IS NOT DISTINCT FROM a.total
         AND t.slug IS NOT DISTINCT FROM a.slug AS same
      FROM track t
      FULL JOIN (
        SELECT track_id, min(occurred_at) AS first_seen, max(occurred_at) AS last_seen,
               max((payload->>'total_challenges')::int) AS total,
               (array_agg(payload->>'track_slug' ORDER BY occurred_at DESC) FILTER (WHERE payload ? 'track_slug'))[1] AS slug
        FROM webhook_event WHERE type LIKE 'track.%' AND outcome = 'projected' GROUP BY track_id
      ) a ON a.track_id = t.id`;
    for (const track of tracks) if (!track.same) mismatches.push(`track ${track.id}: row differs from the aggregate of its events`);
    return { plays: plays.length, learners: learners.length, tracks: tracks.length, mismatches };
  } finally {
    await prisma.$disconnect();
  }
}

/** updated_at records when a row was written, which differs between the two paths by design. */
function omitUpdatedAt(row: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...row };
  delete copy.updated_at;
  return copy;
}
