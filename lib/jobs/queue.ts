import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * Cairn's one queue of background work: the `job` table, one row per (kind, key), claimed with
 * `FOR UPDATE SKIP LOCKED`. Catalogue refresh, backfill and alert delivery are kinds of job; each
 * kind's handler (lib/jobs/runner.ts) says how to run one.
 *
 * Why a table of our own rather than pg-boss or graphile-worker (the reasoning enrichment's queue
 * started with, lib/enrichment/queue.ts): no second schema to install and migrate, it runs
 * unchanged on the embedded PGlite database, enqueueing is a plain upsert inside the caller's
 * transaction (the job exists exactly when what asked for it commits — no outbox, no dual write),
 * and its state is ordinary rows the settings pages can count, list and retry.
 *
 * The life of a job:
 *   pending ──claim──▶ running ──▶ done
 *      ▲                  │  └───▶ failed         (max attempts, or a failure retrying cannot fix)
 *      └──────────────────┘  retry with backoff; release puts it back without using an attempt;
 *                            a lease older than leaseMs is taken over by another worker
 *
 * Every change a worker makes to a job it claimed is fenced by the claim's token (locked_by) and
 * status: a worker that lost its lease (or whose job was deleted) changes nothing.
 */

type Client = Prisma.TransactionClient;

export type JobState = "pending" | "running" | "done" | "failed";

export interface ClaimedJob<Payload = unknown> {
  id: bigint;
  kind: string;
  key: string;
  payload: Payload;
  /** Attempts including this one. */
  attempts: number;
  /** The job's generation when claimed: re-arming it meanwhile bumps it. */
  generation: number;
  /** This claim's fencing token (stored in locked_by). */
  token: string;
}

export interface EnqueueSpec {
  kind: string;
  key: string;
  payload?: unknown;
  /** When it may run; now when absent. */
  runAt?: Date;
  /**
   * What an existing job of the same (kind, key) becomes:
   *   - "keep" (default): nothing — the first enqueue wins (idempotent requests);
   *   - "rearm": it takes the new payload and runs again — a finished one from scratch at runAt,
   *     a pending one at the earlier of the two times, a running one once more after this run.
   */
  onConflict?: "keep" | "rearm";
}

const seconds = (ms: number) => Math.max(0, ms) / 1000;
const json = (value: unknown) => JSON.stringify(value ?? {});

/** Adds (or re-arms) a job inside the caller's transaction. Returns whether a row was written. */
export async function enqueueJob(client: Client, spec: EnqueueSpec): Promise<boolean> {
  const runAt = spec.runAt ?? new Date();
  if (spec.onConflict === "rearm") {
    const rows = await client.$queryRaw<{ id: bigint }[]>`
      INSERT INTO job (kind, key, payload, status, run_at, updated_at)
      VALUES (${spec.kind}, ${spec.key}, ${json(spec.payload)}::jsonb, 'pending', ${runAt}, now())
      ON CONFLICT (kind, key) DO UPDATE SET
        payload = EXCLUDED.payload,
        generation = job.generation + 1,
        status = CASE WHEN job.status = 'running' THEN 'running'::"JobStatus" ELSE 'pending'::"JobStatus" END,
        attempts = CASE WHEN job.status IN ('done', 'failed') THEN 0 ELSE job.attempts END,
        run_at = CASE WHEN job.status IN ('done', 'failed') THEN EXCLUDED.run_at
                      WHEN job.status = 'pending' THEN LEAST(job.run_at, EXCLUDED.run_at)
                      ELSE job.run_at END,
        finished_at = CASE WHEN job.status IN ('done', 'failed') THEN NULL ELSE job.finished_at END,
        updated_at = now()
      RETURNING id`;
    return rows.length > 0;
  }
  const rows = await client.$queryRaw<{ id: bigint }[]>`
    INSERT INTO job (kind, key, payload, status, run_at, updated_at)
    VALUES (${spec.kind}, ${spec.key}, ${json(spec.payload)}::jsonb, 'pending', ${runAt}, now())
    ON CONFLICT (kind, key) DO NOTHING
    RETURNING id`;
  return rows.length > 0;
}

/**
 * Adds many jobs of one kind in one statement (the first enqueue of a key wins, as "keep"),
 * due at once. Returns the keys written.
 */
export async function enqueueJobs(client: Client, kind: string, jobs: readonly { key: string; payload?: unknown }[]): Promise<string[]> {
  if (jobs.length === 0) return [];
  const rows = await client.$queryRaw<{ key: string }[]>`
    INSERT INTO job (kind, key, payload, status, run_at, updated_at)
    SELECT ${kind}, key, payload::jsonb, 'pending', now(), now()
    FROM unnest(${jobs.map((job) => job.key)}::text[], ${jobs.map((job) => json(job.payload))}::text[]) AS t(key, payload)
    ON CONFLICT (kind, key) DO NOTHING
    RETURNING key`;
  return rows.map((row) => row.key);
}

