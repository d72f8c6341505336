import { z } from "zod";
import type { Actor } from "@/lib/audit/actor";
import { recordAudit, type AuditAction, type EnrichmentAuditDetails } from "@/lib/audit/log";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { testConnection, type ConnectionTestResult } from "@/lib/instruqt/graphql";
import { activeTeamSlug, savedTeamSlug, teamSlugInput, writeTeamSlug } from "@/lib/instruqt/team-slug";
import {
  deleteAllJobs,
  lockPersonalDataExclusive,
  queueStatus,
  rerunAllJobs,
  retryFailedJobs,
  type QueueStatus,
} from "./queue";
import {
  ApiKeyUnreadableError,
  clearPause,
  loadEnrichmentSettings,
  savedCredentials,
  writeApiKey,
  writeEnabled,
  writeGraphqlUrl,
  type EnrichmentSettings,
} from "./settings";
import { jobRunnerRunning, wakeJobRunner } from "@/lib/jobs/runner";

/**
 * What Settings → Enrichment (the page's server actions and /api/settings/enrichment) can do.
 * Callers have checked that the actor is an admin; inputs are validated here with zod; every
 * change is written to the audit log — never a secret's value, not even its last characters.
 */

export type { Actor };

/** A settings change that cannot be made as asked (409): the one error type, with its meaning. */
export class EnrichmentSettingsError extends AppError {
  constructor(message: string) {
    super(409, "conflict", message);
  }
}

const graphqlUrl = z
  .string()
  .trim()
  .max(2000)
  .pipe(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }));

/** API keys are opaque to Cairn: anything printable on one line, within reason. */
const apiKey = z
  .string()
  .trim()
  .min(8, "looks too short for an Instruqt API key")
  .max(4096)
  .regex(/^[\x21-\x7e]+$/, "must be printable characters without spaces");

export const settingsInput = z.object({
  enabled: z.boolean(),
  graphqlUrl,
  /** Absent: keep the saved key; null: remove it; a string: replace it. */
  apiKey: apiKey.nullable().optional(),
  /** The Instruqt team slug (catalogue): absent keeps it; null or "" removes it (INSTRUQT_TEAM_SLUG applies). */
  teamSlug: z.union([z.literal(""), teamSlugInput]).nullable().optional(),
});
export type SettingsInput = z.input<typeof settingsInput>;

export const connectionTestInput = z.object({
  /** Test these instead of the saved ones (before saving them). */
  graphqlUrl: graphqlUrl.optional(),
  apiKey: apiKey.optional(),
});

export const PURGE_CONFIRMATION = "PURGE";
export const purgeInput = z.object({
  confirm: z.literal(PURGE_CONFIRMATION, { error: `type ${PURGE_CONFIRMATION} to confirm` }),
});

export interface EnrichmentStatus {
  settings: EnrichmentSettings;
  queue: QueueStatus;
  learners: { total: number; enriched: number };
  /** The team slug saved here, and the one in use (the saved one, else INSTRUQT_TEAM_SLUG). */
  teamSlug: { saved: string | null; active: string | null };
  /** Whether this server process runs a worker (CAIRN_WORKER); others may. */
  worker: { configured: boolean; running: boolean; concurrency: number };
}

export async function enrichmentStatus(): Promise<EnrichmentStatus> {
  const e = env();
  const [settings, queue, learners, savedSlug, activeSlug] = await Promise.all([
    loadEnrichmentSettings(),
    queueStatus(e.CAIRN_ENRICHMENT_LEASE_SECONDS * 1000),
    db().$queryRaw<{ total: number; enriched: number }[]>`
      SELECT count(*)::int AS total, count(*) FILTER (WHERE enriched_at IS NOT NULL)::int AS enriched FROM learner`,
    savedTeamSlug(),
    activeTeamSlug(),
  ]);
  return {
    settings,
    queue,
    learners: learners[0] ?? { total: 0, enriched: 0 },
    teamSlug: { saved: savedSlug, active: activeSlug },
    worker: { configured: e.CAIRN_WORKER === "on", running: jobRunnerRunning(), concurrency: e.CAIRN_ENRICHMENT_CONCURRENCY },
  };
}

async function audit(
  client: Pick<ReturnType<typeof db>, "auditLog">,
  actor: Actor,
  action: Extract<AuditAction, `enrichment.${string}`>,
  details: EnrichmentAuditDetails,
): Promise<void> {
  await recordAudit(client, actor, action, "enrichment", details);
}

export async function updateEnrichmentSettings(actor: Actor, raw: unknown): Promise<EnrichmentSettings> {
  const input = settingsInput.parse(raw);
  const result = await db().$transaction(async (tx) => {
    const before = await loadEnrichmentSettings(tx);
    const keyAfter = input.apiKey === undefined ? before.apiKey !== null : input.apiKey !== null;
    if (input.enabled && !keyAfter) throw new EnrichmentSettingsError("Enrichment needs an API key: add one to turn it on.");
    if (input.apiKey !== undefined) await writeApiKey(tx, input.apiKey);
    if (input.graphqlUrl !== before.graphqlUrl) await writeGraphqlUrl(tx, input.graphqlUrl);
    const slugBefore = await savedTeamSlug(tx);
    const slugAfter = input.teamSlug === undefined ? slugBefore : input.teamSlug || null;
    if (slugAfter !== slugBefore) await writeTeamSlug(tx, slugAfter);
    await writeEnabled(tx, input.enabled);
    // Whatever made Instruqt refuse the key, an admin has looked at it now.
    await clearPause(tx);
    await audit(tx, actor, "enrichment.settings.update", {
      enabled: { from: before.enabled, to: input.enabled },
      graphqlUrl: input.graphqlUrl === before.graphqlUrl ? { unchanged: true } : { from: before.graphqlUrl, to: input.graphqlUrl },
      apiKey: input.apiKey === undefined ? "unchanged" : input.apiKey === null ? "removed" : before.apiKey ? "replaced" : "added",
      pauseCleared: before.paused !== null,
      teamSlug: slugAfter === slugBefore ? { unchanged: true } : { from: slugBefore, to: slugAfter },
    });
    return loadEnrichmentSettings(tx);
  });
  // The catalogue runs on the same key and the team slug: it may be able to start now.
  wakeJobRunner();
  return result;
}

