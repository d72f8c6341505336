import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { enqueueJob, enqueueJobs } from "@/lib/jobs/queue";
import { readBoard } from "@/lib/live/board";
import type { LivePlay } from "@/lib/live/play";
import type { AlertKind } from "./kinds";
import { matchBoard, type RuleCondition } from "./rules";

/**
 * Alert evaluation: the rules against the live board, as one job on the one queue (kind
 * `alert_evaluation`, key `all`). It runs every CAIRN_ALERT_EVALUATE_SECONDS — being stuck
 * happens with no new event — and is pulled forward after each projection batch that wrote plays.
 *
 * One run: read the rules (none: done, nothing else is read); read the board once
 * (lib/live/board.ts, one set-based statement); match (./rules.ts, pure); then in one short
 * transaction resolve the open alerts whose condition no longer holds and open the new ones with
 * INSERT … ON CONFLICT DO NOTHING on the open-alert key — so a (rule, play, challenge) has one
 * alert, and one notification, while its condition holds, however many instances or re-runs
 * evaluate it — enqueueing each new alert's deliveries in that same transaction.
 */

type Tx = Prisma.TransactionClient;

export const ALERT_EVALUATION_KIND = "alert_evaluation";
export const ALERT_EVALUATION_KEY = "all";
export const ALERT_DELIVERY_KIND = "alert_delivery";
/** Between two evaluations pulled forward by projection batches, at least this long. */
export const MIN_EVALUATION_GAP_MS = 1_000;
/** Resolved alerts and finished notifications are kept this long (the settings page lists the newest). */
export const ALERT_RETENTION_DAYS = 30;

export type DeliveryChannel = "webhook" | "email";

/** What a delivery job carries: which alert, by which channel (key `<alert id>:<channel>`). */
export interface DeliveryPayload {
  alertId: string;
  ruleId: string;
  channel: DeliveryChannel;
}

export const deliveryKey = (alertId: string, channel: DeliveryChannel) => `${alertId}:${channel}`;

/**
 * Makes the evaluation job exist and due now: at rule creation (inside its transaction) and when
 * a runner starts. Re-arming also brings back a job left failed or done by an older version.
 */
export async function ensureEvaluationJob(client: Tx): Promise<void> {
  await enqueueJob(client, { kind: ALERT_EVALUATION_KIND, key: ALERT_EVALUATION_KEY, onConflict: "rearm" });
}

/**
 * After a projection batch that wrote plays: the evaluation runs soon rather than at its next
 * tick — no earlier than MIN_EVALUATION_GAP_MS after the last run ended, so steady ingest does not
 * evaluate back to back. A run in progress may have read the board before the batch committed:
 * it is marked (`again`) and comes back at once when it ends. One statement on one row, and
 * nothing when no rule exists.
 */
export async function pullEvaluationForward(): Promise<number> {
  return db().$executeRaw`
    UPDATE job SET
      run_at = CASE WHEN status = 'pending'
                    THEN GREATEST(now(), COALESCE(finished_at, now()) + make_interval(secs => ${MIN_EVALUATION_GAP_MS / 1000}::double precision))
                    ELSE run_at END,
      payload = CASE WHEN status = 'running' THEN payload || '{"again": true}'::jsonb ELSE payload END,
      updated_at = now()
    WHERE kind = ${ALERT_EVALUATION_KIND} AND key = ${ALERT_EVALUATION_KEY}
      AND ((status = 'pending'
            AND run_at > GREATEST(now(), COALESCE(finished_at, now()) + make_interval(secs => ${MIN_EVALUATION_GAP_MS / 1000}::double precision)))
        OR (status = 'running' AND NOT COALESCE((payload->>'again')::boolean, false)))
      AND EXISTS (SELECT 1 FROM alert_rule)`;
}

interface RuleRow extends RuleCondition {
  /** Whether the rule sends webhooks (the URL itself stays encrypted until a delivery sends one). */
  hasWebhook: boolean;
  email: string | null;
}

async function loadRules(): Promise<RuleRow[]> {
  const rows = await db().alertRule.findMany({
    select: { id: true, kind: true, threshold: true, trackId: true, trackKey: true, inviteId: true, webhookUrlHint: true, email: true },
  });
  return rows.map(({ webhookUrlHint, ...row }) => ({ ...row, kind: row.kind as AlertKind, hasWebhook: webhookUrlHint !== null }));
}

export interface EvaluationResult {
  rules: number;
  plays: number;
  opened: number;
  resolved: number;
  /** Delivery jobs enqueued (one per new alert and channel). */
  deliveries: number;
}

