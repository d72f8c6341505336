import { ensureFirstAdmin } from "@/lib/auth/users";
import { workerConfigFromEnv, type WorkerConfig } from "@/lib/enrichment/config";
import { seedEnrichmentFromEnvironment } from "@/lib/enrichment/settings";
import { env } from "@/lib/env";
import { jobHandlers } from "@/lib/jobs/handlers";
import { startJobRunner } from "@/lib/jobs/runner";
import { seedIdentityFromEnvironment } from "@/lib/learners/identity";
import { startProjectionWorker } from "@/lib/progress/worker";
import { formatStartupBlock, type StartupReport } from "@/lib/startup/block";
import { activeSigningSecrets, seedSecretFromEnvironment } from "@/lib/webhooks/secrets";

const RETRY_MS = 5_000;

/**
 * Shared by the two copies of this module in one process (Next's bundle runs startInstance from
 * instrumentation; scripts/server.ts, loaded beside it, prints the report): on globalThis.
 */
interface InstanceState {
  customServer: boolean;
  report: Promise<StartupReport>;
  resolveReport: (report: StartupReport) => void;
}
const STATE = Symbol.for("cairn.instance");
const store = globalThis as unknown as Record<typeof STATE, InstanceState | undefined>;
const state: InstanceState = (store[STATE] ??= (() => {
  let resolveReport!: (report: StartupReport) => void;
  const report = new Promise<StartupReport>((resolve) => (resolveReport = resolve));
  return { customServer: false, report, resolveReport };
})());

/** The production server prints the closing block itself, once it listens. */
export function markCustomServer(): void {
  state.customServer = true;
}

/** What start-up seeding did; resolves once it has succeeded. */
export function startupReport(): Promise<StartupReport> {
  return state.report;
}

/**
 * What each app instance does once at start. A bad configuration stops the start; an unreachable
 * database does not (the webhook answers 503 meanwhile): seeding is retried until it succeeds.
 */
export async function startInstance(): Promise<void> {
  let workerConfig: WorkerConfig;
  try {
    env();
    workerConfig = workerConfigFromEnv();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
  await seedUntilDone();
  // Both loops (projector, job runner) poll the database themselves and survive it being down meanwhile. The projector
  // starts first: acknowledged events wait for it, and it is what queues enrichment jobs.
  const { CAIRN_WORKER } = env();
  if (CAIRN_WORKER !== "off") startProjectionWorker();
  if (CAIRN_WORKER === "on") {
    startJobRunner({ handlers: jobHandlers(workerConfig) });
  }
}

async function seedUntilDone(): Promise<void> {
  try {
    const seededNow = await seedSecretFromEnvironment();
    await seedEnrichmentFromEnvironment();
    await seedIdentityFromEnvironment();
    const signingSecret = { active: (await activeSigningSecrets()).length, inEnvironment: Boolean(env().INSTRUQT_WEBHOOK_SECRET), seededNow };
    // Last, so a retry cannot lose its answer; not logged here: the generated password appears
    // once, in the closing block.
    const report: StartupReport = { createdAdmin: await ensureFirstAdmin(() => {}), signingSecret };
    state.resolveReport(report);
    // `next dev` has no custom server to print it after listening; Next is ready about now.
    if (!state.customServer) {
      const { PORT, HOSTNAME, CAIRN_PUBLIC_URL } = env();
      console.log(formatStartupBlock(report, { port: PORT, hostname: HOSTNAME, publicUrl: CAIRN_PUBLIC_URL }));
    }
  } catch (error) {
    console.error(`[cairn] start-up seeding failed, retrying in ${RETRY_MS / 1000} s:`, error instanceof Error ? error.message : error);
    setTimeout(() => void seedUntilDone(), RETRY_MS).unref();
  }
}
