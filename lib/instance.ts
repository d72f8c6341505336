import { ensureFirstAdmin } from "@/lib/auth/users";
import { workerConfigFromEnv, type WorkerConfig } from "@/lib/enrichment/config";
import { seedEnrichmentFromEnvironment } from "@/lib/enrichment/settings";
import { startEnrichmentWorker } from "@/lib/enrichment/worker";
import { env } from "@/lib/env";
import { startProjectionWorker } from "@/lib/progress/worker";
import { seedSecretFromEnvironment } from "@/lib/webhooks/secrets";

const RETRY_MS = 5_000;

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
  // Both loops poll the database themselves and survive it being down meanwhile. The projector
  // starts first: acknowledged events wait for it, and it is what queues enrichment jobs.
  const { CAIRN_WORKER } = env();
  if (CAIRN_WORKER !== "off") startProjectionWorker();
  if (CAIRN_WORKER === "on") startEnrichmentWorker(workerConfig);
}

async function seedUntilDone(): Promise<void> {
  try {
    await seedSecretFromEnvironment();
    await seedEnrichmentFromEnvironment();
    await ensureFirstAdmin();
  } catch (error) {
    console.error(`[cairn] start-up seeding failed, retrying in ${RETRY_MS / 1000} s:`, error instanceof Error ? error.message : error);
    setTimeout(() => void seedUntilDone(), RETRY_MS).unref();
  }
}
