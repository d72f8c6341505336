import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { InstruqtEvent } from "@/lib/instruqt/events";
import { ENRICHMENT_SOURCE } from "./config";
import type { MatchOutcome } from "./match";

/**
 * The durable enrichment queue: the `enrichment_job` table, one row per invite, claimed with
 * `FOR UPDATE SKIP LOCKED`.
 *
 * Why a table of our own rather than pg-boss or graphile-worker:
 *   - one table already in Cairn's schema and migrations — no second schema to install, migrate
 *     and keep in step (pg-boss creates its own `pgboss` schema, graphile-worker its own
 *     `graphile_worker` schema with functions and triggers);
 *   - it runs unchanged on the embedded PGlite database (a single session behind a socket
 *     multiplexer), where those libraries' LISTEN/NOTIFY wake-ups, advisory-lock tricks and
 *     installer migrations are not something we can rely on;
 *   - enqueueing is a plain upsert inside the projector's batch transaction (the batched form of
 *     `enqueueForEvent`, lib/progress/projector.ts): the job exists exactly when the event that
 *     asked for it is projected — no outbox, no dual write, and no network call on the way;
 *   - one job per invite (a unique key) gives de-duplication for free, and the queue's state is
 *     ordinary rows the settings page can count, list, retry and purge.
 * What it gives up — cron, priorities, fan-out — Cairn does not need.
 *
 * The life of a job:
 *   pending ──claim──▶ running ──▶ done           (answer stored; or a note: unknown invite …)
 *      ▲                  │  └───▶ failed         (max attempts, or a refused GraphQL document)
 *      └──────────────────┘  retry with backoff; 429/401/shutdown put it back without using an
 *                            attempt; a lease older than leaseMs is taken over by another worker
 *
 * Every change a worker makes to a job it claimed is fenced by the claim's token (locked_by) and
 * status: a worker that lost its lease (or whose job was purged) changes nothing.
 */

type Tx = Prisma.TransactionClient;

export interface ClaimedJob {
  id: bigint;
  inviteId: string;
  /** Attempts including this one. */
  attempts: number;
  /** The job's generation when claimed: new work arriving meanwhile bumps it. */
  generation: number;
  /** This claim's fencing token (stored in locked_by). */
  token: string;
}

const seconds = (ms: number) => Math.max(0, ms) / 1000;

// ---------------------------------------------------------------------------------------------
// Enqueue (inside the ingest transaction: cheap, no network)
// ---------------------------------------------------------------------------------------------

const nonEmpty = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);

/**
 * For a projected event naming both an invite and a user: make sure a job will look the user up,
 * unless the learner is already enriched. Runs after the learner row was upserted in the same
 * transaction.
 *
 *   - no job for the invite yet: insert one (pending, now);
 *   - a job that already knows this user: nothing — not even a row lock, so a learner's stream of
 *     events through a workshop invite does not serialise on the invite's job row;
 *   - a job that does not know this user yet: add them, bump the generation and re-arm it —
 *     a done or failed job goes back to pending with fresh attempts, a pending one keeps its
 *     schedule (and backoff), a running one finishes as pending so it runs once more.
 *
 * Returns whether a job was inserted or re-armed.
 */
export async function enqueueForEvent(tx: Tx, event: InstruqtEvent): Promise<boolean> {
  const inviteId = nonEmpty("invite_id" in event ? event.invite_id : null);
  const userId = nonEmpty("user_id" in event ? event.user_id : null);
  if (!inviteId || !userId) return false;
  return enqueueForLearner(tx, inviteId, userId);
}

