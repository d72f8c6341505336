import { decrypt } from "@/lib/crypto/encryption";
import { db, Prisma } from "@/lib/db/client";
import { backoffDelayMs, type BackoffPolicy } from "@/lib/enrichment/backoff";
import { env } from "@/lib/env";
import { completeJob } from "@/lib/jobs/queue";
import { DISPLAY_IDENTITY_SQL, identityJoins } from "@/lib/learners/display-identity";
import { wakeJobRunner, type FailurePlan, type JobHandler } from "@/lib/jobs/runner";
import type { LivePlay } from "@/lib/live/play";
import { sendEmail, sendWebhook, DeliveryError, WEBHOOK_TIMEOUT_MS } from "./deliver";
import {
  ALERT_DELIVERY_KIND,
  ALERT_EVALUATION_KIND,
  ensureEvaluationJob,
  evaluateAlerts,
  MIN_EVALUATION_GAP_MS,
  type DeliveryPayload,
} from "./evaluate";
import { alertEmail, dashboardBaseUrl, webhookPayload, type AlertFacts } from "./notification";
import type { AlertKind } from "./kinds";

/**
 * The two job kinds of alerting on the one queue (registered in lib/jobs/handlers.ts):
 *
 * - `alert_evaluation` (key `all`): recurring; evaluates the rules (./evaluate.ts) and comes back
 *   in CAIRN_ALERT_EVALUATE_SECONDS, or at once when a projection batch marked it while it ran.
 *   It never fails for good: a failure (the database away) retries within the interval.
 * - `alert_delivery` (key `<alert id>:webhook|email`): one notification; retried with backoff
 *   (sooner than enrichment's: an alert is worth most while the learner is still stuck), at most
 *   ALERT_MAX_ATTEMPTS times, then failed and listed on Settings → Alerts.
 */

/** 5 s, 10 s, 20 s … capped at 10 min (each with jitter): about 10 minutes over 8 attempts. */
export const ALERT_BACKOFF: BackoffPolicy = { baseMs: 5_000, maxMs: 600_000 };
export const ALERT_MAX_ATTEMPTS = 8;
export const ALERT_DELIVERY_CONCURRENCY = 4;

export interface EvaluationHandlerOptions {
  intervalMs?: number;
  random?: () => number;
}

export function alertEvaluationHandler(options: EvaluationHandlerOptions = {}): JobHandler<{ again?: boolean }> {
  const intervalMs = options.intervalMs ?? env().CAIRN_ALERT_EVALUATE_SECONDS * 1000;
  let ensured = false;
  return {
    kind: ALERT_EVALUATION_KIND,
    concurrency: 1,
    leaseMs: 120_000,
    // Its timer is its run_at; look at least that often (a short CAIRN_ALERT_EVALUATE_SECONDS).
    pollMs: Math.min(2_000, intervalMs),
    // Recurring and never given up: planFailure always retries.
    maxAttempts: 1_000_000,
    ready: async () => {
      // Once per runner: the job exists (and is due) whether or not a rule was made here.
      if (!ensured) {
        await ensureEvaluationJob(db());
        ensured = true;
      }
      return true;
    },
    async run(job) {
      const started = Date.now();
      const result = await evaluateAlerts();
      if (result.deliveries > 0) wakeJobRunner();
      const note =
        result.rules === 0
          ? "no alert rules"
          : `${result.rules} rule(s), ${result.plays} active play(s): ${result.opened} alert(s) opened, ${result.resolved} resolved`;
      await db().$transaction(async (tx) => {
        // Marked by a projection batch while this run read the board: come back soon.
        const [row] = await tx.$queryRaw<{ again: boolean | null }[]>`
          SELECT (payload->>'again')::boolean AS again FROM job WHERE id = ${job.id} AND locked_by = ${job.token} FOR UPDATE`;
        const rerunAt = row?.again ? new Date(Math.max(Date.now(), started + MIN_EVALUATION_GAP_MS)) : new Date(Date.now() + intervalMs);
        await completeJob(job, { rerunAt, payload: {}, note }, tx);
      });
      return "completed";
    },
    planFailure: (error, job): FailurePlan => {
      const message = error instanceof Error ? error.message : String(error);
      return { action: "retry", delayMs: Math.min(intervalMs, backoffDelayMs(job.attempts, ALERT_BACKOFF, options.random)), error: message };
    },
  };
}

