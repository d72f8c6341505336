import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type AppServer } from "../support/app-server";
import { createDatabase, dropDatabase, withClient } from "../support/database";
import { startFakeInstruqt, type FakeInstruqt } from "../support/fake-instruqt";
import { sendEvent, TEST_WEBHOOK_SECRET } from "../support/webhooks";
import { eventually as waitFor } from "../support/eventually";

/**
 * The worker inside the real app (npm start's path, CAIRN_WORKER=on) over a database of its own:
 * killed with SIGKILL while Instruqt holds its request, the job it was running is not lost —
 * the next instance takes it over once the lease expires and completes it. And on SIGTERM the
 * worker hands its job back at once.
 */

const LEASE_SECONDS = 5;
const uid = () => randomUUID().slice(0, 8);

let database: { name: string; url: string };
let fake: FakeInstruqt;
const apps: AppServer[] = [];

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(database.url, async (client) => (await client.query(text, params)).rows as T[]);

// Waits up to 30 s unless told otherwise (the shared helper's default is 15 s).
const eventually = <T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs = 30_000) =>
  waitFor(read, check, what, timeoutMs);

interface JobRow {
  status: string;
  attempts: number;
  locked_by: string | null;
  locked_at: Date | null;
  last_error: string | null;
}
const job = async (inviteId: string) =>
  (await sql<JobRow>("SELECT status, attempts, locked_by, locked_at, last_error FROM job WHERE kind = 'enrichment' AND key = $1", [inviteId]))[0];

async function boot(env: Record<string, string> = {}): Promise<AppServer> {
  const app = await startApp({
    DATABASE_URL: database.url,
    NEXTAUTH_SECRET: "enrichment-crash-test-secret-0123456789abcdef",
    INSTRUQT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    INSTRUQT_API_KEY: fake.apiKey,
    INSTRUQT_GRAPHQL_URL: fake.url,
    CAIRN_ADMIN_EMAIL: "admin@crash.test",
    CAIRN_ADMIN_PASSWORD: "crash test admin password",
    CAIRN_WORKER: "on",
    CAIRN_ENRICHMENT_POLL_SECONDS: "0.5",
    CAIRN_ENRICHMENT_TIMEOUT_SECONDS: "3",
    CAIRN_ENRICHMENT_LEASE_SECONDS: String(LEASE_SECONDS),
    ...env,
  });
  apps.push(app);
  return app;
}

/** The app process and everything it started (start.ts → the server), deepest first. */
function processTree(pid: number): number[] {
  let listing = "";
  try {
    listing = execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
  } catch {
    // ps exits 1 when the process has no children
  }
  const children = listing.split("\n").map((line) => Number(line.trim())).filter((n) => n > 0);
  return [...children.flatMap(processTree), pid];
}

/** SIGKILL, as a crash or an OOM kill would: no handler runs, nothing is cleaned up. */
async function crash(app: AppServer): Promise<void> {
  const tree = processTree(app.process.pid!);
  for (const pid of tree) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await app.stop("SIGKILL");
  for (const pid of tree) {
    await eventually(async () => { try { process.kill(pid, 0); return false; } catch { return true; } }, (gone) => gone, `process ${pid} to exit`, 10_000);
  }
}

function playEvent(userId: string, inviteId: string) {
  return {
    type: "track.started",
    track_id: "trk_crash",
    track_slug: "crash-track",
    organization_id: "acme",
    participant_id: `p_${uid()}`,
    user_id: userId,
    invite_id: inviteId,
    mode: "platform",
    timestamp: new Date().toISOString(),
  };
}

beforeAll(async () => {
  database = await createDatabase("cairn_crash");
  fake = await startFakeInstruqt();
});

afterAll(async () => {
  for (const app of apps) await app.stop("SIGKILL").catch(() => {});
  fake?.release();
  await fake?.close();
  if (database) await dropDatabase(database.name);
});

describe("the worker in the app", () => {
  it("loses no job when killed mid-request: the next instance takes it over after the lease and completes it", async () => {
    const [invite, ada] = [`inv_${uid()}`, `u_${uid()}`];
    fake.setInvite(invite, [{ userId: ada, firstName: "Ada", lastName: "Lovelace", email: "ada@example.com" }]);
    fake.next({ kind: "hold" }, { inviteId: invite });

    const first = await boot();
    expect((await sendEvent(first.baseUrl, playEvent(ada, invite))).status).toBe(201);
    await fake.waitFor(() => fake.heldCount === 1, 20_000, "the worker's request");
    const running = await job(invite);
    expect(running).toMatchObject({ status: "running", attempts: 1 });

    await crash(first);
    await fake.waitFor(() => fake.heldCount === 0, 5000, "the killed worker's connection to drop");
    expect(fake.abandoned).toBe(1);
    // Nobody released it: the row still says running, under the dead worker's claim.
    expect(await job(invite)).toMatchObject({ status: "running", attempts: 1, locked_by: running!.locked_by });

    // A new instance, started with another key in the environment: the settings were seeded once
    // and keep the first key (the only one the fake accepts).
    const second = await boot({ INSTRUQT_API_KEY: "a-different-key-from-the-environment" });
    const done = await eventually(() => job(invite), (row) => row?.status === "done", "the job to be completed by the new instance");
    expect(done).toMatchObject({ attempts: 2, locked_by: null, last_error: null });
    const [lost, retaken] = fake.requestsFor(invite);
    expect(retaken!.authorization).toBe(`Bearer ${fake.apiKey}`);
    // Taken over no sooner than the lease allowed.
    expect(retaken!.at - running!.locked_at!.getTime()).toBeGreaterThanOrEqual(LEASE_SECONDS * 1000 - 250);
    expect(lost!.answeredAt).toBeNull();
    expect(await sql("SELECT first_name, last_name, email, enrichment_source FROM learner WHERE id = $1", [ada])).toEqual([
      { first_name: "Ada", last_name: "Lovelace", email: "ada@example.com", enrichment_source: "instruqt:trackInvite" },
    ]);
    expect(await sql("SELECT count(*)::int AS n FROM audit_log WHERE action = 'enrichment.settings.seeded'")).toEqual([{ n: 1 }]);
    await second.stop();
  });

  it("on SIGTERM stops cleanly and hands its job back without using the attempt", async () => {
    const [invite, bob] = [`inv_${uid()}`, `u_${uid()}`];
    fake.setInvite(invite, [{ userId: bob, firstName: "Bob", lastName: "Babbage", email: "bob@example.com" }]);
    fake.next({ kind: "hold" }, { inviteId: invite });
    const app = await boot();
    expect((await sendEvent(app.baseUrl, playEvent(bob, invite))).status).toBe(201);
    await fake.waitFor(() => fake.heldCount === 1, 20_000, "the worker's request");
    expect(await job(invite)).toMatchObject({ status: "running", attempts: 1 });

    const code = await app.stop("SIGTERM");
    expect(code).not.toBeNull();
    expect(app.output()).toMatch(/SIGTERM: stopping the runner, handing 1 running job\(s\) back/);
    expect(await job(invite)).toMatchObject({ status: "pending", attempts: 0, locked_by: null });
    expect(fake.heldCount).toBe(0);

    // And the next instance picks it up straight away, without waiting for a lease.
    const next = await boot();
    const started = Date.now();
    await eventually(() => job(invite), (row) => row?.status === "done", "the job done by the next instance");
    expect(Date.now() - started).toBeLessThan(LEASE_SECONDS * 1000);
    expect(await job(invite)).toMatchObject({ attempts: 1 });
    await next.stop();
  });
});
