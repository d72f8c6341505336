import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startApp, type AppServer } from "../support/app-server";
import { embeddedDatabaseUrl, withClient } from "../support/database";
import { PlayBuilder } from "../support/events-factory";
import { TEST_ADMIN } from "../support/integration-setup";
import { waitForProjectionAt } from "../support/projection";
import { signIn, withSession } from "../support/session";
import { sendEvent, TEST_WEBHOOK_SECRET } from "../support/webhooks";

/**
 * The exports on the embedded database (npm start without DATABASE_URL). PGlite serializes
 * transactions across all connections, so the export must never hold one open across a download:
 * a webhook arriving while a slow client is half-way through a large export must still be stored
 * at once.
 */

// Enough bytes (~20 MB) that the download cannot finish into socket buffers while the client
// pauses: the server is really mid-export when the webhook arrives.
const PLAYS = 10_000;
const PADDING = "x".repeat(1_000);

describe("exports on the embedded database", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "cairn-export-embedded-"));
  let app: AppServer | undefined;
  let dbPort: number;
  let session: ReturnType<typeof withSession>;
  const embeddedUrl = () => embeddedDatabaseUrl(dbPort);

  beforeAll(async () => {
    dbPort = await freePort();
    app = await startApp({
      DATABASE_URL: undefined,
      CAIRN_DATA_DIR: dataDir,
      CAIRN_EMBEDDED_DB_PORT: String(dbPort),
      INSTRUQT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      NEXTAUTH_SECRET: "export-embedded-test-secret-0123456789abcdef",
      CAIRN_ADMIN_EMAIL: TEST_ADMIN.email,
      CAIRN_ADMIN_PASSWORD: TEST_ADMIN.password,
      CAIRN_WORKER: "projector",
    });
    session = withSession(await signIn(app.baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));

    const play = new PlayBuilder({ participantId: "expe_p0", trackId: "trk_expe", trackSlug: "embedded-export", userId: "expe_u0" });
    play.trackStarted({ timestamp: "2024-05-01T08:00:00Z" });
    for (const { svixId, payload } of play.build()) expect((await sendEvent(app.baseUrl, payload, { svixId })).status).toBe(201);
    await waitForProjectionAt(app.baseUrl);
    // Bulk plays straight into the projection: this database belongs to this file alone.
    await withClient(embeddedUrl(), (client) =>
      client.query(
        `INSERT INTO participant (id, user_id, track_id, track_slug, mode, status, custom_parameters, last_activity_at, updated_at)
         SELECT 'expe_bulk_' || lpad(g::text, 6, '0'), 'expe_u' || g, 'trk_expe', 'embedded-export', 'platform', 'started',
                jsonb_build_object('cohort', 'c' || (g % 7), 'padding', $2::text), timestamptz '2024-05-01' + g * interval '1 second', now()
         FROM generate_series(1, $1::int) g`,
        [PLAYS, PADDING],
      ),
    );
  }, 300_000);

  afterAll(async () => {
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("streams every play, with the param columns", async () => {
    const response = await session(`${app!.baseUrl}/api/export/progress.csv?track=embedded-export`);
    expect(response.status).toBe(200);
    const lines = (await response.text()).split("\r\n");
    expect(lines[0]).toMatch(/,custom_parameters,track_title,param_cohort,param_padding$/);
    // Newest activity first: the webhook's play, then the bulk plays from the latest down.
    expect(lines[1]).toMatch(/^expe_p0,expe_u0,/);
    expect(lines.at(-2)).toBe(
      "expe_bulk_000001,expe_u1,,,,trk_expe,embedded-export,,platform,started,0,,,0,0,0,,,2024-05-01T00:00:01.000Z,0," +
        `"{""cohort"":""c1"",""padding"":""${PADDING}""}",,c1,${PADDING}`,
    );
    expect(lines).toHaveLength(1 + PLAYS + 1 + 1); // header, bulk plays, expe_p0, the empty string after the last CRLF
  });

  it("a webhook is stored at once while a slow client is half-way through an export", async () => {
    const response = await session(`${app!.baseUrl}/api/export/progress.csv?track=embedded-export`);
    const reader = response.body!.getReader();
    let received = (await reader.read()).value!.length;
    received += (await reader.read()).value!.length;

    // The client stops reading. A webhook must not wait for it.
    const play = new PlayBuilder({ participantId: "expe_p1", trackId: "trk_expe", trackSlug: "embedded-export", userId: "expe_u1" });
    const [event] = play.trackStarted().build();
    const started = Date.now();
    const delivery = await sendEvent(app!.baseUrl, event!.payload, { svixId: event!.svixId });
    expect(delivery.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(5_000);

    // The export was still going: the rest arrives once the client reads again.
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
    }
    expect(received).toBeGreaterThan(PLAYS * 2 * PADDING.length);
  });

  it("a client that goes away mid-export leaves the server answering", async () => {
    const abort = new AbortController();
    const response = await session(`${app!.baseUrl}/api/export/progress.csv`, { signal: abort.signal });
    const reader = response.body!.getReader();
    await reader.read();
    abort.abort();
    await expect(reader.read()).rejects.toThrow();
    expect((await fetch(`${app!.baseUrl}/api/health`)).status).toBe(200);
    const again = await session(`${app!.baseUrl}/api/export/progress.csv?user=expe_u0`);
    expect((await again.text()).split("\r\n")[1]).toMatch(/^expe_p0,/);
  });

  it("a database failure mid-export breaks the download instead of ending it as if complete", async () => {
    const response = await session(`${app!.baseUrl}/api/export/progress.csv?track=embedded-export`);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await reader.read();
    // The next batches' query now fails (the export holds no transaction, so this goes through).
    await withClient(embeddedUrl(), (client) => client.query("ALTER TABLE learner RENAME TO learner_gone"));
    try {
      const outcome = await (async () => {
        for (;;) {
          const { done } = await reader.read();
          if (done) return "ended cleanly";
        }
      })().catch(() => "broken");
      expect(outcome).toBe("broken");
    } finally {
      await withClient(embeddedUrl(), (client) => client.query("ALTER TABLE learner_gone RENAME TO learner"));
    }
    expect(app!.output()).toMatch(/\[export\] progress\.csv failed while streaming/);
  });
});
