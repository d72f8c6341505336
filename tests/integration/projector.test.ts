import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePlayStream, type SimEvent } from "@/tools/simulate/traffic";
import { createDatabase, dropDatabase, migrateDatabase, withClient } from "../support/database";
import { waitForProjection } from "../support/projection";

/**
 * The data path in-process over databases of its own on the real PostgreSQL: deliveries go in
 * through storeDelivery (the group-committed append), the real projection loop derives the rest,
 * and the outcome is compared with the per-event path Cairn used before (recomputePlay +
 * applyDirectoryEvent + enqueueForEvent, one transaction per event) run over the same events in a
 * second database.
 */


type Lib = {
  store: typeof import("@/lib/ingest/store");
  projector: typeof import("@/lib/progress/projector");
  worker: typeof import("@/lib/progress/worker");
  db: typeof import("@/lib/db/client");
};

let database: { name: string; url: string };
let oracle: { name: string; url: string };
let lib: Lib;
let worker: import("@/lib/progress/worker").ProjectionWorker | undefined;


const sql = <T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []) =>
  withClient(url, async (client) => (await client.query(text, params)).rows as T[]);

beforeAll(async () => {
  database = await createDatabase("cairn_projector");
  oracle = await createDatabase("cairn_projector_oracle");
  migrateDatabase(database.url);
  migrateDatabase(oracle.url);
  process.env.DATABASE_URL = database.url;
  process.env.DATABASE_POOL_SIZE = "6";
  lib = {
    store: await import("@/lib/ingest/store"),
    projector: await import("@/lib/progress/projector"),
    worker: await import("@/lib/progress/worker"),
    db: await import("@/lib/db/client"),
  };
});

afterAll(async () => {
  await worker?.stop();
  await lib?.db.db().$disconnect();
  if (database) await dropDatabase(database.name);
  if (oracle) await dropDatabase(oracle.name);
});

const options = { seed: "projector-it", plays: 60, events: 900, tracks: 3, learners: 40, startMs: Date.UTC(2024, 4, 1), spreadSeconds: 5 * 86_400 };
const allEvents = (): SimEvent[] => [...generatePlayStream(options)].flatMap((play) => [...play.events, ...play.related]);

/** Every projected table, in a stable order, without the moments Cairn stamps itself. */
async function tables(url: string): Promise<Record<string, unknown[]>> {
  const read = async (text: string) =>
    (await sql<Record<string, unknown>>(url, text)).map((row) => JSON.parse(JSON.stringify(row)) as Record<string, unknown>);
  return {
    participant: (await read("SELECT * FROM participant ORDER BY id")).map((row) => ({ ...row, updated_at: "(stamped by Cairn)" })),
    challenge_progress: await read("SELECT * FROM challenge_progress ORDER BY participant_id, challenge_index"),
    track: await read("SELECT * FROM track ORDER BY id"),
    learner: await read("SELECT * FROM learner ORDER BY id"),
    invite_claim: await read("SELECT * FROM invite_claim ORDER BY invite_id, user_id"),
    review: await read("SELECT * FROM review ORDER BY id"),
    enrichment_jobs: await read(
      "SELECT key AS invite_id, status, attempts, (SELECT array_agg(u ORDER BY u) FROM jsonb_array_elements_text(payload->'user_ids') u) AS users FROM job WHERE kind = 'enrichment' ORDER BY key",
    ),
  };
}

/** The per-event path of before, event by event in one transaction each, into the oracle database. */
async function projectOneByOne(url: string, events: SimEvent[]): Promise<void> {
  const { PrismaPg } = await import("@prisma/adapter-pg");
  const { PrismaClient } = await import("@/lib/generated/prisma/client");
  const { classifyEvent, parseInstruqtTimestamp } = await import("@/lib/instruqt/events");
  const { recomputePlay } = await import("@/lib/progress/persist");
  const { applyDirectoryEvent } = await import("@/lib/progress/directory");
  const { enqueueForEvent } = await import("@/lib/enrichment/queue");
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }) });
  try {
    for (const { svixId, payload } of events) {
      const classified = classifyEvent(payload);
      if (classified.kind !== "valid") throw new Error(`invalid simulated event ${svixId}`);
      const occurredAt = parseInstruqtTimestamp(payload.timestamp);
      await prisma.$transaction(async (tx) => {
        await tx.$executeRaw`
          INSERT INTO webhook_event (svix_id, type, occurred_at, timestamp_raw, participant_id, payload, outcome)
          VALUES (${svixId}, ${payload.type}, ${occurredAt}, ${payload.timestamp}, ${payload.participant_id ?? null},
                  ${JSON.stringify(payload)}::jsonb, 'projected')`;
        const event = classified.event;
        if ("participant_id" in event && typeof event.participant_id === "string" && occurredAt) await recomputePlay(tx, event.participant_id);
        await applyDirectoryEvent(tx, event, occurredAt);
        await enqueueForEvent(tx, event);
      });
    }
  } finally {
    await prisma.$disconnect();
  }
}

