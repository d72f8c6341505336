import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
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
import {
  claimJob,
  completeJob,
  failAbandonedJobs,
  failJob,
  knownLearners,
  releaseJob,
  retryJob,
  type ClaimedJob,
} from "./queue";
import { activeCredentials, pauseForAuthFailure, type EnrichmentCredentials } from "./settings";
import { holdExitUntil } from "@/lib/process/hold-exit";

/**
 * The enrichment worker: every `pollMs` (or at once when woken) it checks that enrichment is on,
 * then claims due jobs until `concurrency` run at once, asks Instruqt for each invite's claims,
 * matches them to learners and stores the result. Failures are mapped by `planFailure`.
 *
 * It holds no state that matters: jobs, schedules and attempts live in the database, so a worker
 * that dies loses nothing — its running jobs are taken over once their lease expires.
 */

export type FailurePlan =
  | { action: "retry"; delayMs: number; error: string }
  | { action: "fail"; error: string }
  /** Back to pending without using the attempt. */
  | { action: "release"; delayMs: number; error: string | null; pause?: { message: string; status: number | null }; throttleMs?: number };

/** What to do with a job whose run threw `error` on its `attempts`-th attempt. */
export function planFailure(error: unknown, attempts: number, config: Pick<WorkerConfig, "maxAttempts" | "backoff">, random: () => number = Math.random): FailurePlan {
  const prefix = `attempt ${attempts}/${config.maxAttempts}: `;
  if (error instanceof InstruqtAbortedError) return { action: "release", delayMs: 0, error: null };
  if (error instanceof InstruqtAuthError) {
    return { action: "release", delayMs: 0, error: `paused: ${error.message}`, pause: { message: error.message, status: error.status } };
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

export interface WorkerOptions {
  config: WorkerConfig;
  /** Where URL and key come from; null means "do not run" (off, no key, paused). */
  credentials?: () => Promise<EnrichmentCredentials | null>;
  fetch?: typeof fetch;
  random?: () => number;
  log?: (line: string) => void;
  id?: string;
}

export class EnrichmentWorker {
  readonly id: string;
  private readonly config: WorkerConfig;
  private readonly credentials: () => Promise<EnrichmentCredentials | null>;
  private readonly fetchImpl: typeof fetch | undefined;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private readonly jobs = new Map<bigint, { controller: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  private started = false;
  private stopping = false;
  private claims = 0;
  /** After a 429, no request before this instant (ms since epoch), whichever job it is for. */
  private notBefore = 0;
  private lastPollError: string | undefined;

  constructor(options: WorkerOptions) {
    this.config = options.config;
    this.credentials = options.credentials ?? activeCredentials;
    this.fetchImpl = options.fetch;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? ((line) => console.log(`[enrichment] ${line}`));
    this.id = options.id ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  get runningJobs(): number {
    return this.jobs.size;
  }

  start(): this {
    if (this.started || this.stopping) return this;
    this.started = true;
    this.schedule(0);
    return this;
  }

  /** Look for work now rather than at the next poll (after an enqueue, a settings change …). */
  wake(): void {
    if (!this.started || this.stopping) return;
    if (this.ticking) this.tickAgain = true;
    else this.schedule(0);
  }

  /**
   * Stops claiming, cancels the requests in flight and puts their jobs back to pending (no
   * attempt used), waiting at most `graceMs`. A job not released in time stays `running` and is
   * taken over when its lease expires.
   */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.timer);
    for (const { controller } of this.jobs.values()) controller.abort();
    const settled = Promise.allSettled([this.ticking, ...[...this.jobs.values()].map((job) => job.done)]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.stopping) return;
    this.timer = setTimeout(() => void this.runTick(), delayMs);
    this.timer.unref?.();
  }

  private async runTick(): Promise<void> {
    if (this.ticking || this.stopping) return;
    this.ticking = this.tick()
      .then(() => {
        this.lastPollError = undefined;
      })
      .catch((error) => {
        // The database down, the key unreadable …: say so once, not at every poll.
        const message = error instanceof Error ? error.message : String(error);
        if (message !== this.lastPollError) this.log(`poll failed: ${message}`);
        this.lastPollError = message;
      })
      .finally(() => {
        this.ticking = undefined;
      });
    await this.ticking;
    if (this.stopping) return;
    if (this.tickAgain) {
      this.tickAgain = false;
      this.schedule(0);
    } else {
      this.schedule(Math.max(this.config.pollMs, this.notBefore - Date.now()));
    }
  }

  /** One poll: claim due jobs while there is room. */
  private async tick(): Promise<void> {
    if (this.jobs.size >= this.config.concurrency || Date.now() < this.notBefore) return;
    const credentials = await this.credentials();
    if (!credentials) return;
    const abandoned = await failAbandonedJobs(this.config.leaseMs, this.config.maxAttempts);
    if (abandoned > 0) this.log(`${abandoned} job(s) failed: their worker stopped on the last allowed attempt`);
    while (!this.stopping && this.jobs.size < this.config.concurrency && Date.now() >= this.notBefore) {
      const job = await claimJob(`${this.id}#${++this.claims}`, this.config.leaseMs);
      if (!job) return;
      this.launch(job, credentials);
    }
  }

  private launch(job: ClaimedJob, credentials: EnrichmentCredentials): void {
    const controller = new AbortController();
    // Claimed while stop() was running: give it straight back.
    if (this.stopping) controller.abort();
    const done = this.run(job, credentials, controller.signal).finally(() => {
      this.jobs.delete(job.id);
      // A slot is free: take the next due job now rather than at the next poll.
      this.wake();
    });
    this.jobs.set(job.id, { controller, done });
  }

  private async run(job: ClaimedJob, credentials: EnrichmentCredentials, signal: AbortSignal): Promise<void> {
    try {
      const result = await fetchInviteClaims(job.inviteId, {
        url: credentials.url,
        apiKey: credentials.apiKey,
        timeoutMs: this.config.timeoutMs,
        signal,
        fetch: this.fetchImpl,
      });
      const outcome = matchClaims(result, await knownLearners(job.inviteId));
      const completion = await completeJob(job, outcome);
      if (!completion.applied) {
        this.log(`invite ${job.inviteId}: result discarded, the job was taken over or purged meanwhile`);
      } else {
        const again = completion.status === "pending" ? "; new learners arrived meanwhile, it runs again" : "";
        const note = outcome.note ? ` (${outcome.note})` : "";
        this.log(`invite ${job.inviteId}: ${completion.learnersUpdated} learner(s) enriched${note}${again}`);
      }
    } catch (error) {
      await this.handleFailure(job, error);
    }
  }

  private async handleFailure(job: ClaimedJob, error: unknown): Promise<void> {
    const plan = planFailure(error, job.attempts, this.config, this.random);
    try {
      switch (plan.action) {
        case "retry":
          await retryJob(job, plan.delayMs, plan.error);
          this.log(`invite ${job.inviteId}: ${plan.error}; retrying in ${Math.round(plan.delayMs / 1000)} s`);
          break;
        case "fail":
          await failJob(job, plan.error);
          this.log(`invite ${job.inviteId}: failed: ${plan.error}`);
          break;
        case "release":
          if (plan.throttleMs !== undefined) this.notBefore = Math.max(this.notBefore, Date.now() + plan.throttleMs);
          if (plan.pause) {
            await pauseForAuthFailure(plan.pause.message, plan.pause.status);
            this.log(`paused: ${plan.pause.message}. Replace the API key or test the connection in Settings → Enrichment.`);
          }
          await releaseJob(job, plan.delayMs, plan.error);
          if (plan.throttleMs !== undefined) this.log(`invite ${job.inviteId}: ${plan.error}; no request for ${Math.round(plan.throttleMs / 1000)} s`);
          break;
      }
    } catch (storeError) {
      // The database is unreachable too: the job stays running and its lease brings it back.
      this.log(`invite ${job.inviteId}: could not record the failure (${storeError instanceof Error ? storeError.message : String(storeError)})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The one worker of this server process
// ---------------------------------------------------------------------------------------------

// On globalThis: Next.js bundles instrumentation and route handlers separately, so a module-level
// variable would not be the same one in both.
const processWorker = globalThis as unknown as { cairnEnrichmentWorker?: EnrichmentWorker };

/** How long a stopping worker may take to hand its jobs back before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * Starts this process's worker (once) and stops it cleanly on SIGTERM/SIGINT.
 *
 * Next.js handles those signals too: it closes its HTTP server and then calls process.exit at
 * once, which would cut the worker off before it has put its running jobs back to pending (they
 * would then wait for their lease). So on a signal, process.exit is held until the worker has
 * stopped, for at most SHUTDOWN_GRACE_MS (npm start gives Next 10 s before it kills it).
 */
export function startEnrichmentWorker(config: WorkerConfig): EnrichmentWorker {
  if (processWorker.cairnEnrichmentWorker) return processWorker.cairnEnrichmentWorker;
  const worker = new EnrichmentWorker({ config }).start();
  processWorker.cairnEnrichmentWorker = worker;
  const stop = (signal: NodeJS.Signals) => {
    console.log(`[enrichment] ${signal}: stopping the worker, handing ${worker.runningJobs} running job(s) back`);
    const stopped = worker.stop(SHUTDOWN_GRACE_MS);
    holdExitUntil(stopped);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  console.log(`[enrichment] worker ${worker.id} started (concurrency ${config.concurrency}, poll every ${config.pollMs / 1000} s)`);
  return worker;
}

/** Wakes this process's worker, if it runs one. */
export function wakeEnrichmentWorker(): void {
  processWorker.cairnEnrichmentWorker?.wake();
}

export function enrichmentWorkerRunning(): boolean {
  return Boolean(processWorker.cairnEnrichmentWorker);
}
