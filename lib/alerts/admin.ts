import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Actor } from "@/lib/audit/actor";
import { recordAudit, type AlertRuleAuditDetails } from "@/lib/audit/log";
import { encrypt } from "@/lib/crypto/encryption";
import { db } from "@/lib/db/client";
import { emailAddress } from "@/lib/email";
import { env } from "@/lib/env";
import { AppError, notFound } from "@/lib/http/errors";
import { isUuid } from "@/lib/http/ids";
import { BAD_TEXT_MESSAGE, isStorableText } from "@/lib/http/text";
import { wakeJobRunner } from "@/lib/jobs/runner";
import { resolveTrackId } from "@/lib/plays/filter";
import { ALERT_DELIVERY_KIND, ensureEvaluationJob } from "./evaluate";
import { ALERT_KINDS, MAX_THRESHOLD, type AlertKind } from "./kinds";
import { webhookUrlHint } from "./webhook-hint";

/**
 * Alert rules as admins manage them (Settings → Alerts, /api/settings/alerts): validated input,
 * a signing secret made and shown once (only its ciphertext is kept), every change audited, and
 * the recent notifications read back from the job queue.
 */

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

/** "" and null both mean "not given" (forms send empty fields). */
const blankToNull = (value: unknown) => (value === "" || value === undefined ? null : value);

const optionalText = (what: string, max: number) =>
  z.preprocess(
    blankToNull,
    z
      .string({ error: `must be a ${what} (text) or null` })
      .trim()
      .min(1, `must be a ${what} (text) or null`)
      .max(max, `must be at most ${max} characters`)
      .refine(isStorableText, BAD_TEXT_MESSAGE)
      .nullable(),
  );

/** An absolute http(s) URL. Loopback and private addresses are allowed: receivers are often self-hosted. */
const webhookUrl = z.preprocess(
  blankToNull,
  z
    .string({ error: "must be an http(s) URL or null" })
    .trim()
    .max(2_000, "must be at most 2000 characters")
    .superRefine((value, context) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        context.addIssue({ code: "custom", message: "must be an absolute http:// or https:// URL" });
        return;
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        context.addIssue({ code: "custom", message: "must be an absolute http:// or https:// URL" });
      } else if (url.username || url.password) {
        context.addIssue({ code: "custom", message: "must not contain a user name or password (put a token in the path or query instead)" });
      }
    })
    .nullable(),
);

const thresholdField = z.preprocess(
  (value) => (value === "" || value === undefined ? null : value),
  z
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .positive("must be at least 1")
    .nullable(),
);

export const createAlertRuleInput = z
  .strictObject(
    {
      kind: z.enum(ALERT_KINDS, { error: `must be one of ${ALERT_KINDS.join(", ")}` }),
      threshold: thresholdField,
      track: optionalText("track slug or id", 200),
      invite: optionalText("invite id", 200),
      webhook_url: webhookUrl,
      email: z.preprocess(blankToNull, emailAddress.nullable()),
    },
    { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : undefined) },
  )
  .superRefine((value, context) => {
    if (value.kind === "sandbox_failed") {
      if (value.threshold !== null && value.threshold !== 1) {
        context.addIssue({ code: "custom", path: ["threshold"], message: "sandbox_failed has no threshold: omit it (or send 1)" });
      }
    } else if (value.threshold === null) {
      const unit = value.kind === "stuck" ? "minutes on one challenge" : "failed checks on one challenge";
      context.addIssue({ code: "custom", path: ["threshold"], message: `is required for ${value.kind}: ${unit}` });
    } else if (value.threshold > MAX_THRESHOLD[value.kind]) {
      const unit = value.kind === "stuck" ? "minutes (a week)" : "failed checks";
      context.addIssue({ code: "custom", path: ["threshold"], message: `must be at most ${MAX_THRESHOLD[value.kind]} ${unit}` });
    }
    if (value.webhook_url === null && value.email === null) {
      context.addIssue({ code: "custom", path: ["webhook_url"], message: "give a webhook_url, an email, or both: where to send the alert" });
    }
  });

