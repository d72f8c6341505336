import pg from "pg";
import { env } from "@/lib/env";
import { wakeJobRunner } from "@/lib/jobs/runner";
import { EVENTS_CHANNEL } from "@/lib/ingest/store";
import { pullEvaluationForward } from "@/lib/alerts/evaluate";
import { projectPendingBatch } from "./projector";
import { holdExitUntil } from "@/lib/process/hold-exit";

/**
 * The projection loop of one app instance: drains pending events in batches, then sleeps until
 * the append statement's NOTIFY wakes it (or a slow fallback poll, for a lost notification or a
 * database that does not deliver them). Every instance with CAIRN_WORKER=on runs one; they share
 * the work through SKIP LOCKED, so nothing here needs to know about the others.
 *
 * The wake-up goes through PostgreSQL rather than an in-process call on purpose: the webhook may
 * be served by a module graph apart from the one this loop runs in (the custom server loads lib/
 * on its own), and by another instance altogether.
 */

export interface ProjectorOptions {
  batchSize?: number;
  /** Fallback poll when no notification arrives. */
  pollMs?: number;
  databaseUrl?: string;
  log?: (line: string) => void;
}

const RETRY_MS = 1_000;

export class ProjectionWorker {
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly databaseUrl: string;
  private readonly log: (line: string) => void;
  private listener: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopping = false;
  private lastError: string | undefined;
  private pulling: Promise<void> | undefined;
  private pullAgain = false;
  private lastPullError: string | undefined;

  constructor(options: ProjectorOptions = {}) {
    this.batchSize = options.batchSize ?? 1_000;
    this.pollMs = options.pollMs ?? 2_000;
    this.databaseUrl = options.databaseUrl ?? env().DATABASE_URL;
    this.log = options.log ?? ((line) => console.log(`[projector] ${line}`));
  }

  start(): this {
    void this.listen();
    this.wake();
    return this;
  }

  /** Drain now (a notification arrived, or a caller knows there is work). */
  wake(): void {
    if (this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.stopping) return;
      if (this.again) {
        this.again = false;
        this.wake();
      } else {
        this.schedule(this.lastError ? RETRY_MS : this.pollMs);
      }
    });
  }

  /** Finishes the batch in flight (its transaction commits or rolls back), then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => {});
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => {});
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), delayMs);
    this.timer.unref?.();
  }

  /**
   * Plays changed: alert rules should look at them soon (lib/alerts/evaluate.ts). After the
   * batch's commit and not awaited, so alerting can neither fail nor slow projection; batches
   * arriving while one pull is in flight share the next one.
   */
  private alertsChanged(): void {
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    this.pulling = pullEvaluationForward()
      .then((pulled) => {
        this.lastPullError = undefined;
        if (pulled > 0) wakeJobRunner();
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (message !== this.lastPullError) this.log(`could not bring alert evaluation forward: ${message}`);
        this.lastPullError = message;
      })
      .finally(() => {
        this.pulling = undefined;
        if (this.pullAgain && !this.stopping) {
          this.pullAgain = false;
          this.alertsChanged();
        }
      });
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopping) {
        const result = await projectPendingBatch(this.batchSize);
        if (result.enrichmentQueued) wakeJobRunner();
        if (result.participantIds.length > 0) this.alertsChanged();
        if (result.events < this.batchSize) break;
      }
      if (this.lastError) this.log("projecting again");
      this.lastError = undefined;
    } catch (error) {
      // The database down, a deadlock with another instance …: the markers are still there.
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.lastError) this.log(`batch failed, retrying: ${message}`);
      this.lastError = message;
    }
  }

  /** A dedicated connection that LISTENs; reconnects after losing it. */
  private async listen(): Promise<void> {
    if (this.stopping) return;
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on("error", () => {}); // surfaced through "end" below
    client.on("notification", () => this.wake());
    client.once("end", () => {
      if (this.listener !== client || this.stopping) return;
      this.listener = undefined;
      setTimeout(() => void this.listen(), RETRY_MS).unref();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      this.listener = client;
      if (this.stopping) await client.end();
      // Events appended while no one listened: the drain after (re)connecting picks them up.
      this.wake();
    } catch {
      await client.end().catch(() => {});
      if (!this.stopping) setTimeout(() => void this.listen(), RETRY_MS * 5).unref();
    }
  }
}

// On globalThis: Next.js bundles instrumentation and route handlers separately, and the custom
// server loads lib/ once more; one loop per process is enough.
const PROJECTOR = Symbol.for("cairn.progress.projector");
const holder = globalThis as unknown as { [PROJECTOR]?: ProjectionWorker };

/** Starts this process's projection loop (once) and stops it cleanly on SIGTERM/SIGINT. */
export function startProjectionWorker(options: ProjectorOptions = {}): ProjectionWorker {
  if (holder[PROJECTOR]) return holder[PROJECTOR];
  const worker = new ProjectionWorker(options).start();
  holder[PROJECTOR] = worker;
  const stop = () => {
    const stopped = worker.stop();
    // Next exits at once on a signal; hold the exit until the batch in flight has settled.
    holdExitUntil(stopped);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  console.log("[projector] started");
  return worker;
}
