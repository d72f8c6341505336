import { Prisma } from "@/lib/generated/prisma/client";
import type { PlayEvent } from "@/lib/instruqt/events";
import { projectPlay, type PlayProgress, type StoredPlayEvent } from "./projection";

type Tx = Prisma.TransactionClient;

/**
 * Recomputes one play's progress from every projected event it has, inside the caller's
 * transaction. The advisory lock serialises recomputations of the same play: whichever
 * transaction takes it last reads every event committed before it, so the stored progress always
 * reflects the full set, whatever order deliveries arrive in.
 */
export async function recomputePlay(tx: Tx, participantId: string): Promise<PlayProgress> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${participantId}, 0))`;
  const rows = await tx.$queryRaw<{ svix_id: string; occurred_at: Date; payload: PlayEvent }[]>`
    SELECT svix_id, occurred_at, payload
    FROM webhook_event
    WHERE participant_id = ${participantId} AND outcome = 'projected' AND occurred_at IS NOT NULL`;
  // Payloads were validated by their schema before they were stored as 'projected'.
  const events: StoredPlayEvent[] = rows.map((row) => ({
    svixId: row.svix_id,
    occurredAt: row.occurred_at,
    event: row.payload,
  }));
  const progress = projectPlay(participantId, events);
  await writePlay(tx, progress);
  return progress;
}

async function writePlay(tx: Tx, progress: PlayProgress): Promise<void> {
  const { challenges, participantId, customParameters, ...columns } = progress;
  const data = {
    ...columns,
    // Prisma copies a JSON input by assignment, which turns a "__proto__" key into a prototype and
    // drops it; through toJSON the object is written exactly as JSON.stringify sees it.
    customParameters: customParameters === null ? Prisma.DbNull : ({ toJSON: () => customParameters } as unknown as Prisma.InputJsonObject),
  };
  await tx.participant.upsert({ where: { id: participantId }, create: { id: participantId, ...data }, update: data });
  await tx.challengeProgress.deleteMany({ where: { participantId } });
  if (challenges.length > 0) {
    await tx.challengeProgress.createMany({
      data: challenges.map((challenge) => ({
        participantId,
        trackId: progress.trackId,
        userId: progress.userId,
        ...challenge,
      })),
    });
  }
}
