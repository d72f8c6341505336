import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../../scripts/lib/embedded-db";
import { maintenancePass } from "../../scripts/lib/embedded-vacuum";

/**
 * PGlite has no autovacuum (it says `on`, but a standalone backend has no launcher): the pass
 * that scripts/start.ts runs every CAIRN_EMBEDDED_VACUUM_SECONDS does its work, through the
 * socket like any client. Churn as the projector makes it: rows rewritten and deleted.
 */
describe("embedded database maintenance", () => {
  let database: EmbeddedDatabase;
  let client: pg.Client;

  const stats = async (table: string) => {
    await client.query("SELECT pg_stat_force_next_flush()");
    return (
      await client.query<{ dead: string; last_vacuum: Date | null; last_analyze: Date | null; all_visible: number }>(
        `SELECT s.n_dead_tup AS dead, s.last_vacuum, s.last_analyze, c.relallvisible AS all_visible
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relname = $1`,
        [table],
      )
    ).rows[0]!;
  };

  beforeAll(async () => {
    database = await startEmbeddedDatabase({ dataDir: null });
    client = new pg.Client({ connectionString: database.connectionString });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await database?.stop();
  });

  it("reports autovacuum on, yet dead rows stay until a pass runs", async () => {
    expect((await client.query<{ autovacuum: string }>("SHOW autovacuum")).rows[0]!.autovacuum).toBe("on");
    await client.query("CREATE TABLE churned (id int PRIMARY KEY, status text)");
    await client.query("INSERT INTO churned SELECT g, 'started' FROM generate_series(1, 2000) g");
    // Every play rewritten twice, as projection batches do.
    await client.query("UPDATE churned SET status = 'in_progress'");
    await client.query("UPDATE churned SET status = 'completed'");
    await client.query("CREATE TABLE quiet (id int PRIMARY KEY)");
    await client.query("INSERT INTO quiet VALUES (1), (2), (3)");
    await client.query("VACUUM quiet");
    expect(Number((await stats("churned")).dead)).toBe(4000);
    expect((await stats("churned")).last_vacuum).toBeNull();
  });

  it("vacuums and analyzes the churned table, leaves the quiet one, and sets the visibility map", async () => {
    const quietBefore = await stats("quiet");
    const steps = await maintenancePass(client);
    expect(steps).toContainEqual({ table: "public.churned", action: "vacuum" });
    expect(steps.some((step) => step.table === "public.quiet")).toBe(false);
    const after = await stats("churned");
    expect(Number(after.dead)).toBe(0);
    expect(after.last_vacuum).not.toBeNull();
    expect(after.last_analyze).not.toBeNull();
    expect(after.all_visible).toBeGreaterThan(0);
    expect((await stats("quiet")).last_vacuum).toEqual(quietBefore.last_vacuum);
    // Nothing is due right after.
    expect((await maintenancePass(client)).filter((step) => step.table === "public.churned")).toEqual([]);
  });

  it("quotes table names it did not choose", async () => {
    await client.query(`CREATE TABLE "Odd ""Name""" (id int)`);
    await client.query(`INSERT INTO "Odd ""Name""" SELECT g FROM generate_series(1, 100) g`);
    await client.query(`DELETE FROM "Odd ""Name"""`);
    const steps = await maintenancePass(client);
    expect(steps).toContainEqual({ table: `public."Odd ""Name"""`, action: "vacuum" });
    expect(Number((await stats('Odd "Name"')).dead)).toBe(0);
  });
});