let lastPruneAt = 0;
const PRUNE_EVERY_MS = 3600_000;

/** Resolved alerts and finished notifications past the retention: at most once an hour per process. */
async function pruneOld(now: Date): Promise<void> {
  if (now.getTime() - lastPruneAt < PRUNE_EVERY_MS) return;
  lastPruneAt = now.getTime();
  const days = ALERT_RETENTION_DAYS;
  await db().$executeRaw`DELETE FROM alert WHERE resolved_at < now() - make_interval(days => ${days}::int)`;
  await db().$executeRaw`
    DELETE FROM job WHERE kind = ${ALERT_DELIVERY_KIND} AND status IN ('done', 'failed')
      AND updated_at < now() - make_interval(days => ${days}::int)`;
}

export async function evaluateAlerts(options: { now?: Date } = {}): Promise<EvaluationResult> {
  const rules = await loadRules();
  if (rules.length === 0) return { rules: 0, plays: 0, opened: 0, resolved: 0, deliveries: 0 };
  const now = options.now ?? new Date();
  const board = await readBoard({}, { now });
  const matches = matchBoard(rules, board);
  const byId = new Map(rules.map((rule) => [rule.id, rule]));
  const col = <T>(pick: (match: (typeof matches)[number]) => T) => matches.map(pick);
  // The play as the board showed it, without the learner's name and e-mail: those are read when
  // shown or sent (lib/learners/display-identity.ts), so purging personal data reaches alerts too.
  const facts = (play: LivePlay) => JSON.stringify({ ...play, first_name: null, last_name: null, email: null });

  const result = await db().$transaction(async (tx) => {
    // The open alerts of these rules that nothing on the board matches any more: the play left
    // the board, moved to another challenge, or the condition went away (sandbox created again).
    const resolved = await tx.$executeRaw`
      UPDATE alert a SET resolved_at = now()
      WHERE a.resolved_at IS NULL
        AND a.rule_id = ANY(${rules.map((rule) => rule.id)}::uuid[])
        AND NOT EXISTS (
          SELECT 1 FROM unnest(${col((m) => m.ruleId)}::uuid[], ${col((m) => m.participantId)}::text[], ${col((m) => m.challengeKey)}::text[])
            AS m(rule_id, participant_id, challenge_key)
          WHERE m.rule_id = a.rule_id AND m.participant_id = a.participant_id AND m.challenge_key = a.challenge_key)`;
    if (matches.length === 0) return { opened: 0, resolved, deliveries: 0 };
    // Only rules that still exist (one deleted since they were read opens nothing).
    const opened = await tx.$queryRaw<{ id: string; rule_id: string }[]>`
      INSERT INTO alert (id, rule_id, participant_id, challenge_key, kind, detail, facts)
      SELECT gen_random_uuid(), m.rule_id, m.participant_id, m.challenge_key, m.kind::"AlertKind", m.detail, m.facts::jsonb
      FROM unnest(${col((m) => m.ruleId)}::uuid[], ${col((m) => m.participantId)}::text[], ${col((m) => m.challengeKey)}::text[],
                  ${col((m) => m.kind)}::text[], ${col((m) => m.detail)}::text[], ${col((m) => facts(m.play))}::text[])
        AS m(rule_id, participant_id, challenge_key, kind, detail, facts)
      WHERE EXISTS (SELECT 1 FROM alert_rule r WHERE r.id = m.rule_id)
      ON CONFLICT (rule_id, participant_id, challenge_key) WHERE resolved_at IS NULL DO NOTHING
      RETURNING id::text AS id, rule_id::text AS rule_id`;
    const jobs: { key: string; payload: DeliveryPayload }[] = [];
    for (const alert of opened) {
      const rule = byId.get(alert.rule_id);
      if (!rule) continue;
      if (rule.hasWebhook) jobs.push({ key: deliveryKey(alert.id, "webhook"), payload: { alertId: alert.id, ruleId: rule.id, channel: "webhook" } });
      if (rule.email) jobs.push({ key: deliveryKey(alert.id, "email"), payload: { alertId: alert.id, ruleId: rule.id, channel: "email" } });
    }
    const deliveries = await enqueueJobs(tx, ALERT_DELIVERY_KIND, jobs);
    return { opened: opened.length, resolved, deliveries: deliveries.length };
  });
  await pruneOld(now).catch((error) => console.error("[alerts] pruning old alerts failed:", error instanceof Error ? error.message : error));
  return { rules: rules.length, plays: board.length, ...result };
}
