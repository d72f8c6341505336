import {
  fetchInviteClaims,
  InstruqtAbortedError,
  InstruqtAuthError,
  InstruqtError,
  InstruqtGraphQLError,
  InstruqtRateLimitedError,
} from "@/lib/instruqt/graphql";
import { backoffDelayMs } from "./backoff";
import type { WorkerConfig } from "./config";
import { matchClaims } from "./match";
import { completeJob, ENRICHMENT_JOB_KIND, knownLearners, type ClaimedJob, type EnrichmentPayload } from "./queue";
import { activeCredentials, pauseForAuthFailure, type EnrichmentCredentials } from "./settings";
import type { FailurePlan, JobHandler } from "@/lib/jobs/runner";

/**
 * Enrichment as a kind of job on Cairn's one runner (lib/jobs/runner.ts): while enrichment is on,
 * each job asks Instruqt for its invite's claims, matches them to learners and stores the result.
 * Failures are mapped by `planFailure`: a 429 holds every enrichment job for its Retry-After, a
 * refused key pauses enrichment until an admin looks, a refused query fails at once.
 */

/** What to do with a job whose run threw `error` on its `attempts`-th attempt. */
export function planFailure(error: unknown, attempts: number, config: Pick<WorkerConfig, "maxAttempts" | "backoff">, random: () => number = Math.random): FailurePlan {
  const prefix = `attempt ${attempts}/${config.maxAttempts}: `;
  if (error instanceof InstruqtAbortedError) return { action: "release", delayMs: 0, error: null };
  if (error instanceof InstruqtAuthError) {
    // afterFailure pauses enrichment: the job waits for an admin, not for an attempt.
    return { action: "release", delayMs: 0, error: `paused: ${error.message}` };
  }
  if (error instanceof InstruqtRateLimitedError) {
    const delayMs = error.retryAfterMs ?? backoffDelayMs(1, config.backoff, random);
    return { action: "release", delayMs, error: error.message, throttleMs: delayMs };
  }
  const message = error instanceof InstruqtError ? error.message : `internal error: ${error instanceof Error ? error.message : String(error)}`;
  if (error instanceof InstruqtGraphQLError && error.permanent) {
    return { action: "fail", error: `${prefix}${message} (the query was refused; check Instruqt's schema in lib/instruqt/queries.ts)` };
  }
  if (attempts >= config.maxAttempts) return { action: "fail", error: `${prefix}${message}` };
  return { action: "retry", delayMs: backoffDelayMs(attempts, config.backoff, random), error: `${prefix}${message}` };
}

export interface EnrichmentHandlerOptions {
  config: WorkerConfig;
  /** Where URL and key come from; null means "do not run" (off, no key, paused). */
  credentials?: () => Promise<EnrichmentCredentials | null>;
  fetch?: typeof fetch;
  random?: () => number;
}

export function enrichmentJobHandler(options: EnrichmentHandlerOptions): JobHandler<EnrichmentPayload> {
  const { config } = options;
  const credentials = options.credentials ?? activeCredentials;
  const random = options.random ?? Math.random;
  return {
    kind: ENRICHMENT_JOB_KIND,
    concurrency: config.concurrency,
    leaseMs: config.leaseMs,
    maxAttempts: config.maxAttempts,
    backoff: config.backoff,
    pollMs: config.pollMs,
    ready: async () => (await credentials()) !== null,
    run: async (job: ClaimedJob, { signal, log }) => {
      const current = await credentials();
      // Turned off or paused since the claim: back to the queue, no attempt used.
      if (!current) throw new InstruqtAbortedError(0);
      const result = await fetchInviteClaims(job.key, {
        url: current.url,
        apiKey: current.apiKey,
        timeoutMs: config.timeoutMs,
        signal,
        fetch: options.fetch,
      });
      const outcome = matchClaims(result, await knownLearners(job.key));
      const completion = await completeJob(job, outcome);
      if (!completion.applied) {
        log("result discarded, the job was taken over or purged meanwhile");
      } else {
        const again = completion.status === "pending" ? "; new learners arrived meanwhile, it runs again" : "";
        const note = outcome.note ? ` (${outcome.note})` : "";
        log(`${completion.learnersUpdated} learner(s) enriched${note}${again}`);
      }
      return "completed";
    },
    planFailure: (error, job) => planFailure(error, job.attempts, config, random),
    afterFailure: async (error) => {
      // A refused key will be refused for every job: pause until an admin looks.
      if (!(error instanceof InstruqtAuthError)) return;
      await pauseForAuthFailure(error.message, error.status);
      console.log(`[enrichment] paused: ${error.message}. Replace the API key or test the connection in Settings → Enrichment.`);
    },
  };
}
