import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, dropDatabase, migrateDatabase, withClient } from "../support/database";

/**
 * `npm run reproject` over a database of its own on the real PostgreSQL: the seeder writes events
 * and derives a fresh projection; the projections are then damaged, rebuilt (interrupted once and
 * resumed) and compared with the fresh ones.
 */

const root = fileURLToPath(new URL("../..", import.meta.url));

let database: { name: string; url: string };
let lib: {
  seed: typeof import("@/tools/simulate/seed");
  reproject: typeof import("@/lib/progress/reproject");
  db: typeof import("@/lib/db/client");
};

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(database.url, async (client) => (await client.query(text, params)).rows as T[]);

beforeAll(async () => {
  database = await createDatabase("cairn_reproject");
  migrateDatabase(database.url);
  process.env.DATABASE_URL = database.url;
  lib = {
    seed: await import("@/tools/simulate/seed"),
    reproject: await import("@/lib/progress/reproject"),
    db: await import("@/lib/db/client"),
  };
  await lib.seed.seedDatabase({ databaseUrl: database.url, seed: "reproject-it", plays: 150, events: 2_000, tracks: 4, endMs: Date.UTC(2024, 8, 1), spreadDays: 20, batchEvents: 500 });
});

afterAll(async () => {
  await lib?.db.db().$disconnect();
  if (database) await dropDatabase(database.name);
});

async function tables(): Promise<Record<string, unknown[]>> {
  const read = async (text: string) => (await sql<Record<string, unknown>>(text)).map((row) => JSON.parse(JSON.stringify(row)) as Record<string, unknown>);
  return {
    participant: (await read("SELECT * FROM participant ORDER BY id")).map((row) => ({ ...row, updated_at: "(stamped by Cairn)" })),
    challenge_progress: await read("SELECT * FROM challenge_progress ORDER BY participant_id, challenge_index"),
    track: await read("SELECT * FROM track ORDER BY id"),
    learner: await read("SELECT * FROM learner ORDER BY id"),
    invite_claim: await read("SELECT * FROM invite_claim ORDER BY invite_id, user_id"),
    review: await read("SELECT * FROM review ORDER BY id"),
  };
}

class Interrupted extends Error {}

describe("npm run reproject", () => {
  it("rebuilds damaged projections, resuming after an interruption, equal to a fresh projection", async () => {
    const fresh = await tables();
    expect(fresh.participant!.length).toBe(150);
    expect(fresh.review!.length + fresh.invite_claim!.length).toBeGreaterThan(0);

    await sql("DELETE FROM participant WHERE id IN (SELECT id FROM participant ORDER BY md5(id) LIMIT 20)");
    await sql("UPDATE participant SET status = 'stopped', attempts = attempts + 7, event_count = 0 WHERE id IN (SELECT id FROM participant ORDER BY id LIMIT 30)");
    await sql("UPDATE challenge_progress SET attempts = 999, status = 'skipped' WHERE challenge_index = 0");
    await sql("DELETE FROM invite_claim");
    await sql("DELETE FROM review");
    await sql("UPDATE learner SET first_seen_at = NULL, last_seen_at = NULL");
    await sql("DELETE FROM track WHERE id IN (SELECT id FROM track ORDER BY id LIMIT 2)");
    expect(await tables()).not.toEqual(fresh);

    // Stopped after the third batch: what was committed stays, the cursor says where to go on.
    let batches = 0;
    await expect(
      lib.reproject.reprojectAll(lib.db.db(), {
        batchPlays: 25,
        batchEvents: 300,
        onProgress: () => {
          if (++batches === 3) throw new Interrupted("stopped");
        },
      }),
    ).rejects.toThrow(Interrupted);
    const [cursor] = await sql<{ value: { phase: string; after: string } }>("SELECT value FROM setting WHERE key = $1", [lib.reproject.CURSOR_KEY]);
    expect(cursor!.value.phase).toBe("plays");

    const progress: number[] = [];
    const result = await lib.reproject.reprojectAll(lib.db.db(), { batchPlays: 25, batchEvents: 300, onProgress: (p) => progress.push(p.events) });
    expect(result.resumed).toBe(true);
    // Resumed: only the plays after the cursor were recomputed in this run.
    expect(result.plays).toBeLessThan(150);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await sql("SELECT 1 FROM setting WHERE key = $1", [lib.reproject.CURSOR_KEY])).toEqual([]);
    expect(await tables()).toEqual(fresh);

    // Run again from scratch: nothing changes, every event is counted.
    const again = await lib.reproject.reprojectAll(lib.db.db(), { restart: true });
    expect(again).toMatchObject({ resumed: false, plays: 150 });
    const [{ n }] = (await sql<{ n: number }>("SELECT count(*)::int AS n FROM webhook_event")) as [{ n: number }];
    expect(again.events).toBe(n);
    expect(await tables()).toEqual(fresh);
  });

  it("prints its usage with --help and refuses unknown options", () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "scripts/reproject.ts", ...args], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: database.url },
        encoding: "utf8",
      });
    const help = run("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("usage: npm run reproject");
    const bad = run("--bogus");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown option --bogus");
  });

  it("runs as a command: rebuilds, reports its rate, and leaves no cursor", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/reproject.ts", "--restart"], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: database.url },
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/reprojected: 150 plays, [\d,]+ events in [\d.]+ s \([\d,]+ events\/s\)/);
  });
});