// ---------------------------------------------------------------------------------------------
// Worker side
// ---------------------------------------------------------------------------------------------

/**
 * Jobs of `kind` whose worker vanished (lease expired) after their last allowed attempt: failed,
 * rather than taken over again — a job that kills its worker every time must not do so forever.
 */
export async function failAbandonedJobs(kind: string, leaseMs: number, maxAttempts: number): Promise<number> {
  return db().$executeRaw`
    UPDATE job
    SET status = 'failed', locked_at = NULL, locked_by = NULL, finished_at = now(), updated_at = now(),
        last_error = 'the worker running it stopped (lease expired) on the last allowed attempt'
    WHERE kind = ${kind} AND status = 'running'
      AND locked_at < now() - make_interval(secs => ${seconds(leaseMs)}::double precision)
      AND attempts >= ${maxAttempts}`;
}

/**
 * Claims the next due job of `kind` — pending and due, or running with an expired lease — in one
 * short statement: SKIP LOCKED lets concurrent workers pass over a row another is claiming. The
 * attempt is counted at the claim, so a job whose worker dies mid-run has used it.
 */
export async function claimJob<Payload = unknown>(kind: string, token: string, leaseMs: number): Promise<ClaimedJob<Payload> | null> {
  const rows = await db().$queryRaw<{ id: bigint; key: string; payload: Payload; attempts: number; generation: number }[]>`
    UPDATE job
    SET status = 'running', locked_at = now(), locked_by = ${token}, attempts = job.attempts + 1, updated_at = now()
    FROM (
      SELECT id FROM job
      WHERE kind = ${kind}
        AND ((status = 'pending' AND run_at <= now())
          OR (status = 'running' AND locked_at < now() - make_interval(secs => ${seconds(leaseMs)}::double precision)))
      ORDER BY run_at, id
      LIMIT 1
      FOR UPDATE SKIP LOCKED
    ) AS due
    WHERE job.id = due.id
    RETURNING job.id, job.key, job.payload, job.attempts, job.generation`;
  const row = rows[0];
  if (!row) return null;
  return { id: row.id, kind, key: row.key, payload: row.payload, attempts: row.attempts, generation: row.generation, token };
}

/**
 * Stores a running job's progress (a backfill's page cursor …) and renews its lease. False when
 * the claim was lost: the caller must stop, another worker owns the job now.
 */
export async function saveJobProgress(job: ClaimedJob, payload: unknown): Promise<boolean> {
  const changed = await db().$executeRaw`
    UPDATE job SET payload = ${json(payload)}::jsonb, locked_at = now(), updated_at = now()
    WHERE id = ${job.id} AND locked_by = ${job.token} AND status = 'running'`;
  return changed > 0;
}

export interface CompletionOptions {
  note?: string | null;
  /** Replaces the payload (a result worth keeping); the claimed payload stays when absent. */
  payload?: unknown;
  /**
   * A recurring job (a daily refresh): instead of done, pending again at this time with fresh
   * attempts. A job re-armed while it ran still runs again at once.
   */
  rerunAt?: Date;
}

/**
 * Finishes a run: done (or pending at `rerunAt` for a recurring job), or pending again at once
 * when the job was re-armed while it ran. Takes `client`
 * so a handler can commit its own writes and the job's completion in one transaction. Returns
 * the new status, or null when the claim was lost (nothing written).
 */
export async function completeJob(job: ClaimedJob, options: CompletionOptions = {}, client: Client = db()): Promise<"done" | "pending" | null> {
  const payload = options.payload === undefined ? null : json(options.payload);
  const rerunAt = options.rerunAt ?? null;
  const rows = await client.$queryRaw<{ status: "done" | "pending" }[]>`
    UPDATE job
    SET status = CASE WHEN generation = ${job.generation} AND ${rerunAt}::timestamptz IS NULL THEN 'done'::"JobStatus" ELSE 'pending'::"JobStatus" END,
        attempts = CASE WHEN generation = ${job.generation} AND ${rerunAt}::timestamptz IS NULL THEN attempts ELSE 0 END,
        payload = CASE WHEN generation = ${job.generation} THEN COALESCE(${payload}::jsonb, payload) ELSE payload END,
        run_at = CASE WHEN generation = ${job.generation} THEN COALESCE(${rerunAt}::timestamptz, now()) ELSE now() END,
        locked_at = NULL, locked_by = NULL, last_error = NULL,
        note = ${options.note ?? null}, finished_at = now(), updated_at = now()
    WHERE id = ${job.id} AND locked_by = ${job.token} AND status = 'running'
    RETURNING status`;
  return rows[0]?.status ?? null;
}

