import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { seedDatabase } from "@/tools/simulate/seed";
import { generatePlayStream } from "@/tools/simulate/traffic";
import type { AppServer } from "../support/app-server";
import { waitForProjection } from "../support/projection";
import { Cluster } from "./support/cluster";
import { isAck, pool, Sender, startAppOn } from "./support/harness";

/**
 * The seeder writes events and derives the projections with the projector's batch functions (for
 * benchmarks at 1M events, in one rebuild rather than batches of pending events); they must be
 * exactly what the webhook and its projector produce. The same plays are seeded into one database and delivered
 * through the real endpoint, in shuffled order, into another; every projected table must match.
 */

let cluster: Cluster;
let app: AppServer;
const options = { seed: "equivalence", plays: 120, events: 1_500, tracks: 4, endMs: Date.UTC(2024, 6, 1), spreadDays: 10 };

beforeAll(async () => {
  cluster = await Cluster.create();
  app = await startAppOn(cluster);
});

afterAll(async () => {
  await app?.stop();
  await cluster?.destroy();
});

async function tables(url: string): Promise<Record<string, unknown[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const read = async (sql: string) => (await client.query(sql)).rows.map((row: Record<string, unknown>) => JSON.parse(JSON.stringify(row)));
    return {
      participant: await read("SELECT * FROM participant ORDER BY id"),
      challenge_progress: await read("SELECT * FROM challenge_progress ORDER BY participant_id, challenge_index"),
      track: await read("SELECT * FROM track ORDER BY id"),
      learner: await read("SELECT * FROM learner ORDER BY id"),
      invite_claim: await read("SELECT * FROM invite_claim ORDER BY invite_id, user_id"),
      review: await read("SELECT * FROM review ORDER BY id"),
      events: await read("SELECT svix_id, type, occurred_at, timestamp_raw, participant_id, user_id, track_id, invite_id, challenge_id, payload, outcome FROM webhook_event ORDER BY svix_id"),
    };
  } finally {
    await client.end();
  }
}

describe("npm run seed", () => {
  it("writes the rows the webhook would have written for the same events", async () => {
    // Seeded: a second database on the same cluster, migrated by the app's first start on it.
    await cluster.query("CREATE DATABASE seeded TEMPLATE template0");
    const seededUrl = cluster.url.replace(/\/cairn$/, "/seeded");
    const { applyMigrations } = await import("../../scripts/lib/migrations.ts");
    await applyMigrations({ connectionString: seededUrl });
    const seeded = await seedDatabase({ databaseUrl: seededUrl, ...options, batchEvents: 400 });
    expect(seeded.plays).toBe(120);

    // Delivered: the same plays, every event through the endpoint, in a shuffled order.
    const stream = [...generatePlayStream({ ...options, learners: Math.ceil(options.plays / 1.6), startMs: options.endMs - options.spreadDays * 86_400_000, spreadSeconds: options.spreadDays * 86_400 })];
    const events = stream.flatMap((play) => [...play.events, ...play.related]);
    expect(events.length).toBe(seeded.events);
    const order = events.map((event, i) => ({ event, key: (i * 7919) % events.length })).sort((a, b) => a.key - b.key).map((x) => x.event);
    const sender = new Sender(app.baseUrl, 8);
    const results = await pool(order, 8, (event) => sender.send(event.svixId, JSON.stringify(event.payload)));
    sender.close();
    expect(results.filter((r) => !isAck(r.status))).toEqual([]);
    await waitForProjection(cluster.url, 60_000);

    const [viaSeed, viaWebhook] = [await tables(seededUrl), await tables(cluster.url)];
    // Moments Cairn stamps itself, not derived from the events.
    const strip = (rows: unknown[], ...keys: string[]) => (rows as Record<string, unknown>[]).map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => !keys.includes(key))));
    for (const table of Object.keys(viaSeed)) {
      const keys = table === "participant" ? ["updated_at"] : [];
      expect(strip(viaSeed[table]!, ...keys), table).toEqual(strip(viaWebhook[table]!, ...keys));
    }
    expect(viaSeed.participant!.length).toBe(120);
  });
});
