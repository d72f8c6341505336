import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { InstruqtEvent } from "@/lib/instruqt/events";
import { completeJob as completeQueuedJob, deleteJobs, jobCounts, retryFailedJobs as retryFailedQueuedJobs, type ClaimedJob as QueuedJob, type JobCounts } from "@/lib/jobs/queue";
import { ENRICHMENT_SOURCE } from "./config";
import type { MatchOutcome } from "./match";

/**
 * Enrichment's jobs on Cairn's one queue (lib/jobs): kind `enrichment`, one job per invite (the
 * key), whose payload lists the learners seen with it: `{"user_ids": [...]}`.
 *
 * Enqueueing is an upsert inside the projector's batch transaction (the batched form of
 * `enqueueForEvent`, lib/progress/projector.ts): the job exists exactly when the event that asked
 * for it is projected — no outbox, no dual write, and no network call on the way. One job per
 * invite gives de-duplication for free; a learner not yet in the list re-arms a finished job (its
 * generation is bumped, so a running one finishes as pending and runs once more).
 *
 * Claiming, leases, retries and their fencing are the queue's (lib/jobs/queue.ts); what is
 * enrichment's own is here: who to look up, and storing what Instruqt said about them.
 */

type Tx = Prisma.TransactionClient;

export const ENRICHMENT_JOB_KIND = "enrichment";

export interface EnrichmentPayload {
  user_ids?: string[];
}

export type ClaimedJob = QueuedJob<EnrichmentPayload>;

// ---------------------------------------------------------------------------------------------
// Enqueue (inside the projector's transaction: cheap, no network)
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
  return enqueueForLearners(tx, [[inviteId, userId]]);
}

/**
 * The rules above for many (invite, user) pairs in one upsert, invites in key order (the order
 * concurrent projector batches lock job rows in).
 */
