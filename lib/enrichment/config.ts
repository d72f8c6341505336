import { ConfigurationError, env } from "@/lib/env";
import { DEFAULT_BACKOFF, type BackoffPolicy } from "./backoff";

/** Instruqt's public GraphQL endpoint, used when neither the settings nor INSTRUQT_GRAPHQL_URL name one. */
export const DEFAULT_GRAPHQL_URL = "https://play.instruqt.com/graphql";

/** Written to learner.enrichment_source: where the name and email came from. */
export const ENRICHMENT_SOURCE = "instruqt:trackInvite";

export interface WorkerConfig {
  concurrency: number;
  pollMs: number;
  timeoutMs: number;
  /** A job `running` for longer than this belongs to a worker that died: another one takes it. */
  leaseMs: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
}

/**
 * The worker's tuning from the environment (lib/env.ts). The lease must outlast the longest run —
 * one request bounded by its timeout, plus the database writes — or a healthy worker's job would
 * be taken over while it is still running.
 */
export function workerConfigFromEnv(): WorkerConfig {
  const e = env();
  if (e.CAIRN_ENRICHMENT_LEASE_SECONDS <= e.CAIRN_ENRICHMENT_TIMEOUT_SECONDS + 1) {
    throw new ConfigurationError(
      `Invalid configuration:\n  CAIRN_ENRICHMENT_LEASE_SECONDS: must be more than CAIRN_ENRICHMENT_TIMEOUT_SECONDS + 1 (${e.CAIRN_ENRICHMENT_TIMEOUT_SECONDS + 1})`,
    );
  }
  return {
    concurrency: e.CAIRN_ENRICHMENT_CONCURRENCY,
    pollMs: e.CAIRN_ENRICHMENT_POLL_SECONDS * 1000,
    timeoutMs: e.CAIRN_ENRICHMENT_TIMEOUT_SECONDS * 1000,
    leaseMs: e.CAIRN_ENRICHMENT_LEASE_SECONDS * 1000,
    maxAttempts: e.CAIRN_ENRICHMENT_MAX_ATTEMPTS,
    backoff: DEFAULT_BACKOFF,
  };
}
