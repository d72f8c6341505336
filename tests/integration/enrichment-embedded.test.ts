import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startApp, type AppServer } from "../support/app-server";
import { embeddedDatabaseUrl, withClient } from "../support/database";
import { startFakeInstruqt, type FakeInstruqt } from "../support/fake-instruqt";
import { signIn, withSession } from "../support/session";
import { sendEvent, TEST_WEBHOOK_SECRET } from "../support/webhooks";
import { eventually as waitFor } from "../support/eventually";

/**
 * The queue's SQL (SKIP LOCKED claims, leases, intervals, the purge's advisory lock) on the
 * embedded PGlite that `npm start` runs without DATABASE_URL: enrichment works there end to end.
 * (It proves nothing about concurrency — PGlite is one session; that is the PostgreSQL tests' job.)
 */

const ADMIN = { email: "admin@embedded.test", password: "embedded admin password" };
const dataDir = mkdtempSync(join(tmpdir(), "cairn-enrich-embedded-"));
let app: AppServer | undefined;
let fake: FakeInstruqt;
let dbPort: number;

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(embeddedDatabaseUrl(dbPort), async (client) => (await client.query(text, params)).rows as T[]);

// Waits up to 30 s unless told otherwise (the shared helper's default is 15 s).
const eventually = <T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs = 30_000) =>
  waitFor(read, check, what, timeoutMs);

beforeAll(async () => {
  fake = await startFakeInstruqt();
  dbPort = await freePort();
  app = await startApp({
    DATABASE_URL: undefined,
    CAIRN_DATA_DIR: dataDir,
    CAIRN_EMBEDDED_DB_PORT: String(dbPort),
    NEXTAUTH_SECRET: undefined,
    INSTRUQT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    INSTRUQT_API_KEY: fake.apiKey,
    INSTRUQT_GRAPHQL_URL: fake.url,
    CAIRN_ADMIN_EMAIL: ADMIN.email,
    CAIRN_ADMIN_PASSWORD: ADMIN.password,
    CAIRN_WORKER: "on",
    CAIRN_ENRICHMENT_POLL_SECONDS: "0.5",
  });
});

afterAll(async () => {
  await app?.stop();
  await fake?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("enrichment on the embedded database", () => {
  it("enriches learners (retrying a bad answer), then purges them", async () => {
    fake.setInvite("inv_embedded_1", [{ userId: "u_emb_ada", firstName: "Ada", lastName: "Lovelace", email: "ada@example.com" }]);
    fake.setInvite("inv_embedded_2", [{ userId: "u_emb_bob", firstName: "Bob", lastName: "Babbage", email: "bob@example.com" }]);
    fake.next({ kind: "malformed" }, { inviteId: "inv_embedded_2" });
    for (const [user, invite] of [["u_emb_ada", "inv_embedded_1"], ["u_emb_bob", "inv_embedded_2"]]) {
      const response = await sendEvent(app!.baseUrl, {
        type: "track.started",
        track_id: "trk_embedded",
        participant_id: `p_${user}`,
        user_id: user,
        invite_id: invite,
        timestamp: new Date().toISOString(),
      });
      expect(response.status).toBe(201);
    }
    const learners = () => sql<{ id: string; email: string | null }>("SELECT id, email FROM learner WHERE id LIKE 'u_emb_%' ORDER BY id");
    // The bad answer costs Bob's job a backoff (≥ 15 s with the default 30 s base): look at Ada first.
    await eventually(learners, (rows) => rows.find((r) => r.id === "u_emb_ada")?.email === "ada@example.com", "Ada enriched");
    const retrying = await eventually(
      () => sql<{ status: string; attempts: number; last_error: string | null }>("SELECT status, attempts, last_error FROM job WHERE kind = 'enrichment' AND key = 'inv_embedded_2'"),
      (rows) => rows[0]?.last_error !== null && rows[0]?.status === "pending",
      "Bob's job to be rescheduled",
    );
    expect(retrying).toEqual([{ status: "pending", attempts: 1, last_error: expect.stringContaining("not JSON") }]);
    // Make it due now rather than wait out the backoff.
    await sql("UPDATE job SET run_at = now() WHERE kind = 'enrichment' AND key = 'inv_embedded_2'");
    await eventually(learners, (rows) => rows.every((r) => r.email !== null), "both enriched");
    expect(await sql("SELECT status, attempts FROM job WHERE kind = 'enrichment' ORDER BY key")).toEqual([
      { status: "done", attempts: 1 },
      { status: "done", attempts: 2 },
    ]);

    const asAdmin = withSession(await signIn(app!.baseUrl, ADMIN.email, ADMIN.password));
    const purge = await asAdmin(`${app!.baseUrl}/api/settings/enrichment/purge`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: app!.baseUrl },
      body: JSON.stringify({ confirm: "PURGE" }),
    });
    expect(await purge.json()).toEqual({ learnersCleared: 2, jobsCancelled: 2 });
    expect(await learners()).toEqual([
      { id: "u_emb_ada", email: null },
      { id: "u_emb_bob", email: null },
    ]);
  });
});