/** Back to pending after `delayMs`, keeping the attempt (a failure worth counting). */
export async function retryJob(job: ClaimedJob, delayMs: number, error: string): Promise<boolean> {
  const changed = await db().$executeRaw`
    UPDATE job
    SET status = 'pending', run_at = now() + make_interval(secs => ${seconds(delayMs)}::double precision),
        locked_at = NULL, locked_by = NULL, last_error = ${error}, updated_at = now()
    WHERE id = ${job.id} AND locked_by = ${job.token} AND status = 'running'`;
  return changed > 0;
}

/** Back to pending after `delayMs` without using the attempt (asked to wait, shutting down …). */
export async function releaseJob(job: ClaimedJob, delayMs: number, error: string | null): Promise<boolean> {
  const changed = await db().$executeRaw`
    UPDATE job
    SET status = 'pending', run_at = now() + make_interval(secs => ${seconds(delayMs)}::double precision),
        attempts = GREATEST(attempts - 1, 0), locked_at = NULL, locked_by = NULL,
        last_error = COALESCE(${error}, last_error), updated_at = now()
    WHERE id = ${job.id} AND locked_by = ${job.token} AND status = 'running'`;
  return changed > 0;
}

export async function failJob(job: ClaimedJob, error: string): Promise<boolean> {
  const changed = await db().$executeRaw`
    UPDATE job
    SET status = 'failed', locked_at = NULL, locked_by = NULL, last_error = ${error}, finished_at = now(), updated_at = now()
    WHERE id = ${job.id} AND locked_by = ${job.token} AND status = 'running'`;
  return changed > 0;
}

// ---------------------------------------------------------------------------------------------
// Admin side
// ---------------------------------------------------------------------------------------------

export interface JobRow<Payload = unknown> {
  id: bigint;
  key: string;
  payload: Payload;
  status: JobState;
  attempts: number;
  runAt: Date;
  lastError: string | null;
  note: string | null;
  finishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const JOB_COLUMNS = {
  id: true,
  key: true,
  payload: true,
  status: true,
  attempts: true,
  runAt: true,
  lastError: true,
  note: true,
  finishedAt: true,
  createdAt: true,
  updatedAt: true,
} as const;

export async function findJob<Payload = unknown>(kind: string, key: string): Promise<JobRow<Payload> | null> {
  const row = await db().job.findUnique({ where: { kind_key: { kind, key } }, select: JOB_COLUMNS });
  return row as JobRow<Payload> | null;
}

/** The newest jobs of `kind` (by last change), for settings pages. */
export async function recentJobs<Payload = unknown>(kind: string, limit = 20): Promise<JobRow<Payload>[]> {
  const rows = await db().job.findMany({ where: { kind }, orderBy: [{ updatedAt: "desc" }, { id: "desc" }], take: limit, select: JOB_COLUMNS });
  return rows as JobRow<Payload>[];
}

export interface JobCounts {
  pending: number;
  running: number;
  done: number;
  failed: number;
  /** Pending jobs already due (the rest wait for their backoff). */
  due: number;
  nextRunAt: Date | null;
}

export async function jobCounts(kind: string): Promise<JobCounts> {
  const [row] = await db().$queryRaw<(Omit<JobCounts, "nextRunAt"> & { next_run_at: Date | null })[]>`
    SELECT
      count(*) FILTER (WHERE status = 'pending')::int AS pending,
      count(*) FILTER (WHERE status = 'running')::int AS running,
      count(*) FILTER (WHERE status = 'done')::int AS done,
      count(*) FILTER (WHERE status = 'failed')::int AS failed,
      count(*) FILTER (WHERE status = 'pending' AND run_at <= now())::int AS due,
      min(run_at) FILTER (WHERE status = 'pending') AS next_run_at
    FROM job WHERE kind = ${kind}`;
  const { next_run_at, ...counts } = row!;
  return { ...counts, nextRunAt: next_run_at };
}

/** Failed jobs of `kind` get a fresh set of attempts, due now. */
export async function retryFailedJobs(kind: string): Promise<number> {
  return db().$executeRaw`
    UPDATE job SET status = 'pending', attempts = 0, run_at = now(), finished_at = NULL, updated_at = now()
    WHERE kind = ${kind} AND status = 'failed'`;
}

/** Removes every job of `kind` (a purge; a running one's worker then finds its claim lost). */
export async function deleteJobs(client: Client, kind: string): Promise<number> {
  return client.$executeRaw`DELETE FROM job WHERE kind = ${kind}`;
}
