import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startApp, type AppServer } from "../support/app-server";
import { withClient } from "../support/database";
import { sendEvent, TEST_WEBHOOK_SECRET } from "../support/webhooks";

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
      CAIRN_WORKER: "projector",
    });

  const embeddedUrl = () => `postgresql://postgres:postgres@127.0.0.1:${dbPort}/postgres?sslmode=disable`;

  beforeAll(async () => {
    dbPort = await freePort();
    app = await boot();
  });

  afterAll(async () => {
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
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
    // The embedded server serves the app's pool too; read while the app runs…
    expect(await readProgress()).toEqual([{ status: "in_progress", challenges_completed: 1, progress_percent: 25 }]);

    // …and after a clean restart on the same data directory.
    expect([0, 143]).toContain(await app!.stop());
    app = await boot();
    expect(await readProgress()).toEqual([{ status: "in_progress", challenges_completed: 1, progress_percent: 25 }]);
  });
});