export async function enqueueForLearners(tx: Tx, pairs: readonly (readonly [inviteId: string, userId: string])[]): Promise<boolean> {
  if (pairs.length === 0) return false;
  const invites = pairs.map(([inviteId]) => inviteId);
  const users = pairs.map(([, userId]) => userId);
  const rows = await tx.$queryRaw<{ id: bigint }[]>`
    INSERT INTO job (kind, key, payload, status, run_at, updated_at)
    SELECT ${ENRICHMENT_JOB_KIND}, wanted.invite_id, jsonb_build_object('user_ids', wanted.user_ids), 'pending', now(), now()
    FROM (
      SELECT pair.invite_id, jsonb_agg(DISTINCT pair.user_id) AS user_ids
      FROM unnest(${invites}::text[], ${users}::text[]) AS pair(invite_id, user_id)
      WHERE EXISTS (SELECT 1 FROM learner WHERE id = pair.user_id AND enriched_at IS NULL)
        AND NOT EXISTS (
          SELECT 1 FROM job
          WHERE kind = ${ENRICHMENT_JOB_KIND} AND key = pair.invite_id
            AND COALESCE(payload->'user_ids', '[]'::jsonb) @> jsonb_build_array(pair.user_id))
      GROUP BY pair.invite_id
    ) AS wanted
    ORDER BY wanted.invite_id
    ON CONFLICT (kind, key) DO UPDATE SET
      payload = jsonb_set(job.payload, '{user_ids}', COALESCE(job.payload->'user_ids', '[]'::jsonb) || COALESCE((
        SELECT jsonb_agg(added ORDER BY added) FROM jsonb_array_elements_text(EXCLUDED.payload->'user_ids') AS added
        WHERE NOT COALESCE(job.payload->'user_ids', '[]'::jsonb) @> jsonb_build_array(added)), '[]'::jsonb)),
      generation = job.generation + 1,
      status = CASE WHEN job.status = 'running' THEN 'running'::"JobStatus" ELSE 'pending'::"JobStatus" END,
      attempts = CASE WHEN job.status IN ('done', 'failed') THEN 0 ELSE job.attempts END,
      run_at = CASE WHEN job.status IN ('done', 'failed') THEN now() ELSE job.run_at END,
      finished_at = CASE WHEN job.status IN ('done', 'failed') THEN NULL ELSE job.finished_at END,
      updated_at = now()
    WHERE NOT COALESCE(job.payload->'user_ids', '[]'::jsonb) @> (EXCLUDED.payload->'user_ids')
    RETURNING id`;
  return rows.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Worker side
// ---------------------------------------------------------------------------------------------

/** Every learner Cairn has seen with the invite: claims, plays, and users the job was enqueued for. */
export async function knownLearners(inviteId: string): Promise<string[]> {
  const rows = await db().$queryRaw<{ user_id: string }[]>`
    SELECT user_id FROM invite_claim WHERE invite_id = ${inviteId}
    UNION
    SELECT user_id FROM participant WHERE invite_id = ${inviteId} AND user_id IS NOT NULL AND user_id <> ''
    UNION
    SELECT jsonb_array_elements_text(COALESCE(payload->'user_ids', '[]'::jsonb)) FROM job
    WHERE kind = ${ENRICHMENT_JOB_KIND} AND key = ${inviteId}
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
 * job row, the order the projector locks them in (learner upsert, then enqueue), so the two
 * cannot deadlock. Re-running writes the same values: the write is idempotent.
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
        const status = await completeQueuedJob(job, { note: outcome.note }, tx);
        if (status === null) throw new LostClaim();
        return { applied: true, learnersUpdated, status };
      },
      { maxWait: 10_000, timeout: 20_000 },
    );
  } catch (error) {
    if (error instanceof LostClaim) return { applied: false, learnersUpdated: 0, status: null };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Admin side
// ---------------------------------------------------------------------------------------------

export interface QueueStatus {
  counts: Pick<JobCounts, "pending" | "running" | "done" | "failed">;
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

const seconds = (ms: number) => Math.max(0, ms) / 1000;

export async function queueStatus(leaseMs: number, limit = 10): Promise<QueueStatus> {
  const [counts, stale, recent] = await Promise.all([
    jobCounts(ENRICHMENT_JOB_KIND),
    db().$queryRaw<{ stale: number }[]>`
      SELECT count(*)::int AS stale FROM job
      WHERE kind = ${ENRICHMENT_JOB_KIND} AND status = 'running'
        AND locked_at < now() - make_interval(secs => ${seconds(leaseMs)}::double precision)`,
    db().job.findMany({
      where: { kind: ENRICHMENT_JOB_KIND, OR: [{ lastError: { not: null } }, { note: { not: null } }] },
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      take: limit,
      select: { key: true, status: true, attempts: true, lastError: true, note: true, runAt: true, updatedAt: true },
    }),
  ]);
  return {
    counts: { pending: counts.pending, running: counts.running, done: counts.done, failed: counts.failed },
    due: counts.due,
    stale: stale[0]!.stale,
    nextRunAt: counts.nextRunAt,
    recent: recent.map(({ key, ...job }) => ({ inviteId: key, ...job })),
  };
}

/** Failed jobs get a fresh set of attempts, due now. */
export async function retryFailedJobs(): Promise<number> {
  return retryFailedQueuedJobs(ENRICHMENT_JOB_KIND);
}

/**
 * Every invite with a known learner gets a job due now, enriched or not (re-running rewrites the
 * same data, or newer data from Instruqt). A running job runs once more when it finishes.
 * Returns how many invites are queued.
 */
export async function rerunAllJobs(): Promise<number> {
  return db().$transaction(async (tx) => {
    await tx.$executeRaw`
      INSERT INTO job (kind, key, payload, status, run_at, updated_at)
      SELECT ${ENRICHMENT_JOB_KIND}, invite_id, jsonb_build_object('user_ids', jsonb_agg(DISTINCT user_id)), 'pending', now(), now()
      FROM (
        SELECT invite_id, user_id FROM invite_claim
        UNION
        SELECT invite_id, user_id FROM participant
        WHERE invite_id IS NOT NULL AND invite_id <> '' AND user_id IS NOT NULL AND user_id <> ''
      ) AS known
      GROUP BY invite_id
      ON CONFLICT (kind, key) DO UPDATE SET
        payload = jsonb_set(job.payload, '{user_ids}', (
          SELECT COALESCE(jsonb_agg(DISTINCT u ORDER BY u), '[]'::jsonb)
          FROM jsonb_array_elements_text(COALESCE(job.payload->'user_ids', '[]'::jsonb) || (EXCLUDED.payload->'user_ids')) AS u)),
        updated_at = now()`;
    return tx.$executeRaw`
      UPDATE job
      SET generation = generation + 1,
          status = CASE WHEN status = 'running' THEN 'running'::"JobStatus" ELSE 'pending'::"JobStatus" END,
          attempts = CASE WHEN status = 'running' THEN attempts ELSE 0 END,
          run_at = CASE WHEN status = 'running' THEN run_at ELSE now() END,
          finished_at = CASE WHEN status = 'running' THEN finished_at ELSE NULL END,
          updated_at = now()
      WHERE kind = ${ENRICHMENT_JOB_KIND}`;
  });
}

/** Removes every enrichment job (pending, running, finished): the purge's half of the queue. */
export async function deleteAllJobs(tx: Tx): Promise<number> {
  return deleteJobs(tx, ENRICHMENT_JOB_KIND);
}
