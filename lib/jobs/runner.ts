import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffPolicy } from "@/lib/enrichment/backoff";
import { holdExitUntil } from "@/lib/process/hold-exit";
import {
  claimJob,
  completeJob,
  failAbandonedJobs,
  failJob,
  releaseJob,
  retryJob,
  saveJobProgress,
  type ClaimedJob,
} from "./queue";

/**
 * The job runner: every `pollMs` (or at once when woken) it asks each handler whether its kind
 * may run, then claims due jobs of that kind until the handler's concurrency is reached, runs
 * them and records the outcome. It holds no state that matters: jobs, schedules and attempts
 * live in the database, so a runner that dies loses nothing — its running jobs are taken over
 * once their lease expires, by this or another instance.
 */

/** What to do with a job whose run threw. */
export type FailurePlan =
  | { action: "retry"; delayMs: number; error: string }
  | { action: "fail"; error: string }
  /** Back to pending without using the attempt; `throttleMs` holds every job of the kind. */
  | { action: "release"; delayMs: number; error: string | null; throttleMs?: number };

export interface JobContext<Payload> {
  signal: AbortSignal;
  /** Stores progress and renews the lease; throws JobClaimLost when another worker owns the job. */
  saveProgress(payload: Payload): Promise<void>;
  log(line: string): void;
}

export interface JobOutcome<Payload> {
  note?: string | null;
  payload?: Payload;
}

export interface JobHandler<Payload = unknown> {
  kind: string;
  concurrency: number;
  /** A job running longer than this belongs to a dead worker; must outlast one run (or one saveProgress interval). */
  leaseMs: number;
  maxAttempts: number;
  backoff?: BackoffPolicy;
  /** How often to look for due jobs of this kind when not woken; the runner's poll when absent. */
  pollMs?: number;
  /** Whether jobs of this kind may run now (configured, not paused); always when absent. */
  ready?: () => Promise<boolean>;
  /**
   * Runs one job. Return to complete it (the runner marks it done); or complete it yourself with
   * `completeJob(job, …, tx)` inside your own transaction and return `"completed"`.
   */
  run(job: ClaimedJob<Payload>, context: JobContext<Payload>): Promise<JobOutcome<Payload> | "completed" | void>;
  /** Maps a failure to a plan; null or absent: retry with backoff, fail after maxAttempts. */
  planFailure?: (error: unknown, job: ClaimedJob<Payload>) => FailurePlan | null;
  /** Called after a failure was recorded (e.g. to pause the kind after an auth error). */
  afterFailure?: (error: unknown, plan: FailurePlan, job: ClaimedJob<Payload>) => Promise<void>;
}

/** Thrown by saveProgress when the claim was lost: the run must stop, its result is not wanted. */
export class JobClaimLost extends Error {
  constructor() {
    super("the job was taken over or deleted while it ran");
  }
}

/** The default plan: retry with exponential backoff until the last attempt, then fail. */
export function defaultFailurePlan(error: unknown, attempts: number, maxAttempts: number, backoff: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): FailurePlan {
  const message = error instanceof Error ? error.message : String(error);
  const prefixed = `attempt ${attempts}/${maxAttempts}: ${message}`;
  if (attempts >= maxAttempts) return { action: "fail", error: prefixed };
  return { action: "retry", delayMs: backoffDelayMs(attempts, backoff, random), error: prefixed };
}

export interface RunnerOptions {
  handlers: JobHandler<any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- each handler types its own payload
  pollMs?: number;
  log?: (line: string) => void;
  id?: string;
}

interface KindState {
  running: Map<bigint, { controller: AbortController; done: Promise<void> }>;
  /** After a 429 …: no claim of this kind before this instant (ms since epoch). */
  notBefore: number;
  /** The next poll of this kind when not woken (ms since epoch). */
  nextPollAt: number;
  /** The last poll's error, so a failure that persists (database down, key unreadable) is logged once. */
  lastPollError: string | undefined;
}

export class JobRunner {
  readonly id: string;
  private readonly handlers: JobHandler<unknown>[];
  private readonly pollMs: number;
  private readonly log: (line: string) => void;
  private readonly kinds = new Map<string, KindState>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  private started = false;
  private stopping = false;
  private claims = 0;

  constructor(options: RunnerOptions) {
    this.handlers = options.handlers as JobHandler<unknown>[];
    this.pollMs = options.pollMs ?? 2_000;
    this.log = options.log ?? ((line) => console.log(`[jobs] ${line}`));
    this.id = options.id ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    for (const handler of this.handlers) this.kinds.set(handler.kind, { running: new Map(), notBefore: 0, nextPollAt: 0, lastPollError: undefined });
  }

  get runningJobs(): number {
    let total = 0;
    for (const state of this.kinds.values()) total += state.running.size;
    return total;
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
    for (const state of this.kinds.values()) state.nextPollAt = 0;
    if (this.ticking) this.tickAgain = true;
    else this.schedule(0);
  }

