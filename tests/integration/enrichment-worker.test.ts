import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, dropDatabase, migrateDatabase, withClient } from "../support/database";
import { waitForProjection } from "../support/projection";
import { startFakeInstruqt, type FakeInstruqt } from "../support/fake-instruqt";
import { eventually } from "../support/eventually";

/**
 * The enrichment worker driven in-process over a database of its own on the real PostgreSQL,
 * against the fake Instruqt: events go in through the real ingest path (storeDelivery), the
 * worker's real loop claims and runs the jobs, and the tests read the outcome from the tables.
 */


type Lib = {
  store: typeof import("@/lib/ingest/store");
  projector: typeof import("@/lib/progress/worker");
  queue: typeof import("@/lib/enrichment/queue");
  worker: typeof import("@/lib/enrichment/worker");
  jobs: typeof import("@/lib/jobs/queue");
  runner: typeof import("@/lib/jobs/runner");
  settings: typeof import("@/lib/enrichment/settings");
  admin: typeof import("@/lib/enrichment/admin");
  db: typeof import("@/lib/db/client");
};

let database: { name: string; url: string };
let fake: FakeInstruqt;
let lib: Lib;
let projector: import("@/lib/progress/worker").ProjectionWorker;
const workers: import("@/lib/jobs/runner").JobRunner[] = [];
// The one Actor type (lib/audit/actor.ts): the audit log records the label.
const admin = { id: "admin-1", label: "admin@cairn.test" };

const uid = () => randomUUID().slice(0, 8);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(database.url, async (client) => (await client.query(text, params)).rows as T[]);


interface JobRow {
  invite_id: string;
  status: string;
  attempts: number;
  generation: number;
  user_ids: string[];
  run_at: Date;
  locked_by: string | null;
  last_error: string | null;
  note: string | null;
  updated_at: Date;
}
/** Enrichment's jobs on the one queue, in the shape of the columns they used to have. */
const ENRICHMENT_JOBS = `(SELECT key AS invite_id, status, attempts, generation, run_at, locked_by, locked_at, last_error, note, updated_at,
    ARRAY(SELECT jsonb_array_elements_text(COALESCE(payload->'user_ids', '[]'::jsonb))) AS user_ids
  FROM job WHERE kind = 'enrichment') AS enrichment_job`;
const job = async (inviteId: string) => (await sql<JobRow>(`SELECT * FROM ${ENRICHMENT_JOBS} WHERE invite_id = $1`, [inviteId]))[0];

interface LearnerRow {
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  enrichment_source: string | null;
  enriched_at: Date | null;
}
const learner = async (id: string) => (await sql<LearnerRow>("SELECT id, first_name, last_name, email, enrichment_source, enriched_at FROM learner WHERE id = $1", [id]))[0];

/**
 * Jobs are queued by the projector after the append: each delivery here waits for it, so a test
 * reads the queue as it stands once its events are derived.
 */
async function projected<T>(stored: Promise<T>): Promise<T> {
  const result = await stored;
  await waitForProjection(database.url);
  return result;
}

/** A learner starting a play through an invite, delivered through the real ingest path. */
async function play(userId: string, inviteId: string | null, type = "track.started") {
  return projected(lib.store.storeDelivery({
    svixId: `msg_${uid()}`,
    payload: {
      type,
      track_id: "trk_enrichment",
      track_slug: "enrichment-track",
      organization_id: "acme",
      participant_id: `p_${userId}_${inviteId ?? "none"}`,
      user_id: userId,
      invite_id: inviteId,
      mode: "platform",
      timestamp: new Date().toISOString(),
    },
  }));
}

async function claim(userId: string, inviteId: string) {
  return projected(lib.store.storeDelivery({
    svixId: `msg_${uid()}`,
    payload: { type: "invite.claimed", invite_id: inviteId, user_id: userId, team_id: "t1", team_slug: "acme", timestamp: new Date().toISOString() },
  }));
}