export async function enqueueForLearner(tx: Tx, inviteId: string, userId: string): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: bigint }[]>`
    INSERT INTO enrichment_job (invite_id, user_ids, status, run_at, updated_at)
    SELECT ${inviteId}, ARRAY[${userId}]::text[], 'pending', now(), now()
    WHERE EXISTS (SELECT 1 FROM learner WHERE id = ${userId} AND enriched_at IS NULL)
      AND NOT EXISTS (
        SELECT 1 FROM enrichment_job
        WHERE invite_id = ${inviteId} AND ${userId} = ANY(COALESCE(user_ids, '{}'::text[])))
    ON CONFLICT (invite_id) DO UPDATE SET
      user_ids = array_append(COALESCE(enrichment_job.user_ids, '{}'::text[]), ${userId}),
      generation = enrichment_job.generation + 1,
      status = CASE WHEN enrichment_job.status = 'running' THEN 'running'::"JobStatus" ELSE 'pending'::"JobStatus" END,
      attempts = CASE WHEN enrichment_job.status IN ('done', 'failed') THEN 0 ELSE enrichment_job.attempts END,
      run_at = CASE WHEN enrichment_job.status IN ('done', 'failed') THEN now() ELSE enrichment_job.run_at END,
      updated_at = now()
    WHERE NOT (${userId} = ANY(COALESCE(enrichment_job.user_ids, '{}'::text[])))
    RETURNING id`;
  return rows.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Worker side
// ---------------------------------------------------------------------------------------------

/**
 * Jobs whose worker vanished (lease expired) after their last allowed attempt: failed, rather
 * than taken over again — a job that kills its worker every time must not do so forever.
 */
export async function failAbandonedJobs(leaseMs: number, maxAttempts: number): Promise<number> {
  return db().$executeRaw`
    UPDATE enrichment_job
    SET status = 'failed', locked_at = NULL, locked_by = NULL, finished_at = now(), updated_at = now(),
        last_error = 'the worker running it stopped (lease expired) on the last allowed attempt'
    WHERE status = 'running'
      AND locked_at < now() - make_interval(secs => ${seconds(leaseMs)}::double precision)
      AND attempts >= ${maxAttempts}`;
}

/**
 * Claims the next due job — pending and due, or running with an expired lease — in one short
 * statement (its own transaction): SKIP LOCKED lets concurrent workers pass over a row another is
 * claiming instead of queueing behind it. The attempt is counted at the claim, so a job whose
 * worker dies mid-run has used it.
 */
export async function claimJob(token: string, leaseMs: number): Promise<ClaimedJob | null> {
  const rows = await db().$queryRaw<{ id: bigint; invite_id: string; attempts: number; generation: number }[]>`
    UPDATE enrichment_job AS job
    SET status = 'running', locked_at = now(), locked_by = ${token}, attempts = job.attempts + 1, updated_at = now()
    FROM (
      SELECT id FROM enrichment_job
      WHERE (status = 'pending' AND run_at <= now())
         OR (status = 'running' AND locked_at < now() - make_interval(secs => ${seconds(leaseMs)}::double precision))
      ORDER BY run_at, id
      LIMIT 1
      FOR UPDATE SKIP LOCKED
    ) AS due
    WHERE job.id = due.id
    RETURNING job.id, job.invite_id, job.attempts, job.generation`;
  const row = rows[0];
  if (!row) return null;
  return { id: row.id, inviteId: row.invite_id, attempts: row.attempts, generation: row.generation, token };
}

/** Every learner Cairn has seen with the invite: claims, plays, and users the job was enqueued for. */
export async function knownLearners(inviteId: string): Promise<string[]> {
  const rows = await db().$queryRaw<{ user_id: string }[]>`
    SELECT user_id FROM invite_claim WHERE invite_id = ${inviteId}
    UNION
    SELECT user_id FROM participant WHERE invite_id = ${inviteId} AND user_id IS NOT NULL AND user_id <> ''
    UNION
    SELECT unnest(COALESCE(user_ids, '{}'::text[])) FROM enrichment_job WHERE invite_id = ${inviteId}
    ORDER BY 1`;
  return rows.map((row) => row.user_id);
}

/**
 * Purges and worker writes of personal data exclude each other through this advisory lock
 * (a two-key lock: its own key space, apart from the per-play bigint locks of the projection).
 * Writers take it shared, the purge exclusively: once a purge commits, no write that started
 * before it can land after it.
 */
export async function lockPersonalDataShared(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(1667330418, 1)`;
}

export async function lockPersonalDataExclusive(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(1667330418, 1)`;
}

class LostClaim extends Error {}

