import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startApp, type AppServer } from "../support/app-server";
import { embeddedDatabaseUrl, withClient } from "../support/database";
import { signIn } from "../support/session";
import { sendEvent, TEST_WEBHOOK_SECRET } from "../support/webhooks";
import { waitForProjectionAt } from "../support/projection";

/**
 * `npm start` with no DATABASE_URL: the embedded PostgreSQL (PGlite) comes up under the data
 * directory, is migrated, accepts a signed event, and keeps it across a restart.
 */
describe("embedded database (npm start without DATABASE_URL)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "cairn-embedded-"));
  let app: AppServer | undefined;
  let dbPort: number;

  const boot = async () =>
    startApp({
      DATABASE_URL: undefined,
      CAIRN_DATA_DIR: dataDir,
      CAIRN_EMBEDDED_DB_PORT: String(dbPort),
      INSTRUQT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      NEXTAUTH_SECRET: undefined,
      // Optional per the README: nothing may warn about them.
      NEXTAUTH_URL: undefined,
      CAIRN_PUBLIC_URL: undefined,
      CAIRN_ADMIN_EMAIL: undefined,
      CAIRN_ADMIN_PASSWORD: undefined,
      CAIRN_WORKER: "projector",
      // PGlite has no autovacuum: npm start runs its passes, here every second.
      CAIRN_EMBEDDED_VACUUM_SECONDS: "1",
    });

  /** The closing block, once printed: it follows start-up seeding, which may finish after /api/health answers. */
  const closingBlock = async (): Promise<string> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const output = app!.output();
      const at = output.lastIndexOf("[cairn] Cairn is ready.");
      if (at !== -1 && output.indexOf("[cairn] =====", at) !== -1) return output.slice(at);
      if (Date.now() > deadline) throw new Error(`no closing block in the log:\n${output.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const embeddedUrl = () => embeddedDatabaseUrl(dbPort);

  beforeAll(async () => {
    dbPort = await freePort();
    app = await boot();
  });

  afterAll(async () => {
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("closes the first start's log with one block: URL, admin, its generated password, secret, webhook URL", async () => {
    const block = await closingBlock();
    const output = app!.output();
    expect(block).toContain(`Open:           ${app!.baseUrl}`);
    expect(block).toContain("Admin:          admin@localhost");
    expect(block).toContain("Signing secret: set, seeded from INSTRUQT_WEBHOOK_SECRET on this start");
    expect(block).toContain(`Webhook URL:    ${app!.baseUrl}/api/webhooks/instruqt`);
    const password = /Password: +(\S+) +\(generated/.exec(block)?.[1];
    expect(password).toBeTruthy();
    // Shown once, in the block, after the server is ready; and it is the admin's password.
    expect(output.split(password!).length - 1).toBe(1);
    expect(output.indexOf("[cairn] ready: serving on")).toBeLessThan(output.indexOf("[cairn] Cairn is ready."));
    await signIn(app!.baseUrl, "admin@localhost", password!);
    expect(app!.output()).not.toMatch(/NEXTAUTH_URL|\[next-auth\]\[warn\]/);
  });

  it("accepts a signed event and its progress can be read back, also after a restart", async () => {
    const participantId = "p_embedded";
    const response = await sendEvent(app!.baseUrl, {
      type: "track.challenge_attempted",
      track_id: "trk_embedded",
      track_slug: "embedded-track",
      participant_id: participantId,
      user_id: "user_embedded",
      challenge_id: "ch_1",
      challenge_index: 0,
      total_challenges: 4,
      completed: true,
      timestamp: new Date().toISOString(),
    });
    expect(response.status).toBe(201);
    expect(app!.output()).toMatch(/embedded/i);

    const readProgress = () =>
      withClient(embeddedUrl(), async (client) =>
        (await client.query("SELECT status, challenges_completed, progress_percent FROM participant WHERE id = $1", [participantId])).rows,
      );
    // The embedded server serves the app's pool too; read while the app runs, once projected…
    await waitForProjectionAt(app!.baseUrl);
    expect(await readProgress()).toEqual([{ status: "in_progress", challenges_completed: 1, progress_percent: 25 }]);

    // …and after a clean restart on the same data directory.
    expect([0, 143]).toContain(await app!.stop());
    app = await boot();
    expect(await readProgress()).toEqual([{ status: "in_progress", challenges_completed: 1, progress_percent: 25 }]);
    // A later start: the admin exists, no password is shown; the secret was seeded before.
    const restarted = await closingBlock();
    expect(restarted).toContain("an admin account exists already");
    expect(restarted).not.toContain("Password:");
    expect(restarted).toMatch(/Signing secret: set \(1 active; INSTRUQT_WEBHOOK_SECRET was seeded on an earlier start/);
  });

  it("vacuums the embedded database while it runs, as autovacuum would", async () => {
    const deadRows = () =>
      withClient(embeddedUrl(), async (client) => {
        await client.query("SELECT pg_stat_force_next_flush()");
        const { rows } = await client.query<{ dead: string; vacuumed: boolean }>(
          "SELECT n_dead_tup AS dead, last_vacuum IS NOT NULL AS vacuumed FROM pg_stat_user_tables WHERE relname = 'vacuum_probe'",
        );
        return rows[0] ?? null;
      });
    // Rows rewritten twice, as projection batches rewrite plays.
    await withClient(embeddedUrl(), async (client) => {
      await client.query("CREATE TABLE vacuum_probe (id int PRIMARY KEY, status text)");
      await client.query("INSERT INTO vacuum_probe SELECT g, 'started' FROM generate_series(1, 500) g");
      await client.query("UPDATE vacuum_probe SET status = 'in_progress'");
      await client.query("UPDATE vacuum_probe SET status = 'completed'");
    });
    const deadline = Date.now() + 30_000;
    let seen = await deadRows();
    while (!(seen?.vacuumed && Number(seen.dead) === 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      seen = await deadRows();
    }
    expect(seen).toEqual({ dead: "0", vacuumed: true });
    await withClient(embeddedUrl(), (client) => client.query("DROP TABLE vacuum_probe"));
  });
});
