import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, dropDatabase, migrateDatabase, withClient } from "../support/database";
import { eventually } from "../support/eventually";

/**
 * The one job queue (lib/jobs) on a database of its own on the real PostgreSQL: enqueue semantics,
 * claims fenced by their token, leases taken over, and the runner's retry, failure and release.
 */

type Lib = {
  queue: typeof import("@/lib/jobs/queue");
  runner: typeof import("@/lib/jobs/runner");
  db: typeof import("@/lib/db/client");
};

let database: { name: string; url: string };
let lib: Lib;
const runners: import("@/lib/jobs/runner").JobRunner[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(database.url, async (client) => (await client.query(text, params)).rows as T[]);

interface Row {
  key: string;
  status: string;
  attempts: number;
  generation: number;
  payload: unknown;
  last_error: string | null;
  note: string | null;
  run_at: Date;
}
const row = async (kind: string, key: string) => (await sql<Row>("SELECT * FROM job WHERE kind = $1 AND key = $2", [kind, key]))[0];


const enqueue = (spec: import("@/lib/jobs/queue").EnqueueSpec) => lib.queue.enqueueJob(lib.db.db(), spec);

beforeAll(async () => {
  database = await createDatabase("cairn_jobs");
  migrateDatabase(database.url);
  process.env.DATABASE_URL = database.url;
  process.env.NEXTAUTH_SECRET = "jobs-test-secret-0123456789abcdef0123456789";
  lib = { queue: await import("@/lib/jobs/queue"), runner: await import("@/lib/jobs/runner"), db: await import("@/lib/db/client") };
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  await sql("DELETE FROM job");
});

afterAll(async () => {
  await lib?.db.db().$disconnect();
  if (database) await dropDatabase(database.name);
});

describe("enqueue", () => {
  it("keeps the first job of a (kind, key) by default; the same key of another kind is another job", async () => {
    expect(await enqueue({ kind: "a", key: "k", payload: { n: 1 } })).toBe(true);
    expect(await enqueue({ kind: "a", key: "k", payload: { n: 2 } })).toBe(false);
    expect(await enqueue({ kind: "b", key: "k", payload: { n: 3 } })).toBe(true);
    expect((await row("a", "k"))!.payload).toEqual({ n: 1 });
    expect((await row("b", "k"))!.payload).toEqual({ n: 3 });
  });

  it("re-arms a finished job from scratch, and makes a running one run again after its run", async () => {
    await enqueue({ kind: "a", key: "k", payload: { n: 1 } });
    const first = await lib.queue.claimJob("a", "t1", 60_000);
    expect(first).toMatchObject({ key: "k", attempts: 1, payload: { n: 1 } });
    await enqueue({ kind: "a", key: "k", payload: { n: 2 }, onConflict: "rearm" });
    expect(await lib.queue.completeJob(first!)).toBe("pending");
    expect(await row("a", "k")).toMatchObject({ status: "pending", attempts: 0, payload: { n: 2 } });
    const second = await lib.queue.claimJob("a", "t2", 60_000);
    expect(await lib.queue.completeJob(second!, { note: "ok" })).toBe("done");
    await enqueue({ kind: "a", key: "k", payload: { n: 3 }, onConflict: "rearm" });
    expect(await row("a", "k")).toMatchObject({ status: "pending", attempts: 0, payload: { n: 3 } });
  });

  it("a recurring job completes as pending at its next run, with fresh attempts", async () => {
    await enqueue({ kind: "a", key: "daily" });
    const claimed = await lib.queue.claimJob("a", "t", 60_000);
    const tomorrow = new Date(Date.now() + 86_400_000);
    expect(await lib.queue.completeJob(claimed!, { note: "refreshed", rerunAt: tomorrow })).toBe("pending");
    const stored = await row("a", "daily");
    expect(stored).toMatchObject({ status: "pending", attempts: 0, note: "refreshed" });
    expect(stored!.run_at.getTime()).toBe(tomorrow.getTime());
    expect(await lib.queue.claimJob("a", "t2", 60_000)).toBeNull();
  });

  it("a job is not claimed before its run_at", async () => {
    await enqueue({ kind: "a", key: "later", runAt: new Date(Date.now() + 60_000) });
    expect(await lib.queue.claimJob("a", "t", 60_000)).toBeNull();
  });
});

describe("claims", () => {
  it("fences every change by the claim's token; an expired lease is taken over", async () => {
    await enqueue({ kind: "a", key: "k" });
    const first = await lib.queue.claimJob("a", "first", 200);
    expect(await lib.queue.claimJob("a", "other", 60_000)).toBeNull();
    await sleep(300);
    const second = await lib.queue.claimJob("a", "second", 200);
    expect(second).toMatchObject({ key: "k", attempts: 2 });
    expect(await lib.queue.saveJobProgress(first!, { page: 9 })).toBe(false);
    expect(await lib.queue.completeJob(first!)).toBeNull();
    expect(await lib.queue.saveJobProgress(second!, { page: 1 })).toBe(true);
    expect(await lib.queue.completeJob(second!)).toBe("done");
    expect(await row("a", "k")).toMatchObject({ status: "done", payload: { page: 1 } });
  });

  it("concurrent claimers never get the same job", async () => {
    for (let i = 0; i < 20; i++) await enqueue({ kind: "a", key: `k${i}` });
    const claimed = await Promise.all(Array.from({ length: 30 }, (_, i) => lib.queue.claimJob("a", `t${i}`, 60_000)));
    const keys = claimed.filter((job) => job !== null).map((job) => job!.key);
    expect(keys).toHaveLength(20);
    expect(new Set(keys).size).toBe(20);
  });
});

describe("the runner", () => {
  const base = { concurrency: 2, leaseMs: 5_000, maxAttempts: 3, backoff: { baseMs: 50, maxMs: 200 } };

  function start(handlers: import("@/lib/jobs/runner").JobHandler<any>[]) { // eslint-disable-line @typescript-eslint/no-explicit-any
    const runner = new lib.runner.JobRunner({ handlers, pollMs: 50, log: () => {} }).start();
    runners.push(runner);
    return runner;
  }

  it("runs each kind's jobs with its handler and stores the outcome", async () => {
    const seen: string[] = [];
    start([
      { ...base, kind: "a", run: async (job) => { seen.push(`a:${job.key}`); return { note: "ran", payload: { result: job.key } }; } },
      { ...base, kind: "b", run: async (job) => { seen.push(`b:${job.key}`); } },
    ]);
    await enqueue({ kind: "a", key: "1" });
    await enqueue({ kind: "b", key: "2" });
    await eventually(() => sql<Row>("SELECT status FROM job WHERE status = 'done'"), (rows) => rows.length === 2, "both jobs done");
    expect(seen.sort()).toEqual(["a:1", "b:2"]);
    expect(await row("a", "1")).toMatchObject({ note: "ran", payload: { result: "1" } });
  });

  it("retries a failing job with backoff and fails it after its last attempt, keeping the error", async () => {
    let runs = 0;
    start([{ ...base, kind: "a", run: async () => { runs++; throw new Error("receiver said 500"); } }]);
    await enqueue({ kind: "a", key: "k" });
    const failed = await eventually(() => row("a", "k"), (job) => job?.status === "failed", "the job to fail");
    expect(runs).toBe(3);
    expect(failed).toMatchObject({ attempts: 3, last_error: "attempt 3/3: receiver said 500" });
  });

  it("a job that succeeds on a later attempt is done", async () => {
    let runs = 0;
    start([{ ...base, kind: "a", run: async () => { if (++runs < 2) throw new Error("flaky"); } }]);
    await enqueue({ kind: "a", key: "k" });
    await eventually(() => row("a", "k"), (job) => job?.status === "done", "the job to succeed");
    expect(runs).toBe(2);
  });

  it("a release puts the job back without using an attempt; a kind that is not ready is not claimed", async () => {
    let ready = false;
    let runs = 0;
    start([{
      ...base,
      kind: "a",
      ready: async () => ready,
      run: async () => { if (++runs === 1) throw new Error("wait"); },
      planFailure: (error) => (error instanceof Error && error.message === "wait" ? { action: "release", delayMs: 0, error: "asked to wait" } : null),
    }]);
    await enqueue({ kind: "a", key: "k" });
    await sleep(300);
    expect(await row("a", "k")).toMatchObject({ status: "pending", attempts: 0 });
    ready = true;
    const done = await eventually(() => row("a", "k"), (job) => job?.status === "done", "the job to run");
    expect(runs).toBe(2);
    expect(done!.attempts).toBe(1);
  });

  it("a kind whose poll fails holds up no other kind, and its persisting error is logged once", async () => {
    const lines: string[] = [];
    let brokenPolls = 0;
    const runner = new lib.runner.JobRunner({
      handlers: [
        { ...base, kind: "broken", ready: async () => { brokenPolls++; throw new Error("settings unreadable"); }, run: async () => {} },
        { ...base, kind: "fine", run: async () => ({ note: "ran" }) },
      ],
      pollMs: 20,
      log: (line) => lines.push(line),
    }).start();
    runners.push(runner);
    await enqueue({ kind: "broken", key: "k" });
    await enqueue({ kind: "fine", key: "k" });
    await eventually(() => row("fine", "k"), (job) => job?.status === "done", "the other kind's job to run");
    await eventually(async () => lines.length, () => lines.some((line) => line.includes("settings unreadable")), "the failure to be logged");
    // Many polls later, still one line, and the broken kind's job is untouched.
    const pollsSoFar = brokenPolls;
    await eventually(async () => brokenPolls, (polls) => polls >= pollsSoFar + 10, "ten more polls of the broken kind");
    expect(lines.filter((line) => line.includes("settings unreadable"))).toEqual(["broken: poll failed: settings unreadable"]);
    expect(await row("broken", "k")).toMatchObject({ status: "pending", attempts: 0 });
  });

  it("stop aborts a run in flight and hands its job back without using the attempt", async () => {
    let started = false;
    const runner = start([{
      ...base,
      kind: "a",
      run: (_job, { signal }) => {
        started = true;
        return new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))));
      },
    }]);
    await enqueue({ kind: "a", key: "k" });
    await eventually(async () => started, (value) => value, "the run to start");
    await runner.stop();
    expect(await row("a", "k")).toMatchObject({ status: "pending", attempts: 0 });
  });
});
