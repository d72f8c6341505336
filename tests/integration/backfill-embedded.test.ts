import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startApp, type AppServer } from "../support/app-server";
import { PlayBuilder } from "../support/events-factory";
import { startFakeInstruqt, type FakeInstruqt } from "../support/fake-instruqt";
import { TEST_ADMIN } from "../support/integration-setup";
import { waitForProjectionAt } from "../support/projection";
import { signIn, withSession } from "../support/session";
import { sendEvent, TEST_WEBHOOK_SECRET } from "../support/webhooks";

/**
 * A backfill as `npm start` runs it out of the box: the embedded database (PGlite) and
 * CAIRN_WORKER=on, so the app's own job runner (lib/jobs/handlers.ts) picks the backfill up; the
 * API key and URL are seeded from the environment. One webhook play and two reports, one of them
 * the same play.
 */

describe("a backfill on the embedded database, run by the app's own worker", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "cairn-backfill-embedded-"));
  const apiKey = "backfill-embedded-api-key-0123456789";
  let fake: FakeInstruqt;
  let app: AppServer | undefined;
  let session: ReturnType<typeof withSession>;

  beforeAll(async () => {
    fake = await startFakeInstruqt({ apiKey });
    fake.addPlayReports(
      { id: "bfe_p1", trackId: "bfe_track", userId: "bfe_u1", inviteId: null, startedAt: "2024-05-01T08:00:00Z", completionPercent: 100, completedChallenges: 3, totalChallenges: 3 },
      { id: "bfe_r2", trackId: "bfe_track", userId: "bfe_u2", inviteId: null, startedAt: "2024-05-01T09:00:00Z", completionPercent: 50, completedChallenges: 1, totalChallenges: 2, timeSpent: 60 },
    );
    app = await startApp({
      DATABASE_URL: undefined,
      CAIRN_DATA_DIR: dataDir,
      CAIRN_EMBEDDED_DB_PORT: String(await freePort()),
      INSTRUQT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      NEXTAUTH_SECRET: "backfill-embedded-test-secret-0123456789abcdef",
      CAIRN_ADMIN_EMAIL: TEST_ADMIN.email,
      CAIRN_ADMIN_PASSWORD: TEST_ADMIN.password,
      CAIRN_WORKER: "on",
      INSTRUQT_API_KEY: apiKey,
      INSTRUQT_GRAPHQL_URL: fake.url,
      INSTRUQT_TEAM_SLUG: fake.teamSlug,
    });
    session = withSession(await signIn(app.baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));
    const play = new PlayBuilder({ participantId: "bfe_p1", trackId: "bfe_track", trackSlug: "bfe-slug", userId: "bfe_u1", start: "2024-05-01T08:00:00Z" });
    for (const { svixId, payload } of play.trackStarted().build()) expect((await sendEvent(app.baseUrl, payload, { svixId })).status).toBe(201);
    await waitForProjectionAt(app.baseUrl);
  }, 300_000);

  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("adds the play webhooks missed, once, and leaves the webhook play alone", async () => {
    const start = async () => {
      const response = await session(`${app!.baseUrl}/api/settings/backfill`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: app!.baseUrl },
        body: JSON.stringify({ from: "2024-05-01", to: "2024-05-01" }),
      });
      expect(response.status, await response.clone().text()).toBe(202);
      return ((await response.json()) as { id: string }).id;
    };
    const finished = async (id: string) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const status = (await (await session(`${app!.baseUrl}/api/settings/backfill/${id}`)).json()) as { status: string };
        if (status.status === "done" || status.status === "failed") return status;
        if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(status)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };

    expect(await finished(await start())).toMatchObject({ status: "done", pages_done: 1, plays_seen: 2, plays_added: 1, error: null });
    expect(await finished(await start())).toMatchObject({ status: "done", plays_seen: 2, plays_added: 0 });

    const csv = await (await session(`${app!.baseUrl}/api/export/progress.csv?track=bfe_track`)).text();
    const rows = csv.trim().split("\r\n").slice(1);
    expect(rows).toHaveLength(2);
    expect(rows.find((row) => row.startsWith("bfe_p1,"))).toContain(",started,");
    expect(rows.find((row) => row.startsWith("bfe_r2,"))).toContain(",in_progress,1,2,50,");
    const learners = await (await session(`${app!.baseUrl}/learners?track=bfe_track`)).text();
    expect(learners.match(/data-source="report"/g)).toHaveLength(1);
  });
});