  /**
   * Stops claiming, aborts the runs in flight (their jobs go back to pending, no attempt used)
   * and waits at most `graceMs`. A job not handed back in time is taken over after its lease.
   */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.timer);
    const runs = [...this.kinds.values()].flatMap((state) => [...state.running.values()]);
    for (const { controller } of runs) controller.abort();
    const settled = Promise.allSettled([this.ticking, ...runs.map((run) => run.done)]);
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
    this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
      });
    await this.ticking;
    if (this.stopping) return;
    if (this.tickAgain) {
      this.tickAgain = false;
      this.schedule(0);
      return;
    }
    const now = Date.now();
    const next = [...this.kinds.values()].map((state) => Math.max(state.nextPollAt, state.notBefore));
    this.schedule(next.length > 0 ? Math.max(0, Math.min(...next) - now) : this.pollMs);
  }

  /** One poll of every kind that is due; one kind failing (its settings unreadable …) holds up no other. */
  private async tick(): Promise<void> {
    for (const handler of this.handlers) {
      if (this.stopping) return;
      const state = this.kinds.get(handler.kind)!;
      if (Date.now() < state.nextPollAt) continue;
      state.nextPollAt = Date.now() + (handler.pollMs ?? this.pollMs);
      try {
        await this.pollKind(handler, state);
        state.lastPollError = undefined;
      } catch (error) {
        // The database down, a key that cannot be decrypted …: say so once, not at every poll.
        const message = error instanceof Error ? error.message : String(error);
        if (message !== state.lastPollError) this.log(`${handler.kind}: poll failed: ${message}`);
        state.lastPollError = message;
      }
    }
  }

  private async pollKind(handler: JobHandler<unknown>, state: KindState): Promise<void> {
    if (state.running.size >= handler.concurrency || Date.now() < state.notBefore) return;
    if (handler.ready && !(await handler.ready())) return;
    const abandoned = await failAbandonedJobs(handler.kind, handler.leaseMs, handler.maxAttempts);
    if (abandoned > 0) this.log(`${handler.kind}: ${abandoned} job(s) failed: their worker stopped on the last allowed attempt`);
    while (!this.stopping && state.running.size < handler.concurrency && Date.now() >= state.notBefore) {
      const job = await claimJob(handler.kind, `${this.id}#${++this.claims}`, handler.leaseMs);
      if (!job) return;
      this.launch(handler, state, job);
    }
  }

  private launch(handler: JobHandler<unknown>, state: KindState, job: ClaimedJob<unknown>): void {
    const controller = new AbortController();
    // Claimed while stop() was running: give it straight back.
    if (this.stopping) controller.abort();
    const done = this.run(handler, state, job, controller.signal).finally(() => {
      state.running.delete(job.id);
      // A slot is free: take the next due job now rather than at the next poll.
      this.wake();
    });
    state.running.set(job.id, { controller, done });
  }

  private async run(handler: JobHandler<unknown>, state: KindState, job: ClaimedJob<unknown>, signal: AbortSignal): Promise<void> {
    const label = `${handler.kind} ${job.key}`;
    const context: JobContext<unknown> = {
      signal,
      saveProgress: async (payload) => {
        if (!(await saveJobProgress(job, payload))) throw new JobClaimLost();
      },
      log: (line) => this.log(`${label}: ${line}`),
    };
    try {
      const outcome = await handler.run(job, context);
      if (outcome === "completed") return;
      const status = await completeJob(job, outcome ?? {});
      if (status === null) this.log(`${label}: result discarded, the job was taken over or deleted meanwhile`);
    } catch (error) {
      if (error instanceof JobClaimLost) {
        this.log(`${label}: stopped, the job was taken over or deleted meanwhile`);
        return;
      }
      if (signal.aborted) {
        await releaseJob(job, 0, null).catch(() => undefined);
        return;
      }
      await this.handleFailure(handler, state, job, error);
    }
  }

  private async handleFailure(handler: JobHandler<unknown>, state: KindState, job: ClaimedJob<unknown>, error: unknown): Promise<void> {
    const label = `${handler.kind} ${job.key}`;
    const plan = handler.planFailure?.(error, job) ?? defaultFailurePlan(error, job.attempts, handler.maxAttempts, handler.backoff);
    try {
      switch (plan.action) {
        case "retry":
          await retryJob(job, plan.delayMs, plan.error);
          this.log(`${label}: ${plan.error}; retrying in ${Math.round(plan.delayMs / 1000)} s`);
          break;
        case "fail":
          await failJob(job, plan.error);
          this.log(`${label}: failed: ${plan.error}`);
          break;
        case "release":
          if (plan.throttleMs !== undefined) state.notBefore = Math.max(state.notBefore, Date.now() + plan.throttleMs);
          await releaseJob(job, plan.delayMs, plan.error);
          if (plan.error) this.log(`${label}: ${plan.error}; back in the queue`);
          break;
      }
      await handler.afterFailure?.(error, plan, job);
    } catch (storeError) {
      // The database is unreachable too: the job stays running and its lease brings it back.
      this.log(`${label}: could not record the failure (${storeError instanceof Error ? storeError.message : String(storeError)})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The one runner of this server process
// ---------------------------------------------------------------------------------------------

// On globalThis: Next.js bundles instrumentation and route handlers separately, so a module-level
// variable would not be the same one in both.
const processRunner = globalThis as unknown as { cairnJobRunner?: JobRunner };

const SHUTDOWN_GRACE_MS = 5_000;

/** Starts this process's runner (once) and stops it cleanly on SIGTERM/SIGINT. */
export function startJobRunner(options: RunnerOptions): JobRunner {
  if (processRunner.cairnJobRunner) return processRunner.cairnJobRunner;
  const runner = new JobRunner(options).start();
  processRunner.cairnJobRunner = runner;
  const stop = (signal: NodeJS.Signals) => {
    console.log(`[jobs] ${signal}: stopping the runner, handing ${runner.runningJobs} running job(s) back`);
    holdExitUntil(runner.stop(SHUTDOWN_GRACE_MS));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  console.log(`[jobs] runner ${runner.id} started (${options.handlers.map((handler) => handler.kind).join(", ") || "no kinds"})`);
  return runner;
}

/** Wakes this process's runner, if it runs one (call after enqueueing work that should not wait a poll). */
export function wakeJobRunner(): void {
  processRunner.cairnJobRunner?.wake();
}

export function jobRunnerRunning(): boolean {
  return Boolean(processRunner.cairnJobRunner);
}
