import { ensureFirstAdmin } from "@/lib/auth/users";
import { env } from "@/lib/env";
import { seedSecretFromEnvironment } from "@/lib/webhooks/secrets";

const RETRY_MS = 5_000;

/**
 * What each app instance does once at start. A bad configuration stops the start; an unreachable
 * database does not (the webhook answers 503 meanwhile): seeding is retried until it succeeds.
 */
export async function startInstance(): Promise<void> {
  try {
    env();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
  await seedUntilDone();
}

async function seedUntilDone(): Promise<void> {
  try {
    await seedSecretFromEnvironment();
    await ensureFirstAdmin();
  } catch (error) {
    console.error(`[cairn] start-up seeding failed, retrying in ${RETRY_MS / 1000} s:`, error instanceof Error ? error.message : error);
    setTimeout(() => void seedUntilDone(), RETRY_MS).unref();
  }
}