export type CreateAlertRuleInput = z.input<typeof createAlertRuleInput>;

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

export interface AlertRuleView {
  id: string;
  kind: AlertKind;
  threshold: number;
  track: string | null;
  invite: string | null;
  /** The webhook URL's origin and last characters ("https://hooks.slack.com/…x9Qz"); the URL is not shown again. */
  webhook_url_hint: string | null;
  email: string | null;
  created_at: string;
}

/** A new rule's signing secret: whsec_ + base64 of 32 random bytes (the Standard Webhooks form). */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** What the audit log says about a destination: an e-mail address, and a webhook URL's origin only. */
export function auditDetailsOf(rule: { kind: AlertKind; threshold: number; trackKey: string | null; inviteId: string | null; webhookUrlHint: string | null; email: string | null }): AlertRuleAuditDetails {
  return {
    kind: rule.kind,
    threshold: rule.threshold,
    track: rule.trackKey,
    invite: rule.inviteId,
    webhook: rule.webhookUrlHint ? `${new URL(rule.webhookUrlHint).origin}/…` : null,
    email: rule.email,
  };
}

const ruleView = (row: {
  id: string;
  kind: AlertKind;
  threshold: number;
  trackKey: string | null;
  inviteId: string | null;
  webhookUrlHint: string | null;
  email: string | null;
  createdAt: Date;
}): AlertRuleView => ({
  id: row.id,
  kind: row.kind,
  threshold: row.threshold,
  track: row.trackKey,
  invite: row.inviteId,
  webhook_url_hint: row.webhookUrlHint,
  email: row.email,
  created_at: row.createdAt.toISOString(),
});

const RULE_COLUMNS = { id: true, kind: true, threshold: true, trackKey: true, inviteId: true, webhookUrlHint: true, email: true, createdAt: true } as const;

/** Every rule, newest first; never its secret. */
export async function listAlertRules(): Promise<AlertRuleView[]> {
  const rows = await db().alertRule.findMany({ select: RULE_COLUMNS, orderBy: [{ createdAt: "desc" }, { id: "asc" }] });
  return rows.map(ruleView);
}

/** Whether alert e-mails can be sent from this configuration (CAIRN_SMTP_URL set). */
export const emailConfigured = (): boolean => Boolean(env().CAIRN_SMTP_URL);

/**
 * Creates a rule and answers its id and signing secret — the only time the secret leaves the
 * server. The evaluation job is (re)armed in the same transaction, so the new rule is evaluated
 * at once, by whichever instance runs the job runner.
 */
export async function createAlertRule(actor: Actor, raw: unknown): Promise<{ id: string; signing_secret: string }> {
  const input = createAlertRuleInput.parse(raw);
  if (input.email !== null && !emailConfigured()) {
    throw new AppError(400, "email_not_configured", "e-mail alerts need an SMTP server: set CAIRN_SMTP_URL on the server (or use webhook_url)", "email");
  }
  const secret = newSigningSecret();
  const trackId = input.track === null ? null : await resolveTrackId(input.track);
  const data = {
    kind: input.kind,
    threshold: input.kind === "sandbox_failed" ? 1 : input.threshold!,
    trackKey: input.track,
    trackId,
    inviteId: input.invite,
    webhookUrlHint: input.webhook_url === null ? null : webhookUrlHint(input.webhook_url),
    email: input.email,
  };
  const created = await db().$transaction(async (tx) => {
    const rule = await tx.alertRule.create({
      data: {
        ...data,
        webhookUrlCiphertext: input.webhook_url === null ? null : encrypt(input.webhook_url),
        signingSecretCiphertext: encrypt(secret),
        createdById: actor.id,
        createdBy: actor.label,
      },
      select: { id: true },
    });
    await recordAudit(tx, actor, "alert.rule.create", `alert_rule:${rule.id}`, auditDetailsOf(data));
    await ensureEvaluationJob(tx);
    return rule;
  });
  wakeJobRunner();
  return { id: created.id, signing_secret: secret };
}