interface DeliveryTarget {
  alert_id: string;
  rule_id: string;
  kind: AlertKind;
  detail: string;
  facts: LivePlay;
  webhook_url_ciphertext: string | null;
  email: string | null;
  signing_secret_ciphertext: string;
  learner_first_name: string | null;
  learner_last_name: string | null;
  learner_email: string | null;
}

/** The alert, its rule, and the learner as shown now (alerts keep no names or e-mails themselves). */
async function loadTarget(alertId: string): Promise<DeliveryTarget | null> {
  const rows = await db().$queryRaw<DeliveryTarget[]>`
    SELECT a.id::text AS alert_id, a.rule_id::text AS rule_id, a.kind::text AS kind, a.detail, a.facts,
           r.webhook_url_ciphertext, r.email, r.signing_secret_ciphertext,
           ${Prisma.raw(DISPLAY_IDENTITY_SQL.firstName)} AS learner_first_name, ${Prisma.raw(DISPLAY_IDENTITY_SQL.lastName)} AS learner_last_name,
           ${Prisma.raw(DISPLAY_IDENTITY_SQL.email)} AS learner_email
    FROM alert a JOIN alert_rule r ON r.id = a.rule_id
    ${Prisma.raw(identityJoins("(a.facts->>'user_id')"))}
    WHERE a.id = ${alertId}::uuid`;
  return rows[0] ?? null;
}

export interface DeliveryHandlerOptions {
  timeoutMs?: number;
  random?: () => number;
}

export function alertDeliveryHandler(options: DeliveryHandlerOptions = {}): JobHandler<DeliveryPayload> {
  return {
    kind: ALERT_DELIVERY_KIND,
    concurrency: ALERT_DELIVERY_CONCURRENCY,
    // One attempt lasts at most the webhook timeout (or nodemailer's): well within a minute.
    leaseMs: 60_000,
    maxAttempts: ALERT_MAX_ATTEMPTS,
    backoff: ALERT_BACKOFF,
    async run(job, { signal }) {
      const { alertId, channel } = job.payload;
      const target = await loadTarget(alertId);
      if (!target) return { note: "not sent: its alert rule was deleted" };
      const play: LivePlay = { ...target.facts, first_name: target.learner_first_name, last_name: target.learner_last_name, email: target.learner_email };
      const facts: AlertFacts = { id: target.alert_id, ruleId: target.rule_id, kind: target.kind, detail: target.detail, play };
      const { CAIRN_SMTP_URL, CAIRN_ALERT_FROM } = env();
      const baseUrl = dashboardBaseUrl(env());
      if (channel === "webhook") {
        if (!target.webhook_url_ciphertext) return { note: "not sent: the rule has no webhook URL" };
        const { status, ms } = await sendWebhook({
          url: decrypt(target.webhook_url_ciphertext),
          secret: decrypt(target.signing_secret_ciphertext),
          messageId: `msg_${alertId}`,
          body: JSON.stringify(webhookPayload(facts, baseUrl)),
          signal,
          timeoutMs: options.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
        });
        return { note: `HTTP ${status} in ${ms} ms` };
      }
      if (!target.email) return { note: "not sent: the rule has no e-mail address" };
      if (!CAIRN_SMTP_URL) throw new DeliveryError("CAIRN_SMTP_URL is not set on this instance: no SMTP server to send through");
      const mail = alertEmail(facts, baseUrl);
      const answer = await sendEmail({ smtpUrl: CAIRN_SMTP_URL, from: CAIRN_ALERT_FROM, to: target.email, ...mail, messageId: `<alert-${alertId}@cairn>` });
      return { note: `sent: ${answer}`.slice(0, 300) };
    },
    planFailure: (error, job): FailurePlan | null => {
      // A 429 says when to come back; still an attempt (a receiver that never stops refusing fails).
      if (error instanceof DeliveryError && error.retryAfterMs !== null && job.attempts < ALERT_MAX_ATTEMPTS) {
        const delayMs = Math.min(Math.max(error.retryAfterMs, backoffDelayMs(job.attempts, ALERT_BACKOFF, options.random)), 3600_000);
        return { action: "retry", delayMs, error: `attempt ${job.attempts}/${ALERT_MAX_ATTEMPTS}: ${error.message}` };
      }
      return null;
    },
  };
}