describe("acknowledging on a durable append", () => {
  it("stores each svix id once across concurrent batches, duplicates inside a batch included", async () => {
    const events = allEvents().slice(0, 200);
    // Every event twice, all at once: the group commit puts repeats in the same statement.
    const results = await Promise.all([...events, ...events].map((event) => lib.store.storeDelivery({ svixId: event.svixId, payload: event.payload })));
    const stored = results.filter((result) => !result.duplicate);
    expect(stored.length).toBe(events.length);
    expect(results.filter((result) => result.duplicate).length).toBe(events.length);
    expect(new Set(stored.map((result) => String(result.eventId))).size).toBe(events.length);
    const counted = await sql<{ count: number }>(database.url, "SELECT count(*)::int AS count FROM webhook_event WHERE svix_id = ANY($1)", [events.map((e) => e.svixId)]);
    expect(counted).toEqual([{ count: events.length }]);
    // Later deliveries of stored ids are duplicates too.
    const again = await lib.store.storeDelivery({ svixId: events[0]!.svixId, payload: events[0]!.payload });
    expect(again).toMatchObject({ duplicate: true, eventId: null, outcome: "projected" });
  });

  it("stores test deliveries, unknown types and invalid payloads without a projection marker", async () => {
    const base = { participant_id: "p_never_projected", track_id: "trk_never", user_id: "u_never", timestamp: "2024-05-01T10:00:00Z" };
    const results = await Promise.all([
      lib.store.storeDelivery({ svixId: "msg_marker_test", payload: { type: "track.started", ...base }, isTest: true }),
      lib.store.storeDelivery({ svixId: "msg_marker_unknown", payload: { type: "track.teleported", ...base } }),
      lib.store.storeDelivery({ svixId: "msg_marker_invalid", payload: { type: "track.started", timestamp: "yesterday" } }),
    ]);
    expect(results.map((result) => [result.duplicate, result.outcome])).toEqual([
      [false, "test"],
      [false, "unknown_type"],
      [false, "invalid_payload"],
    ]);
    expect(results[2]!.error).toMatch(/timestamp|participant_id/);
    const markers = await sql(database.url, "SELECT 1 FROM projection_pending WHERE event_id = ANY($1::bigint[])", [results.map((r) => String(r.eventId))]);
    expect(markers).toEqual([]);
  });

  it("keeps values longer than MAX_COLUMN_CHARS out of the indexed columns", async () => {
    const long = "x".repeat(lib.store.MAX_COLUMN_CHARS + 1);
    const result = await lib.store.storeDelivery({ svixId: "msg_long_ids", payload: { type: "track.started", participant_id: long, track_id: long, timestamp: "2024-05-01T10:00:00Z" } });
    expect(result.outcome).toBe("invalid_payload");
    const [row] = await sql<{ participant_id: string | null; track_id: string | null }>(database.url, "SELECT participant_id, track_id FROM webhook_event WHERE svix_id = 'msg_long_ids'");
    expect(row).toEqual({ participant_id: null, track_id: null });
  });

  it("fails only the delivery the database refuses, not the others of its batch", async () => {
    // A NUL character is valid JSON but not storable in jsonb: the statement fails for the batch.
    const good = Array.from({ length: 5 }, (_, i) => ({ svixId: `msg_poison_ok_${i}`, payload: { type: "track.teleported", note: `ok ${i}` } }));
    const bad = { svixId: "msg_poison_bad", payload: { type: "track.teleported", note: "nul \u0000 here" } };
    const settled = await Promise.allSettled([...good, bad, ...good.map((d) => ({ ...d }))].map((delivery) => lib.store.storeDelivery(delivery)));
    expect(settled.slice(0, 5).map((s) => s.status === "fulfilled" && !s.value.duplicate)).toEqual([true, true, true, true, true]);
    expect(settled[5]!.status).toBe("rejected");
    expect(settled.slice(6).map((s) => s.status === "fulfilled" && s.value.duplicate)).toEqual([true, true, true, true, true]);
    expect(await sql(database.url, "SELECT 1 FROM webhook_event WHERE svix_id = 'msg_poison_bad'")).toEqual([]);
  });
});

