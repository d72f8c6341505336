import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { classifyEvent, parseInstruqtTimestamp, type InstruqtEvent } from "@/lib/instruqt/events";
import { recomputePlay } from "@/lib/progress/persist";
import { applyDirectoryEvent } from "@/lib/progress/directory";
import { enqueueForEvent } from "@/lib/enrichment/queue";
import { wakeEnrichmentWorker } from "@/lib/enrichment/worker";

type Tx = Prisma.TransactionClient;

export type Outcome = "projected" | "unknown_type" | "invalid_payload" | "test";

export interface Delivery {
  svixId: string;
  payload: Record<string, unknown> & { type: string };
  /** Deliveries Cairn sends itself from Settings → Webhook: stored, shown, never counted. */
  isTest?: boolean;
}

export interface StoreResult {
  duplicate: boolean;
  eventId: bigint | null;
  outcome: Outcome;
  error?: string;
}

const text = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);

/**
 * Longest value copied into an indexed column. A b-tree entry must fit in about a third of a page
 * (2,704 bytes), so a verified payload with a 10 kB participant_id or type would otherwise fail
 * its insert — and a 503 makes Svix retry it forever. Longer values stay in the raw payload; the
 * schemas refuse such ids, so those events are never projected.
 */
export const MAX_COLUMN_CHARS = 255;
const column = (value: unknown): string | null => {
  const value_ = text(value);
  return value_ !== null && value_.length <= MAX_COLUMN_CHARS ? value_ : null;
};

/**
 * Stores a verified delivery and projects it, in one transaction: when this resolves, the event
 * and everything derived from it are committed; when it throws, nothing is. A repeated svix-id
 * inserts nothing and changes nothing (ON CONFLICT DO NOTHING waits for a concurrent first
 * delivery to commit or roll back, so exactly one of them stores it).
 */
export async function storeDelivery(delivery: Delivery): Promise<StoreResult> {
  const { svixId, payload } = delivery;
  const classified = delivery.isTest ? null : classifyEvent(payload);
  const outcome: Outcome = classified === null ? "test" : classified.kind === "valid" ? "projected" : classified.kind;
  const error = classified?.kind === "invalid_payload" ? classified.error : undefined;
  const timestampRaw = text(payload.timestamp);
  const occurredAt = timestampRaw ? parseInstruqtTimestamp(timestampRaw) : null;

  let enrichmentQueued = false;
  const result = await db().$transaction(
    async (tx) => {
      const inserted = await tx.$queryRaw<{ id: bigint }[]>`
        INSERT INTO webhook_event
          (svix_id, type, occurred_at, timestamp_raw, participant_id, user_id, track_id, invite_id,
           challenge_id, payload, outcome, error)
        VALUES
          (${svixId}, ${payload.type.slice(0, MAX_COLUMN_CHARS)}, ${occurredAt}, ${timestampRaw}, ${column(payload.participant_id)},
           ${column(payload.user_id)}, ${column(payload.track_id)}, ${column(payload.invite_id)},
           ${column(payload.challenge_id)}, ${JSON.stringify(payload)}::jsonb, ${outcome}::"EventOutcome", ${error ?? null})
        ON CONFLICT (svix_id) DO NOTHING
        RETURNING id`;
      const eventId = inserted[0]?.id ?? null;
      if (eventId === null) return { duplicate: true, eventId: null, outcome };
      if (classified?.kind === "valid") enrichmentQueued = await project(tx, classified.event, occurredAt);
      return { duplicate: false, eventId, outcome, error };
    },
    { maxWait: 10_000, timeout: 20_000 },
  );
  if (enrichmentQueued) wakeEnrichmentWorker();
  return result;
}

/** Returns whether a learner was queued for enrichment (the worker looks them up later). */
async function project(tx: Tx, event: InstruqtEvent, occurredAt: Date | null): Promise<boolean> {
  const participantId = "participant_id" in event ? event.participant_id : null;
  if (typeof participantId === "string" && occurredAt) await recomputePlay(tx, participantId);
  // Last, just before the commit: every event of a track upserts the same track row (and of a
  // learner, the same learner row), and that row stays locked until the transaction ends. Taken
  // first, the lock was held through the whole recompute and serialised a track's deliveries.
  await applyDirectoryEvent(tx, event, occurredAt);
  // After the learner row exists: only learners not yet enriched are queued.
  return enqueueForEvent(tx, event);
}