/**
 * Deletes a rule with its alerts (cascade) and its notifications not yet sent; those already
 * sent or failed stay listed (their job rows) until pruned.
 */
export async function deleteAlertRule(actor: Actor, id: string): Promise<void> {
  if (!isUuid(id)) throw notFound("An alert rule with this id");
  await db().$transaction(async (tx) => {
    const rule = await tx.alertRule.findUnique({ where: { id }, select: { ...RULE_COLUMNS } });
    if (!rule) throw notFound("An alert rule with this id");
    await tx.$executeRaw`DELETE FROM job WHERE kind = ${ALERT_DELIVERY_KIND} AND status = 'pending' AND payload->>'ruleId' = ${id}`;
    // Conditional: of two concurrent deletions only one removes the row and writes the audit.
    const { count } = await tx.alertRule.deleteMany({ where: { id } });
    if (count === 0) throw notFound("An alert rule with this id");
    await recordAudit(tx, actor, "alert.rule.delete", `alert_rule:${id}`, auditDetailsOf(rule));
  });
}

// ---------------------------------------------------------------------------------------------
// Recent notifications (the delivery jobs)
// ---------------------------------------------------------------------------------------------

export interface NotificationView {
  id: string;
  alert_id: string;
  rule_id: string;
  channel: "webhook" | "email";
  /** The e-mail address, or the webhook URL's hint; null when the rule was deleted since. */
  destination: string | null;
  status: "pending" | "running" | "done" | "failed";
  attempts: number;
  last_error: string | null;
  /** What the receiver answered on success ("HTTP 200 in 35 ms", "250 OK …"). */
  note: string | null;
  /** For a pending notification: when its next attempt is due. */
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
  /** What the alert was about; null when its rule (and so the alert) was deleted since. */
  participant_id: string | null;
  kind: AlertKind | null;
  detail: string | null;
}

/** The newest notifications (one per alert and channel), newest change first. */
export async function recentNotifications(limit = 50): Promise<NotificationView[]> {
  const rows = await db().$queryRaw<
    {
      id: bigint;
      key: string;
      payload: { alertId?: string; ruleId?: string; channel?: "webhook" | "email" };
      status: NotificationView["status"];
      attempts: number;
      last_error: string | null;
      note: string | null;
      run_at: Date;
      created_at: Date;
      updated_at: Date;
      webhook_url_hint: string | null;
      email: string | null;
      participant_id: string | null;
      kind: AlertKind | null;
      detail: string | null;
    }[]
  >`
    SELECT j.id, j.key, j.payload, j.status::text AS status, j.attempts, j.last_error, j.note, j.run_at, j.created_at, j.updated_at,
           r.webhook_url_hint, r.email, a.participant_id, a.kind::text AS kind, a.detail
    FROM (SELECT * FROM job WHERE kind = ${ALERT_DELIVERY_KIND} ORDER BY updated_at DESC, id DESC LIMIT ${limit}) j
    LEFT JOIN alert a ON a.id = (j.payload->>'alertId')::uuid
    LEFT JOIN alert_rule r ON r.id = (j.payload->>'ruleId')::uuid
    ORDER BY j.updated_at DESC, j.id DESC`;
  return rows.map((row) => {
    const channel = row.payload.channel ?? (row.key.endsWith(":email") ? "email" : "webhook");
    return {
      id: String(row.id),
      alert_id: row.payload.alertId ?? row.key.split(":")[0]!,
      rule_id: row.payload.ruleId ?? "",
      channel,
      destination: channel === "email" ? row.email : row.webhook_url_hint,
      status: row.status,
      attempts: row.attempts,
      last_error: row.last_error,
      note: row.note,
      next_attempt_at: row.status === "pending" ? row.run_at.toISOString() : null,
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
      participant_id: row.participant_id,
      kind: row.kind,
      detail: row.detail,
    };
  });
}
