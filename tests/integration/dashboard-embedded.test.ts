import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DELIVERY_PREFIX } from "@/lib/webhooks/endpoint";
import { freePort, startApp, type AppServer } from "../support/app-server";
import { PlayBuilder } from "../support/events-factory";
import { signIn, withSession } from "../support/session";
import { TEST_WEBHOOK_SECRET } from "../support/webhooks";
import { deliver, deliverPayload } from "./dashboard-support";

/**
 * Every dashboard query on the embedded PostgreSQL (PGlite, `npm start` without DATABASE_URL):
 * the read models use only core SQL (no extension), and this proves it runs there too.
 */

const ADMIN = { email: "dem-admin@cairn.test", password: "embedded admin password" };

describe("dashboards on the embedded database", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "cairn-dashboard-embedded-"));
  let app: AppServer | undefined;
  let get: ReturnType<typeof withSession>;

  beforeAll(async () => {
    app = await startApp({
      DATABASE_URL: undefined,
      CAIRN_DATA_DIR: dataDir,
      CAIRN_EMBEDDED_DB_PORT: String(await freePort()),
      INSTRUQT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      NEXTAUTH_SECRET: undefined,
      CAIRN_ADMIN_EMAIL: ADMIN.email,
      CAIRN_ADMIN_PASSWORD: ADMIN.password,
      CAIRN_WORKER: "projector",
    });
    const play = new PlayBuilder({
      participantId: "dem_p1",
      userId: "dem_u1",
      trackId: "dem_track",
      trackSlug: "dash-embedded",
      inviteId: "dem_inv",
      customParameters: { cohort: "north" },
      start: new Date(Date.now() - 15 * 60_000),
      svixPrefix: "msg_dem_p1_",
    })
      .trackStarted()
      .after(30).challengeStarted(0).after(30).attempt(0, false).after(30).attempt(0, true).challengeCompleted(0)
      .after(30).skipTo(2).challengeStarted(2)
      .sandbox("failed");
    await deliver(app.baseUrl, play.build());
    await deliverPayload(app.baseUrl, { type: "review.created", review_id: "dem_r", track_id: "dem_track", user_id: "dem_u1", score: 5, timestamp: new Date().toISOString() }, "msg_dem_review");
    await deliverPayload(app.baseUrl, { type: "dem.unknown", timestamp: new Date().toISOString() }, "msg_dem_unknown");
    await deliverPayload(app.baseUrl, { type: "track.started", timestamp: new Date().toISOString() }, `${TEST_DELIVERY_PREFIX}dem`);
    get = withSession(await signIn(app.baseUrl, ADMIN.email, ADMIN.password));
  }, 240_000);

  afterAll(async () => {
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const html = async (path: string) => {
    const response = await get(`${app!.baseUrl}${path}`);
    expect(response.status, path).toBe(200);
    return response.text();
  };

  it("serves every page, with filters, sorts and searches", async () => {
    expect(await html("/")).toContain("dash-embedded");
    expect(await html("/tracks")).toContain("dash-embedded");
    const track = await html("/tracks/dash-embedded?invite=dem_inv&mode=platform&param=cohort&value=north&from=2000-01-01&to=2999-12-31&sort=learner&dir=asc");
    expect(track).toContain('data-participant="dem_p1"');
    expect(track).toContain('data-challenge-index="1"');
    expect(await html("/learners?q=dem_u&sort=learner&dir=asc&status=in_progress")).toContain('data-participant="dem_p1"');
    expect(await html("/learners?track=dash-embedded&sort=track&page=5")).toContain('data-participant="dem_p1"');
    const learner = await html("/learners/dem_u1");
    expect(learner).toContain('data-flag="sandbox_failure"');
    expect(learner).toContain('data-status="skipped"');
    const log = await html("/events?type=dem.unknown&from=2000-01-01");
    expect(log).toContain("msg_dem_unknown");
    expect(await html("/events?outcome=test&refused=30d")).toContain('data-outcome="test"');
  });
});
