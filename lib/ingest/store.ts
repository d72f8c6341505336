import { db } from "@/lib/db/client";
import { isDatabaseUnavailable } from "@/lib/db/errors";
import { classifyEvent, parseInstruqtTimestamp } from "@/lib/instruqt/events";

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

/** Most rows in one append statement: bounds the statement's parameters and its lock time. */
const MAX_BATCH = 500;

/** The channel the append notifies: the projector LISTENs on it (lib/progress/worker.ts). */
export const EVENTS_CHANNEL = "cairn_events";

interface Row {
  svixId: string;
  type: string;
  occurredAt: string | null;
  timestampRaw: string | null;
  participantId: string | null;
  userId: string | null;
  trackId: string | null;
  inviteId: string | null;
  challengeId: string | null;
  payload: string;
  outcome: Outcome;
  error: string | null;
}

interface Waiter {
  row: Row;
  resolve: (result: StoreResult) => void;
  reject: (error: unknown) => void;
}

function toRow(delivery: Delivery): Row {
  const { svixId, payload } = delivery;
  const classified = delivery.isTest ? null : classifyEvent(payload);
  const outcome: Outcome = classified === null ? "test" : classified.kind === "valid" ? "projected" : classified.kind;
  const timestampRaw = text(payload.timestamp);
  const occurredAt = timestampRaw ? parseInstruqtTimestamp(timestampRaw) : null;
  return {
    svixId,
    type: payload.type.slice(0, MAX_COLUMN_CHARS),
    occurredAt: occurredAt ? occurredAt.toISOString() : null,
    timestampRaw,
    participantId: column(payload.participant_id),
    userId: column(payload.user_id),
    trackId: column(payload.track_id),
    inviteId: column(payload.invite_id),
    challengeId: column(payload.challenge_id),
    payload: JSON.stringify(payload),
    outcome,
    error: classified?.kind === "invalid_payload" ? classified.error : null,
  };
}

/**
 * Stores a verified delivery durably and nothing more: when this resolves, the raw event is
 * committed together with its marker for the projector (lib/progress/projector.ts), which derives
 * progress, directory rows and enrichment jobs afterwards, in batches. When it throws, nothing of
 * the delivery is stored and the caller answers 503.
 *
 * Group commit: while one append statement is in flight, the deliveries that arrive queue up and
 * go in together as the next statement — one round trip and one WAL flush for all of them, which
 * is what lets a burst of deliveries cost about as much as a single one.
 */
export function storeDelivery(delivery: Delivery): Promise<StoreResult> {
  let row: Row;
  try {
    row = toRow(delivery);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<StoreResult>((resolve, reject) => {
    const state = appendState();
    state.queue.push({ row, resolve, reject });
    if (!state.flushing) void drain(state);
  });
}

interface AppendState {
  queue: Waiter[];
  flushing: boolean;
}

// One queue per process, on globalThis: the webhook may be served from a module graph apart from
// Next's (the custom server), and the group commit is only worth anything if all share one queue.
const STATE = Symbol.for("cairn.ingest.append");
function appendState(): AppendState {
  const holder = globalThis as unknown as { [STATE]?: AppendState };
  holder[STATE] ??= { queue: [], flushing: false };
  return holder[STATE];
}

async function drain(state: AppendState): Promise<void> {
  state.flushing = true;
  try {
    while (state.queue.length > 0) {
      const batch = state.queue.splice(0, MAX_BATCH);
      await flush(batch);
    }
  } finally {
    state.flushing = false;
  }
}

/** Appends one batch and settles each of its callers; never throws. */
async function flush(batch: Waiter[]): Promise<void> {
  // The first delivery of a svix id in the batch is the one inserted; a repeat inside the batch
  // shares its fate (duplicate whether the first was stored now or before).
  const firsts = new Map<string, Waiter>();
  for (const waiter of batch) if (!firsts.has(waiter.row.svixId)) firsts.set(waiter.row.svixId, waiter);
  let stored: Map<string, bigint>;
  try {
    stored = await append([...firsts.values()].map((waiter) => waiter.row));
  } catch (error) {
    if (firsts.size > 1 && !isDatabaseUnavailable(error)) {
      // One poisoned row (a payload the database refuses) must not cost the other deliveries of
      // its batch a retry storm: each goes again on its own, and only the bad one fails.
      for (const waiter of batch) await flush([waiter]);
      return;
    }
    for (const waiter of batch) waiter.reject(error);
    return;
  }
  const settled = new Set<string>();
  for (const waiter of batch) {
    const { svixId, outcome, error } = waiter.row;
    const id = stored.get(svixId);
    const first = id !== undefined && !settled.has(svixId);
    settled.add(svixId);
    waiter.resolve(
      first
        ? { duplicate: false, eventId: id, outcome, ...(error ? { error } : {}) }
        : { duplicate: true, eventId: null, outcome },
    );
  }
}

/**
 * One statement, so one implicit transaction: the events, their projection markers (only for
 * events the projector derives anything from) and the wake-up of the projectors commit together
 * or not at all. ON CONFLICT DO NOTHING waits for a concurrent first insert of the same svix id to
 * commit or roll back, so exactly one delivery of an id stores it. Rows go in svix id order, not
 * arrival order: two instances appending overlapping batches (Svix retrying on another
 * connection) then wait for each other in one direction instead of deadlocking. Returns the ids
 * stored, by svix id.
 */
async function append(rows: Row[]): Promise<Map<string, bigint>> {
  const pick = <K extends keyof Row>(key: K) => rows.map((row) => row[key]);
  const inserted = await db().$queryRaw<{ id: bigint; svix_id: string }[]>`
    WITH input AS (
      SELECT * FROM unnest(
        ${pick("svixId")}::text[], ${pick("type")}::text[], ${pick("occurredAt")}::timestamptz[],
        ${pick("timestampRaw")}::text[], ${pick("participantId")}::text[], ${pick("userId")}::text[],
        ${pick("trackId")}::text[], ${pick("inviteId")}::text[], ${pick("challengeId")}::text[],
        ${pick("payload")}::text[], ${pick("outcome")}::text[], ${pick("error")}::text[]
      ) AS t(svix_id, type, occurred_at, timestamp_raw, participant_id, user_id, track_id,
             invite_id, challenge_id, payload, outcome, error)
    ), stored AS (
      INSERT INTO webhook_event
        (svix_id, type, occurred_at, timestamp_raw, participant_id, user_id, track_id, invite_id,
         challenge_id, payload, outcome, error)
      SELECT svix_id, type, occurred_at, timestamp_raw, participant_id, user_id, track_id, invite_id,
             challenge_id, payload::jsonb, outcome::"EventOutcome", error
      FROM input ORDER BY svix_id
      ON CONFLICT (svix_id) DO NOTHING
      RETURNING id, svix_id, outcome
    ), pending AS (
      INSERT INTO projection_pending (event_id)
      SELECT id FROM stored WHERE outcome = 'projected'
      RETURNING event_id
    )
    SELECT stored.id, stored.svix_id
    FROM stored
    CROSS JOIN (SELECT count(pg_notify(${EVENTS_CHANNEL}, '')) FROM (SELECT 1 FROM pending LIMIT 1) AS any_pending) AS woken`;
  return new Map(inserted.map((row) => [row.svix_id, row.id]));
}