const testConfig = {
  concurrency: 2,
  pollMs: 100,
  timeoutMs: 1000,
  leaseMs: 4000,
  maxAttempts: 3,
  backoff: { baseMs: 150, maxMs: 1000 },
};

function startWorker(overrides: Partial<typeof testConfig> = {}, id?: string, log: (line: string) => void = () => {}) {
  const config = { ...testConfig, ...overrides };
  // Enrichment as it runs in the app: its handler on the one job runner.
  const worker = new lib.runner.JobRunner({ handlers: [lib.worker.enrichmentJobHandler({ config })], pollMs: config.pollMs, log, id }).start();
  workers.push(worker);
  return worker;
}

async function configure({ enabled = true, apiKey = fake.apiKey }: { enabled?: boolean; apiKey?: string | null } = {}) {
  await lib.admin.updateEnrichmentSettings(admin, { enabled, graphqlUrl: fake.url, apiKey });
}

beforeAll(async () => {
  database = await createDatabase("cairn_enrich");
  migrateDatabase(database.url);
  process.env.DATABASE_URL = database.url;
  process.env.NEXTAUTH_SECRET = "enrichment-worker-test-secret-0123456789abcdef";
  process.env.DATABASE_POOL_SIZE = "8";
  fake = await startFakeInstruqt();
  lib = {
    store: await import("@/lib/ingest/store"),
    projector: await import("@/lib/progress/worker"),
    queue: await import("@/lib/enrichment/queue"),
    worker: await import("@/lib/enrichment/worker"),
    jobs: await import("@/lib/jobs/queue"),
    runner: await import("@/lib/jobs/runner"),
    settings: await import("@/lib/enrichment/settings"),
    admin: await import("@/lib/enrichment/admin"),
    db: await import("@/lib/db/client"),
  };
  await configure();
  projector = new lib.projector.ProjectionWorker({ pollMs: 100, log: () => {} }).start();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  fake.release();
  fake.reset();
  // Nothing left due for the next test's worker.
  await sql("DELETE FROM job WHERE kind = 'enrichment'");
  await configure();
});

afterAll(async () => {
  await projector?.stop();
  await lib?.db.db().$disconnect();
  await fake?.close();
  if (database) await dropDatabase(database.name);
});

