import { db } from "@/lib/db/client";
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffPolicy } from "@/lib/enrichment/backoff";
import { ApiKeyUnreadableError, loadEnrichmentSettings, pauseForAuthFailure, savedCredentials } from "@/lib/enrichment/settings";
import { env } from "@/lib/env";
import { CatalogueMismatchError, fetchTrackCatalogue } from "@/lib/instruqt/catalogue";
import { InstruqtAbortedError, InstruqtAuthError, InstruqtRateLimitedError } from "@/lib/instruqt/graphql";
import { activeTeamSlug } from "@/lib/instruqt/team-slug";
import { completeJob } from "@/lib/jobs/queue";
import type { FailurePlan, JobHandler } from "@/lib/jobs/runner";
import { CATALOGUE_JOB_KIND, recordCatalogueError, saveTrackCatalogue } from "./store";

/**
 * The `catalogue` job (one per track, key = track id) on the one job queue: fetch the track's
 * title and its challenges' titles from Instruqt, store them, and come back in a day. It runs
 * when Settings → Enrichment has an API key that Instruqt has not refused (enrichment's pause) and
 * a team slug is known. Enrichment's on/off switch is about personal data and does not apply:
 * titles are not personal.
 *
 * Failures, as enrichment handles them: 401/403 pauses every call with the key (the pause shows on
 * Settings → Enrichment); 429 waits Retry-After without using an attempt and holds the whole kind;
 * an answer Cairn cannot read (schema mismatch) is recorded on the track with the raw answer and
 * fails the job (retrying the same query cannot help); anything else retries with backoff.
 */

export const DAY_MS = 24 * 3600_000;

export interface CatalogueCredentials {
  url: string;
  apiKey: string;
  teamSlug: string;
}

/** URL, key and team slug when the catalogue may call Instruqt; null otherwise. */
export async function catalogueCredentials(): Promise<CatalogueCredentials | null> {
  const [settings, teamSlug] = await Promise.all([loadEnrichmentSettings(), activeTeamSlug()]);
  if (!settings.apiKey || settings.paused || !teamSlug) return null;
  try {
    const { url, apiKey } = await savedCredentials();
    return apiKey ? { url, apiKey, teamSlug } : null;
  } catch (error) {
    // Settings → Enrichment already says the key must be saved again.
    if (error instanceof ApiKeyUnreadableError) return null;
    throw error;
  }
}

class CatalogueNotConfigured extends Error {
  constructor() {
    super("no API key or team slug (Settings → Enrichment), or Instruqt refused the key");
  }
}

export interface CatalogueHandlerOptions {
  timeoutMs?: number;
  leaseMs?: number;
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /** How long until a track's titles are fetched again. */
  refreshMs?: number;
  credentials?: () => Promise<CatalogueCredentials | null>;
  fetch?: typeof fetch;
  random?: () => number;
}

export function planCatalogueFailure(error: unknown, attempts: number, maxAttempts: number, backoff: BackoffPolicy, random: () => number = Math.random): FailurePlan | null {
  if (error instanceof InstruqtAbortedError) return { action: "release", delayMs: 0, error: null };
  if (error instanceof CatalogueNotConfigured) return { action: "release", delayMs: 0, error: error.message };
  if (error instanceof InstruqtAuthError) return { action: "release", delayMs: 0, error: `paused: ${error.message}` };
  if (error instanceof InstruqtRateLimitedError) {
    const delayMs = error.retryAfterMs ?? backoffDelayMs(1, backoff, random);
    return { action: "release", delayMs, error: error.message, throttleMs: delayMs };
  }
  if (error instanceof CatalogueMismatchError) {
    return { action: "fail", error: `attempt ${attempts}/${maxAttempts}: ${error.message} (check lib/instruqt/catalogue.ts against Instruqt's schema)` };
  }
  return null;
}

export function catalogueHandler(options: CatalogueHandlerOptions = {}): JobHandler<Record<string, never>> {
  const e = env();
  const timeoutMs = options.timeoutMs ?? e.CAIRN_ENRICHMENT_TIMEOUT_SECONDS * 1000;
  const maxAttempts = options.maxAttempts ?? e.CAIRN_ENRICHMENT_MAX_ATTEMPTS;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const refreshMs = options.refreshMs ?? DAY_MS;
  const credentials = options.credentials ?? catalogueCredentials;
  return {
    kind: CATALOGUE_JOB_KIND,
    concurrency: 1,
    leaseMs: options.leaseMs ?? e.CAIRN_ENRICHMENT_LEASE_SECONDS * 1000,
    maxAttempts,
    backoff,
    ready: async () => (await credentials()) !== null,
    async run(job, { signal }) {
      const config = await credentials();
      if (!config) throw new CatalogueNotConfigured();
      const trackId = job.key;
      const result = await fetchTrackCatalogue(trackId, config.teamSlug, {
        url: config.url,
        apiKey: config.apiKey,
        timeoutMs,
        signal,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      const rerunAt = new Date(Date.now() + refreshMs);
      await db().$transaction(async (tx) => {
        if (result.found) {
          const { slug, title, teaser, level } = result.track;
          await saveTrackCatalogue(tx, trackId, { slug, title, teaser, level }, result.challenges, result.raw);
        } else {
          await recordCatalogueError(trackId, `Instruqt does not know track ${trackId} (team ${config.teamSlug})`, result.raw, tx);
        }
        const note = result.found ? `${result.challenges.length} challenge(s)` : "track not found";
        await completeJob(job, { rerunAt, note }, tx);
      });
      return "completed";
    },
    planFailure: (error, job) => planCatalogueFailure(error, job.attempts, maxAttempts, backoff, options.random),
    async afterFailure(error, _plan, job) {
      if (error instanceof InstruqtAuthError) await pauseForAuthFailure(error.message, error.status);
      if (error instanceof CatalogueMismatchError) await recordCatalogueError(job.key, error.message, error.raw);
    },
  };
}