export interface CompletionResult {
  /** False when the claim was lost (lease taken over, job purged): nothing was written. */
  applied: boolean;
  learnersUpdated: number;
  /** done, or pending when new work arrived while the job ran. */
  status: "done" | "pending" | null;
}

/**
 * Stores a finished run: the matched learners' details and the job's new state, in one
 * transaction that only commits while the claim still holds. Learner rows are written before the
 * job row, the order ingest locks them in (learner upsert, then enqueue), so the two cannot
 * deadlock. Re-running writes the same values: the write is idempotent.
 */
export async function completeJob(job: ClaimedJob, outcome: MatchOutcome): Promise<CompletionResult> {
  try {
    return await db().$transaction(
      async (tx) => {
        await lockPersonalDataShared(tx);
        let learnersUpdated = 0;
        for (const match of [...outcome.matches].sort((a, b) => a.userId.localeCompare(b.userId))) {
          learnersUpdated += await tx.$executeRaw`
            UPDATE learner
            SET first_name = ${match.details.firstName}, last_name = ${match.details.lastName},
                email = ${match.details.email}, enrichment_source = ${ENRICHMENT_SOURCE}, enriched_at = now()
            WHERE id = ${match.userId}`;
        }
        const rows = await tx.$queryRaw<{ status: "done" | "pending" }[]>`
          UPDATE enrichment_job
          SET status = CASE WHEN generation = ${job.generation} THEN 'done'::"JobStatus" ELSE 'pending'::"JobStatus" END,
              attempts = CASE WHEN generation = ${job.generation} THEN attempts ELSE 0 END,
              run_at = now(), locked_at = NULL, locked_by = NULL, last_error = NULL,
              note = ${outcome.note}, finished_at = now(), updated_at = now()
          WHERE id = ${job.id} AND locked_by = ${job.token} AND status = 'running'
          RETURNING status`;
        if (rows.length === 0) throw new LostClaim();
        return { applied: true, learnersUpdated, status: rows[0]!.status };
      },
      { maxWait: 10_000, timeout: 20_000 },
    );
  } catch (error) {
    if (error instanceof LostClaim) return { applied: false, learnersUpdated: 0, status: null };
    throw error;
  }
}

/** Back to pending after `delayMs`, keeping the attempt (a failure worth counting). */
export async function retryJob(job: ClaimedJob, delayMs: number, error: string): Promise<boolean> {
  const changed = await db().$executeRaw`
    UPDATE enrichment_job
    SET status = 'pending', run_at = now() + make_interval(secs => ${seconds(delayMs)}::double precision),
        locked_at = NULL, locked_by = NULL, last_error = ${error}, updated_at = now()
    WHERE id = ${job.id} AND locked_by = ${job.token} AND status = 'running'`;
  return changed > 0;
}

/**
 * Back to pending after `delayMs` without using the attempt: Instruqt asked us to wait (429), the
 * key was refused (the worker pauses), or the worker is shutting down.
 */
export async function releaseJob(job: ClaimedJob, delayMs: number, error: string | null): Promise<boolean> {
  const changed = await db().$executeRaw`
    UPDATE enrichment_job
    SET status = 'pending', run_at = now() + make_interval(secs => ${seconds(delayMs)}::double precision),
        attempts = GREATEST(attempts - 1, 0), locked_at = NULL, locked_by = NULL,
        last_error = COALESCE(${error}, last_error), updated_at = now()
    WHERE id = ${job.id} AND locked_by = ${job.token} AND status = 'running'`;
  return changed > 0;
}

export async function failJob(job: ClaimedJob, error: string): Promise<boolean> {
  const changed = await db().$executeRaw`
    UPDATE enrichment_job
    SET status = 'failed', locked_at = NULL, locked_by = NULL, last_error = ${error}, finished_at = now(), updated_at = now()
    WHERE id = ${job.id} AND locked_by = ${job.token} AND status = 'running'`;
  return changed > 0;
}

// ---------------------------------------------------------------------------------------------
// Admin side
// ---------------------------------------------------------------------------------------------