describe("enqueueing in the ingest transaction", () => {
  it("queues one job per invite for learners seen with it, and none without an invite", async () => {
    const invite = `inv_${uid()}`;
    const [ada, bob, solo] = [`u_${uid()}`, `u_${uid()}`, `u_${uid()}`];
    await play(ada, invite);
    await claim(bob, invite);
    await play(solo, null);
    expect(await job(invite)).toMatchObject({ status: "pending", attempts: 0, generation: 1, user_ids: [ada, bob] });
    expect(await sql(`SELECT 1 FROM ${ENRICHMENT_JOBS} WHERE $1 = ANY(user_ids)`, [solo])).toEqual([]);
  });

  it("a learner's further events change nothing; a new learner re-arms a finished job", async () => {
    const invite = `inv_${uid()}`;
    const [ada, bob] = [`u_${uid()}`, `u_${uid()}`];
    await play(ada, invite);
    await sql("UPDATE job SET status = 'done', attempts = 2, run_at = now() - interval '1 day' WHERE kind = 'enrichment' AND key = $1", [invite]);
    const before = await job(invite);
    await play(ada, invite, "track.completed");
    await claim(ada, invite);
    expect(await job(invite)).toEqual(before);

    await play(bob, invite);
    const after = await job(invite);
    expect(after).toMatchObject({ status: "pending", attempts: 0, generation: before!.generation + 1, user_ids: [ada, bob] });
    expect(after!.run_at.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it("does not queue a learner who is already enriched", async () => {
    const invite = `inv_${uid()}`;
    const ada = `u_${uid()}`;
    await play(ada, `inv_${uid()}`);
    await sql("UPDATE learner SET first_name = 'Ada', enriched_at = now() WHERE id = $1", [ada]);
    await play(ada, invite);
    expect(await job(invite)).toBeUndefined();
  });
});

describe("the worker", () => {
  it("writes names and emails with their source and time, matched by user id", async () => {
    const invite = `inv_${uid()}`;
    const [ada, bob, eve] = [`u_${uid()}`, `u_${uid()}`, `u_${uid()}`];
    fake.setInvite(invite, [
      { userId: ada, firstName: "Ada", lastName: "Lovelace", email: "ada@example.com" },
      { userId: bob, firstName: "Bob", lastName: "Babbage", email: "bob@example.com" },
      { userId: `u_stranger_${uid()}`, firstName: "Not", lastName: "Seen", email: "stranger@example.com" },
    ]);
    await play(ada, invite);
    await play(bob, invite);
    await play(eve, invite);
    const before = Date.now();
    startWorker();

    const done = await eventually(() => job(invite), (j) => j?.status === "done", "the job to be done");
    expect(done).toMatchObject({ attempts: 1, locked_by: null, last_error: null, note: "1 known learner not among the claims" });
    expect(await learner(ada)).toMatchObject({ first_name: "Ada", last_name: "Lovelace", email: "ada@example.com", enrichment_source: "instruqt:trackInvite" });
    expect(await learner(bob)).toMatchObject({ first_name: "Bob", last_name: "Babbage", email: "bob@example.com", enrichment_source: "instruqt:trackInvite" });
    expect((await learner(ada))!.enriched_at!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await learner(eve)).toMatchObject({ first_name: null, email: null, enrichment_source: null, enriched_at: null });
    // Only learners Cairn has seen get a row: the stranger's details are not stored.
    expect(await sql("SELECT 1 FROM learner WHERE email = 'stranger@example.com'")).toEqual([]);
    expect(fake.requestsFor(invite)).toHaveLength(1);
    expect(fake.requestsFor(invite)[0]!.authorization).toBe(`Bearer ${fake.apiKey}`);
  });

  it("matches one id-less claim to the one learner, and records ambiguity instead of guessing", async () => {
    const [single, crowd] = [`inv_${uid()}`, `inv_${uid()}`];
    const [ada, bob, cy] = [`u_${uid()}`, `u_${uid()}`, `u_${uid()}`];
    fake.setInvite(single, [{ userId: null, firstName: "Ada", lastName: "L", email: "ada@example.com" }]);
    fake.setInvite(crowd, [
      { userId: null, firstName: "Bob", lastName: "B", email: "bob@example.com" },
      { userId: null, firstName: "Cy", lastName: "C", email: "cy@example.com" },
    ]);
    await claim(ada, single);
    await play(bob, crowd);
    await play(cy, crowd);
    startWorker();
    await eventually(() => sql<JobRow>(`SELECT status FROM ${ENRICHMENT_JOBS} WHERE invite_id = ANY($1)`, [[single, crowd]]), (rows) => rows.length === 2 && rows.every((r) => r.status === "done"), "both jobs done");
    expect(await learner(ada)).toMatchObject({ first_name: "Ada", email: "ada@example.com" });
    expect(await job(crowd)).toMatchObject({ status: "done", note: "ambiguous: 2 claims without user ids and 2 known learners; not matched" });
    expect(await learner(bob)).toMatchObject({ first_name: null, email: null, enriched_at: null });
    expect(await learner(cy)).toMatchObject({ first_name: null, email: null, enriched_at: null });
  });

  it("finishes an unknown invite with a note, whether Instruqt answers null or a not-found error", async () => {
    const [asNull, asError] = [`inv_${uid()}`, `inv_${uid()}`];
    await play(`u_${uid()}`, asNull);
    startWorker();
    expect(await eventually(() => job(asNull), (j) => j?.status === "done", "the null invite's job")).toMatchObject({
      attempts: 1,
      note: expect.stringContaining(`does not know invite ${asNull}`),
    });
    fake.unknownInvite = "error";
    try {
      await play(`u_${uid()}`, asError);
      expect(await eventually(() => job(asError), (j) => j?.status === "done", "the not-found invite's job")).toMatchObject({
        attempts: 1,
        note: expect.stringMatching(/not found/),
      });
    } finally {
      fake.unknownInvite = "null";
    }
    expect(fake.requestsFor(asNull)).toHaveLength(1);
    expect(fake.requestsFor(asError)).toHaveLength(1);
  });

  it("retries GraphQL errors with growing backoff, then fails the job visibly after the last attempt", async () => {
    const invite = `inv_${uid()}`;
    fake.next({ kind: "graphql-errors", errors: [{ message: "resolver exploded" }] }, { inviteId: invite, times: 10 });
    await play(`u_${uid()}`, invite);
    startWorker();
    const failed = await eventually(() => job(invite), (j) => j?.status === "failed", "the job to fail");
    expect(failed).toMatchObject({ attempts: 3, last_error: expect.stringMatching(/^attempt 3\/3: .*resolver exploded/) });
    const times = fake.requestsFor(invite).map((r) => r.at);
    expect(times).toHaveLength(3);
    // Backoff: ≥ base/2 after the first failure, ≥ base after the second (equal jitter).
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(75 - 10);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(150 - 10);
    const status = await lib.queue.queueStatus(testConfig.leaseMs);
    expect(status.counts.failed).toBe(1);
    expect(status.recent[0]).toMatchObject({ inviteId: invite, status: "failed", attempts: 3 });
    await sleep(500);
    expect(fake.requestsFor(invite)).toHaveLength(3);
  });

  it("fails at once when Instruqt refuses the document (schema changed)", async () => {
    const invite = `inv_${uid()}`;
    fake.next({ kind: "status", status: 400, body: JSON.stringify({ errors: [{ message: 'Cannot query field "user" on type "Claim".' }] }) }, { inviteId: invite });
    await play(`u_${uid()}`, invite);
    startWorker();
    expect(await eventually(() => job(invite), (j) => j?.status === "failed", "the job to fail")).toMatchObject({
      attempts: 1,
      last_error: expect.stringContaining("Cannot query field"),
    });
  });

  it("on 401 pauses without using the attempt or asking again, and resumes once the key is replaced", async () => {
    const invite = `inv_${uid()}`;
    const ada = `u_${uid()}`;
    fake.setInvite(invite, [{ userId: ada, firstName: "Ada", lastName: "L", email: "ada@example.com" }]);
    await configure({ apiKey: "revoked-key-0123456789" });
    await play(ada, invite);
    startWorker();
    await eventually(() => lib.settings.loadEnrichmentSettings(), (s) => s.paused !== null, "the pause");
    expect((await lib.settings.loadEnrichmentSettings()).paused).toMatchObject({ reason: "auth", status: 401 });
    expect(await eventually(() => job(invite), (j) => j?.status === "pending", "the job back to pending")).toMatchObject({
      attempts: 0,
      locked_by: null,
      last_error: expect.stringContaining("401"),
    });
    // Paused: several polls go by without a single request.
    await sleep(testConfig.pollMs * 8);
    expect(fake.requests).toHaveLength(1);

    await configure({ apiKey: fake.apiKey });
    expect(await eventually(() => job(invite), (j) => j?.status === "done", "the job done after the new key")).toMatchObject({ attempts: 1 });
    expect(await learner(ada)).toMatchObject({ first_name: "Ada" });
  });

  it("honours 429 Retry-After: no request to Instruqt before it elapses, and no attempt used", async () => {
    const [limited, other] = [`inv_${uid()}`, `inv_${uid()}`];
    const ada = `u_${uid()}`;
    fake.setInvite(limited, [{ userId: ada, firstName: "Ada", lastName: "L", email: "ada@example.com" }]);
    fake.next({ kind: "rate-limit", retryAfter: "2" }, { inviteId: limited });
    await play(ada, limited);
    startWorker({ concurrency: 1 });
    const waiting = await eventually(() => job(limited), (j) => j?.status === "pending" && j.last_error !== null, "the rescheduled job");
    const limitedAt = fake.requests[0]!.answeredAt!;
    expect(waiting).toMatchObject({ attempts: 0, last_error: expect.stringContaining("429") });
    expect(waiting!.run_at.getTime() - limitedAt).toBeGreaterThan(1500);

    // Another invite arriving meanwhile waits too: the limit is Instruqt's, not the invite's.
    await play(`u_${uid()}`, other);
    await eventually(() => job(limited), (j) => j?.status === "done", "the job done after Retry-After", 10_000);
    const [first, second] = fake.requestsFor(limited);
    expect(second!.at - first!.answeredAt!).toBeGreaterThanOrEqual(2000 - 25);
    for (const request of fake.requests.slice(1)) expect(request.at - limitedAt).toBeGreaterThanOrEqual(2000 - 25);
    expect(await job(limited)).toMatchObject({ attempts: 1 });
    expect(await learner(ada)).toMatchObject({ email: "ada@example.com" });
  });

  it("retries a timeout and a malformed answer, then succeeds", async () => {
    const [slow, garbled] = [`inv_${uid()}`, `inv_${uid()}`];
    const [ada, bob] = [`u_${uid()}`, `u_${uid()}`];
    fake.setInvite(slow, [{ userId: ada, firstName: "Ada", lastName: "L", email: "ada@example.com" }]);
    fake.setInvite(garbled, [{ userId: bob, firstName: "Bob", lastName: "B", email: "bob@example.com" }]);
    fake.next({ kind: "slow", delayMs: 3000 }, { inviteId: slow });
    fake.next({ kind: "malformed" }, { inviteId: garbled });
    await play(ada, slow);
    await play(bob, garbled);
    startWorker();
    await eventually(() => sql<JobRow>(`SELECT status FROM ${ENRICHMENT_JOBS} WHERE invite_id = ANY($1)`, [[slow, garbled]]), (rows) => rows.length === 2 && rows.every((r) => r.status === "done"), "both jobs done");
    expect(await job(slow)).toMatchObject({ attempts: 2, last_error: null });
    expect(await job(garbled)).toMatchObject({ attempts: 2, last_error: null });
    expect(fake.requestsFor(slow)).toHaveLength(2);
    expect(fake.requestsFor(slow)[0]!.answeredAt).toBeNull(); // the worker gave up on it
    expect(await learner(ada)).toMatchObject({ first_name: "Ada" });
    expect(await learner(bob)).toMatchObject({ first_name: "Bob" });
  });

  it("is idempotent: re-running a done job rewrites the same data", async () => {
    const invite = `inv_${uid()}`;
    const ada = `u_${uid()}`;
    fake.setInvite(invite, [{ userId: ada, firstName: "Ada", lastName: "Lovelace", email: "ada@example.com" }]);
    await play(ada, invite);
    startWorker();
    const { generation } = (await eventually(() => job(invite), (j) => j?.status === "done", "the first run"))!;
    const first = await learner(ada);
    const queued = await lib.admin.rerunEnrichment(admin);
    expect(queued).toBeGreaterThanOrEqual(1);
    await eventually(() => job(invite), (j) => j?.status === "done" && j.generation === generation + 1, "the re-run");
    const second = await learner(ada);
    expect(fake.requestsFor(invite)).toHaveLength(2);
    expect({ ...second, enriched_at: null }).toEqual({ ...first, enriched_at: null });
    expect(second!.enriched_at!.getTime()).toBeGreaterThanOrEqual(first!.enriched_at!.getTime());
  });

  it("never runs more requests at once than its concurrency", async () => {
    const invites = Array.from({ length: 7 }, () => `inv_${uid()}`);
    for (const invite of invites) {
      fake.setInvite(invite, []);
      await play(`u_${uid()}`, invite);
    }
    fake.next({ kind: "ok", delayMs: 250 }, { times: 7 });
    startWorker({ concurrency: 3 });
    await eventually(() => sql<JobRow>(`SELECT status FROM ${ENRICHMENT_JOBS} WHERE invite_id = ANY($1)`, [invites]), (rows) => rows.every((r) => r.status === "done"), "all jobs done");
    expect(fake.maxInFlight).toBe(3);
    expect(fake.requests).toHaveLength(7);
  });

  it("two workers on one database never run the same job (FOR UPDATE SKIP LOCKED)", async () => {
    const invites = Array.from({ length: 12 }, () => `inv_${uid()}`);
    for (const invite of invites) {
      fake.setInvite(invite, []);
      await play(`u_${uid()}`, invite);
    }
    fake.next({ kind: "ok", delayMs: 100 }, { times: 12 });
    startWorker({ concurrency: 3 }, "worker-a");
    startWorker({ concurrency: 3 }, "worker-b");
    await eventually(() => sql<JobRow>(`SELECT status FROM ${ENRICHMENT_JOBS} WHERE invite_id = ANY($1)`, [invites]), (rows) => rows.every((r) => r.status === "done"), "all jobs done");
    for (const invite of invites) expect(fake.requestsFor(invite)).toHaveLength(1);
    expect(fake.maxInFlight).toBeLessThanOrEqual(6);
  });

  it("claims are exclusive under contention", async () => {
    const invites = Array.from({ length: 8 }, () => `inv_${uid()}`);
    for (const invite of invites) await play(`u_${uid()}`, invite);
    const claims = await Promise.all(Array.from({ length: 20 }, (_, n) => lib.jobs.claimJob<import("@/lib/enrichment/queue").EnrichmentPayload>("enrichment", `racer#${n}`, 60_000)));
    const won = claims.filter((c) => c !== null);
    expect(won).toHaveLength(8);
    expect(new Set(won.map((c) => c!.key))).toEqual(new Set(invites));
    expect(new Set(won.map((c) => c!.token)).size).toBe(8);
  });

  it("takes over a job whose worker vanished once its lease expired, and fails one out of attempts", async () => {
    const [orphan, hopeless] = [`inv_${uid()}`, `inv_${uid()}`];
    const ada = `u_${uid()}`;
    fake.setInvite(orphan, [{ userId: ada, firstName: "Ada", lastName: "L", email: "ada@example.com" }]);
    await play(ada, orphan);
    await play(`u_${uid()}`, hopeless);
    await sql("UPDATE job SET status = 'running', attempts = 1, locked_by = 'dead#1', locked_at = now() - interval '10 seconds' WHERE kind = 'enrichment' AND key = $1", [orphan]);
    await sql("UPDATE job SET status = 'running', attempts = 3, locked_by = 'dead#2', locked_at = now() - interval '10 seconds' WHERE kind = 'enrichment' AND key = $1", [hopeless]);
    startWorker();
    expect(await eventually(() => job(orphan), (j) => j?.status === "done", "the orphan taken over")).toMatchObject({ attempts: 2 });
    expect(await learner(ada)).toMatchObject({ first_name: "Ada" });
    expect(await eventually(() => job(hopeless), (j) => j?.status === "failed", "the hopeless job failed")).toMatchObject({
      last_error: expect.stringContaining("lease expired"),
    });
    expect(fake.requestsFor(hopeless)).toHaveLength(0);
  });

  it("a worker that lost its claim writes nothing", async () => {
    const invite = `inv_${uid()}`;
    const ada = `u_${uid()}`;
    await play(ada, invite);
    const mine = (await lib.jobs.claimJob<import("@/lib/enrichment/queue").EnrichmentPayload>("enrichment", "slow#1", 60_000))!;
    await sql("UPDATE job SET locked_at = now() - interval '2 minutes' WHERE kind = 'enrichment' AND key = $1", [invite]);
    const theirs = (await lib.jobs.claimJob<import("@/lib/enrichment/queue").EnrichmentPayload>("enrichment", "fast#1", 60_000))!;
    expect(theirs.key).toBe(invite);
    const late = await lib.queue.completeJob(mine, { matches: [{ userId: ada, details: { firstName: "Stale", lastName: null, email: null } }], note: null });
    expect(late).toEqual({ applied: false, learnersUpdated: 0, status: null });
    expect(await learner(ada)).toMatchObject({ first_name: null });
    expect(await job(invite)).toMatchObject({ status: "running", locked_by: "fast#1" });
  });

  it("a learner arriving while the job runs makes it run again", async () => {
    const invite = `inv_${uid()}`;
    const [ada, bob] = [`u_${uid()}`, `u_${uid()}`];
    fake.setInvite(invite, [
      { userId: ada, firstName: "Ada", lastName: "L", email: "ada@example.com" },
      { userId: bob, firstName: "Bob", lastName: "B", email: "bob@example.com" },
    ]);
    await play(ada, invite);
    fake.next({ kind: "hold" }, { inviteId: invite });
    startWorker();
    await fake.waitFor(() => fake.heldCount === 1, 10_000, "the held request");
    const claimed = (await job(invite))!;
    // Bob is not known when the first run starts; he arrives while it waits on Instruqt.
    await play(bob, invite);
    expect(await job(invite)).toMatchObject({ status: "running", generation: claimed.generation + 1, user_ids: [ada, bob] });
    fake.release();
    await eventually(() => learner(bob), (l) => l?.first_name === "Bob", "Bob enriched");
    await fake.waitFor(() => fake.requestsFor(invite).length === 2, 10_000, "the second run");
    expect(await eventually(() => job(invite), (j) => j?.status === "done", "the job done")).toMatchObject({ generation: claimed.generation + 1, attempts: 1 });
  });

  it("stop() gives a job in flight back without using its attempt", async () => {
    const invite = `inv_${uid()}`;
    await play(`u_${uid()}`, invite);
    fake.next({ kind: "hold" }, { inviteId: invite });
    const worker = startWorker();
    await fake.waitFor(() => fake.heldCount === 1, 10_000, "the held request");
    expect(await job(invite)).toMatchObject({ status: "running", attempts: 1 });
    await worker.stop();
    expect(await job(invite)).toMatchObject({ status: "pending", attempts: 0, locked_by: null });
    expect(worker.runningJobs).toBe(0);
  });

  it("reports a key it cannot decrypt once, asks nothing, and works again once the key is saved anew", async () => {
    const invite = `inv_${uid()}`;
    const ada = `u_${uid()}`;
    fake.setInvite(invite, [{ userId: ada, firstName: "Ada", lastName: "L", email: "ada@example.com" }]);
    const { encrypt } = await import("@/lib/crypto/encryption");
    // As if CAIRN_ENCRYPTION_KEY had changed since the key was saved.
    await sql("UPDATE setting SET value = jsonb_set(value, '{ciphertext}', to_jsonb($1::text)) WHERE key = 'enrichment.api_key'", [
      encrypt(fake.apiKey, Buffer.alloc(32, 7)),
    ]);
    await expect(lib.settings.activeCredentials()).rejects.toThrow(/cannot be decrypted/);
    await play(ada, invite);
    const lines: string[] = [];
    startWorker({}, undefined, (line) => lines.push(line));
    await sleep(testConfig.pollMs * 8);
    expect(fake.requests).toHaveLength(0);
    expect(lines.filter((line) => line.includes("cannot be decrypted"))).toHaveLength(1);
    // Testing a typed key still works; saving it repairs enrichment.
    expect(await lib.admin.testEnrichmentConnection(admin, { apiKey: fake.apiKey })).toMatchObject({ ok: true });
    await configure();
    await eventually(() => job(invite), (j) => j?.status === "done", "the job done with the key saved again");
    expect(await learner(ada)).toMatchObject({ email: "ada@example.com" });
  });

  it("does nothing while enrichment is off", async () => {
    const invite = `inv_${uid()}`;
    await play(`u_${uid()}`, invite);
    await configure({ enabled: false });
    startWorker();
    await sleep(testConfig.pollMs * 6);
    expect(fake.requests).toHaveLength(0);
    expect(await job(invite)).toMatchObject({ status: "pending", attempts: 0 });
  });
});

describe("purge", () => {
  it("clears every learner's personal data, cancels the jobs and turns enrichment off", async () => {
    const invite = `inv_${uid()}`;
    const ada = `u_${uid()}`;
    fake.setInvite(invite, [{ userId: ada, firstName: "Ada", lastName: "L", email: "ada@example.com" }]);
    await play(ada, invite);
    startWorker();
    await eventually(() => learner(ada), (l) => l?.email === "ada@example.com", "Ada enriched");
    await play(`u_${uid()}`, `inv_${uid()}`);

    const result = await lib.admin.purgePersonalData(admin, { confirm: "PURGE" });
    expect(result.learnersCleared).toBeGreaterThanOrEqual(1);
    expect(result.jobsCancelled).toBeGreaterThanOrEqual(2);
    expect(await sql("SELECT count(*)::int AS n FROM learner WHERE first_name IS NOT NULL OR last_name IS NOT NULL OR email IS NOT NULL OR enrichment_source IS NOT NULL OR enriched_at IS NOT NULL")).toEqual([{ n: 0 }]);
    expect(await sql("SELECT count(*)::int AS n FROM job WHERE kind = 'enrichment'")).toEqual([{ n: 0 }]);
    expect((await lib.settings.loadEnrichmentSettings()).enabled).toBe(false);
    const [entry] = await sql<{ action: string; actor_email: string; details: Record<string, unknown> }>(
      "SELECT action, actor_email, details FROM audit_log WHERE action = 'enrichment.purge' ORDER BY id DESC LIMIT 1");
    expect(entry).toMatchObject({ actor_email: admin.label, details: { learnersCleared: result.learnersCleared, jobsCancelled: result.jobsCancelled } });

    // New learners keep arriving; nothing is asked of Instruqt until enrichment is turned back on.
    const requests = fake.requests.length;
    await play(`u_${uid()}`, `inv_${uid()}`);
    await sleep(testConfig.pollMs * 6);
    expect(fake.requests).toHaveLength(requests);
  });

  it("refuses without the typed confirmation", async () => {
    await expect(lib.admin.purgePersonalData(admin, { confirm: "purge" })).rejects.toThrow(/type PURGE/);
    await expect(lib.admin.purgePersonalData(admin, {})).rejects.toThrow();
    expect((await lib.settings.loadEnrichmentSettings()).enabled).toBe(true);
  });

  it("an answer arriving after the purge is thrown away", async () => {
    const invite = `inv_${uid()}`;
    const ada = `u_${uid()}`;
    fake.setInvite(invite, [{ userId: ada, firstName: "Ada", lastName: "L", email: "ada@example.com" }]);
    await play(ada, invite);
    fake.next({ kind: "hold" }, { inviteId: invite });
    startWorker();
    await fake.waitFor(() => fake.heldCount === 1, 10_000, "the held request");
    await lib.admin.purgePersonalData(admin, { confirm: "PURGE" });
    fake.release();
    await fake.waitFor(() => fake.requestsFor(invite)[0]?.answeredAt != null, 5000, "the answer");
    await sleep(300);
    expect(await learner(ada)).toMatchObject({ first_name: null, email: null, enriched_at: null });
    expect(await job(invite)).toBeUndefined();
  });
});