describe("the batch projector", () => {
  it("derives what the per-event path derived, and notifies the plays it changed", async () => {
    const events = allEvents();
    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    const notified = new Set<string>();
    listener.on("notification", (message) => {
      if (message.channel !== lib.projector.PLAYS_CHANNEL) return;
      expect(Buffer.byteLength(message.payload ?? "")).toBeLessThan(lib.projector.MAX_NOTIFY_BYTES);
      for (const id of (JSON.parse(message.payload!) as { participant_ids: string[] }).participant_ids) notified.add(id);
    });
    await listener.query(`LISTEN ${lib.projector.PLAYS_CHANNEL}`);
    try {
      worker = new lib.worker.ProjectionWorker({ batchSize: 97, pollMs: 200, log: () => {} }).start();
      // Shuffled, in waves of concurrent deliveries, while the projector runs.
      const order = events.map((event, i) => ({ event, key: (i * 7919) % events.length })).sort((a, b) => a.key - b.key).map((x) => x.event);
      for (let i = 0; i < order.length; i += 50) {
        await Promise.all(order.slice(i, i + 50).map((event) => lib.store.storeDelivery({ svixId: event.svixId, payload: event.payload })));
      }
      await waitForProjection(database.url);
      await projectOneByOne(oracle.url, events);

      const [batched, oneByOne] = [await tables(database.url), await tables(oracle.url)];
      // The first test's deliveries are part of `events` already; its extra rows are not projected.
      for (const table of Object.keys(oneByOne)) expect(batched[table], table).toEqual(oneByOne[table]);
      expect(oneByOne.participant!.length).toBe(options.plays);
      const deadline = Date.now() + 5_000;
      while (notified.size < options.plays && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect([...notified].sort()).toEqual((oneByOne.participant as { id: string }[]).map((row) => row.id));
    } finally {
      await listener.end();
    }
  });

  it("splits play notifications into payloads under the NOTIFY limit", () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => `participant-${String(i).padStart(8, "0")}`);
    const payloads = lib.projector.playNotifications(ids);
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThan(lib.projector.MAX_NOTIFY_BYTES);
    expect(payloads.flatMap((payload) => (JSON.parse(payload) as { participant_ids: string[] }).participant_ids)).toEqual(ids);
    expect(lib.projector.playNotifications([])).toEqual([]);
  });

  it("reports its lag: pending events and the age of the oldest", async () => {
    expect(await lib.projector.projectionLag()).toEqual({ pending_events: 0, lag_seconds: 0 });
    await worker?.stop();
    worker = undefined;
    await lib.store.storeDelivery({ svixId: "msg_lag_1", payload: { type: "track.started", participant_id: "p_lag", track_id: "trk_lag", user_id: "u_lag", timestamp: "2024-05-01T10:00:00Z" } });
    await sql(database.url, "UPDATE projection_pending SET enqueued_at = now() - interval '42 seconds'");
    const lag = await lib.projector.projectionLag();
    expect(lag.pending_events).toBe(1);
    expect(lag.lag_seconds).toBeGreaterThanOrEqual(42);
    expect(lag.lag_seconds).toBeLessThan(60);
    // A restart resumes: the marker survived, the next batch projects it.
    await lib.projector.projectPendingBatch();
    expect(await lib.projector.projectionLag()).toEqual({ pending_events: 0, lag_seconds: 0 });
    expect(await sql(database.url, "SELECT status FROM participant WHERE id = 'p_lag'")).toEqual([{ status: "started" }]);
  });
});