export interface QueueStatus {
  counts: { pending: number; running: number; done: number; failed: number };
  /** Pending jobs already due (the rest wait for their backoff or Retry-After). */
  due: number;
  /** Running jobs whose lease expired: their worker died; another will take them over. */
  stale: number;
  nextRunAt: Date | null;
  /** The most recent jobs with an error or a note, newest first. */
  recent: {
    inviteId: string;
    status: "pending" | "running" | "done" | "failed";
    attempts: number;
    lastError: string | null;
    note: string | null;
    runAt: Date;
    updatedAt: Date;
  }[];
}

export async function queueStatus(leaseMs: number, limit = 10): Promise<QueueStatus> {
  const [summary] = await db().$queryRaw<
    { pending: number; running: number; done: number; failed: number; due: number; stale: number; next_run_at: Date | null }[]
  >`
    SELECT
      count(*) FILTER (WHERE status = 'pending')::int AS pending,
      count(*) FILTER (WHERE status = 'running')::int AS running,
      count(*) FILTER (WHERE status = 'done')::int AS done,
      count(*) FILTER (WHERE status = 'failed')::int AS failed,
      count(*) FILTER (WHERE status = 'pending' AND run_at <= now())::int AS due,
      count(*) FILTER (WHERE status = 'running' AND locked_at < now() - make_interval(secs => ${seconds(leaseMs)}::double precision))::int AS stale,
      min(run_at) FILTER (WHERE status = 'pending') AS next_run_at
    FROM enrichment_job`;
  const recent = await db().enrichmentJob.findMany({
    where: { OR: [{ lastError: { not: null } }, { note: { not: null } }] },
    orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
    take: limit,
    select: { inviteId: true, status: true, attempts: true, lastError: true, note: true, runAt: true, updatedAt: true },
  });
  return {
    counts: { pending: summary!.pending, running: summary!.running, done: summary!.done, failed: summary!.failed },
    due: summary!.due,
    stale: summary!.stale,
    nextRunAt: summary!.next_run_at,
    recent,
  };
}

/** Failed jobs get a fresh set of attempts, due now. */
export async function retryFailedJobs(): Promise<number> {
  return db().$executeRaw`
    UPDATE enrichment_job SET status = 'pending', attempts = 0, run_at = now(), updated_at = now()
    WHERE status = 'failed'`;
}

/**
 * Every invite with a known learner gets a job due now, enriched or not (re-running rewrites the
 * same data, or newer data from Instruqt). A running job runs once more when it finishes.
 * Returns how many invites are queued.
 */
export async function rerunAllJobs(): Promise<number> {
  return db().$transaction(async (tx) => {
    await tx.$executeRaw`
      INSERT INTO enrichment_job (invite_id, user_ids, status, run_at, updated_at)
      SELECT invite_id, array_agg(DISTINCT user_id ORDER BY user_id), 'pending', now(), now()
      FROM (
        SELECT invite_id, user_id FROM invite_claim
        UNION
        SELECT invite_id, user_id FROM participant
        WHERE invite_id IS NOT NULL AND invite_id <> '' AND user_id IS NOT NULL AND user_id <> ''
      ) AS known
      GROUP BY invite_id
      ON CONFLICT (invite_id) DO UPDATE SET
        user_ids = ARRAY(SELECT DISTINCT u FROM unnest(COALESCE(enrichment_job.user_ids, '{}'::text[]) || EXCLUDED.user_ids) AS u ORDER BY u),
        updated_at = now()`;
    return tx.$executeRaw`
      UPDATE enrichment_job
      SET generation = generation + 1,
          status = CASE WHEN status = 'running' THEN 'running'::"JobStatus" ELSE 'pending'::"JobStatus" END,
          attempts = CASE WHEN status = 'running' THEN attempts ELSE 0 END,
          run_at = CASE WHEN status = 'running' THEN run_at ELSE now() END,
          updated_at = now()`;
  });
}

/** Removes every job (pending, running, finished): the purge's half of the queue. */
export async function deleteAllJobs(tx: Tx): Promise<number> {
  return tx.$executeRaw`DELETE FROM enrichment_job`;
}
