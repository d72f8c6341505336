import type { Prisma } from "@/lib/generated/prisma/client";

type Tx = Prisma.TransactionClient;

/**
 * When a report and a webhook play are the same play (besides sharing an id): same user, same
 * track, started within this many seconds of each other. See ./reported-plays.ts.
 */
export const SAME_PLAY_TOLERANCE_SECONDS = 60;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/**
 * The projector's side of "webhook data wins": plays it just wrote from events replace any
 * report-only play of the same user and track that started within the tolerance under another id.
 * (Under the same id the projector's upsert already took the row over.)
 */
export async function supersedeReportedPlays(
  tx: Tx,
  plays: readonly { participantId: string; userId: string | null; trackId: string | null; startedAt: Date | null }[],
): Promise<void> {
  const candidates = plays.filter((play) => play.userId && play.trackId && play.startedAt);
  if (candidates.length === 0) return;
  await tx.$executeRaw`
    DELETE FROM participant r
    USING unnest(${candidates.map((p) => p.participantId)}::text[], ${candidates.map((p) => p.userId)}::text[],
                 ${candidates.map((p) => p.trackId)}::text[], ${candidates.map((p) => iso(p.startedAt))}::timestamptz[])
      AS w(id, user_id, track_id, started_at)
    WHERE r.source = 'report' AND r.id <> w.id AND r.user_id = w.user_id AND r.track_id = w.track_id
      AND r.started_at BETWEEN w.started_at - make_interval(secs => ${SAME_PLAY_TOLERANCE_SECONDS}::double precision)
                           AND w.started_at + make_interval(secs => ${SAME_PLAY_TOLERANCE_SECONDS}::double precision)`;
}