/** Removes the saved key; enrichment turns off with it. */
export async function removeApiKey(actor: Actor): Promise<EnrichmentSettings> {
  const current = await loadEnrichmentSettings();
  return updateEnrichmentSettings(actor, { enabled: false, graphqlUrl: current.graphqlUrl, apiKey: null });
}

/**
 * Runs the cheap authenticated query against the given URL/key, or the saved ones. A success
 * with the saved settings lifts a pause (the key works again).
 */
function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

export async function testEnrichmentConnection(actor: Actor, raw: unknown = {}): Promise<ConnectionTestResult> {
  const input = connectionTestInput.parse(raw);
  let saved: Awaited<ReturnType<typeof savedCredentials>>;
  try {
    saved = await savedCredentials();
  } catch (error) {
    if (!(error instanceof ApiKeyUnreadableError) || !input.apiKey) throw error;
    saved = { url: (await loadEnrichmentSettings()).graphqlUrl, apiKey: null };
  }
  const url = input.graphqlUrl ?? saved.url;
  // The saved key only ever goes to the saved URL: testing another URL takes the key again, so an
  // admin session (or a stolen one) cannot ship the key to a server of its choosing.
  if (!input.apiKey && !sameUrl(url, saved.url)) {
    throw new z.ZodError([
      { code: "custom", path: ["apiKey"], input: undefined, message: "enter the API key to test another URL: the saved key is only sent to the saved URL" },
    ]);
  }
  const key = input.apiKey ?? saved.apiKey;
  const result: ConnectionTestResult = key
    ? await testConnection({ url, apiKey: key, timeoutMs: env().CAIRN_ENRICHMENT_TIMEOUT_SECONDS * 1000 })
    : { ok: false, kind: "auth", status: null, latencyMs: 0, message: "No API key: enter one to test it." };
  await audit(db(), actor, "enrichment.connection_test", {
    url,
    key: input.apiKey ? "typed" : key ? "saved" : "none",
    ok: result.ok,
    status: result.ok ? null : result.status,
    kind: result.ok ? null : result.kind,
    latencyMs: result.latencyMs,
    // What the other end said can echo what it was sent.
    message: (key ? result.message.split(key).join("[key]") : result.message).slice(0, 300),
  });
  if (!key) return result;
  const usedSaved = url === saved.url && key === saved.apiKey;
  if (result.ok && usedSaved) {
    const lifted = await db().$transaction(async (tx) => {
      const settings = await loadEnrichmentSettings(tx);
      if (!settings.paused) return false;
      await clearPause(tx);
      await audit(tx, actor, "enrichment.pause.lift", { reason: "connection test passed" });
      return true;
    });
    if (lifted) wakeJobRunner();
  }
  return result;
}

export async function retryFailed(actor: Actor): Promise<number> {
  const count = await retryFailedJobs();
  await audit(db(), actor, "enrichment.jobs.retry_failed", { jobs: count });
  wakeJobRunner();
  return count;
}

export async function rerunEnrichment(actor: Actor): Promise<number> {
  const count = await rerunAllJobs();
  await audit(db(), actor, "enrichment.jobs.rerun", { jobs: count });
  wakeJobRunner();
  return count;
}

export interface PurgeResult {
  learnersCleared: number;
  jobsCancelled: number;
}

/**
 * Forgets every learner's name and email (and where and when they came from), cancels every
 * enrichment job and turns enrichment off, in one transaction: afterwards Cairn holds no personal
 * data from Instruqt, and gathers none until an admin turns enrichment back on. The exclusive
 * lock waits for a worker's write in progress and keeps later ones out (they find their job gone
 * and write nothing).
 */
export async function purgePersonalData(actor: Actor, raw: unknown): Promise<PurgeResult> {
  purgeInput.parse(raw);
  return db().$transaction(
    async (tx) => {
      await lockPersonalDataExclusive(tx);
      await writeEnabled(tx, false);
      // Learners before jobs: the order ingest takes their locks in.
      const learnersCleared = await tx.$executeRaw`
        UPDATE learner
        SET first_name = NULL, last_name = NULL, email = NULL, enrichment_source = NULL, enriched_at = NULL
        WHERE first_name IS NOT NULL OR last_name IS NOT NULL OR email IS NOT NULL
           OR enrichment_source IS NOT NULL OR enriched_at IS NOT NULL`;
      const jobsCancelled = await deleteAllJobs(tx);
      await audit(tx, actor, "enrichment.purge", { learnersCleared, jobsCancelled, enrichment: "turned off" });
      return { learnersCleared, jobsCancelled };
    },
    { maxWait: 10_000, timeout: 300_000 },
  );
}
