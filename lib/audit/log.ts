import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { Role } from "@/lib/auth/users";
import type { Actor } from "./actor";

/**
 * The audit log: who changed which setting, when. Each action has a fixed shape of details, so a
 * secret value or a password cannot end up in it by accident; a runtime check backs that up for
 * values that merely look like one.
 */

export interface AuditDetails {
  "webhook_secret.set": { hint: string };
  /** `reinstated`: the new secret is one that was still verifying in its grace period. */
  "webhook_secret.rotated": { hint: string; graceHours: number; previousHints: string[]; previousExpireAt: string; reinstated: boolean };
  "webhook_secret.removed": { hint: string; wasCurrent: boolean };
  "webhook.test_sent": { eventType: string; url: string; status: number | null; latencyMs: number | null; error: string | null };
  "user.created": { email: string; role: Role; passwordGenerated: boolean };
  "user.role_changed": { email: string; from: Role; to: Role };
  "user.disabled": { email: string };
  "user.enabled": { email: string };
  "user.password_reset": { email: string; passwordGenerated: boolean };
  "token.created": { name: string; prefix: string; scope: string };
  "token.revoked": { name: string; prefix: string };
  "enrichment.settings.update": EnrichmentAuditDetails;
  "enrichment.settings.seeded": EnrichmentAuditDetails;
  "enrichment.pause.lift": EnrichmentAuditDetails;
  "enrichment.jobs.retry_failed": EnrichmentAuditDetails;
  "enrichment.jobs.rerun": EnrichmentAuditDetails;
  "enrichment.purge": EnrichmentAuditDetails;
  "enrichment.connection_test": EnrichmentAuditDetails;
  "backfill.started": { from: string; to: string; tracks: string[]; invites: string[] };
  /** Each role's parameter keys, comma-separated, before and after. */
  "identity.parameters.update": IdentityAuditDetails;
  "identity.parameters.seeded": IdentityAuditDetails;
  "catalogue.titles.update": EnrichmentAuditDetails;
  "catalogue.refresh": EnrichmentAuditDetails;
  "alert.rule.create": AlertRuleAuditDetails;
  "alert.rule.delete": AlertRuleAuditDetails;
}

/** An alert rule as the audit log keeps it: never its signing secret; a webhook URL by its origin only. */
export interface AlertRuleAuditDetails {
  kind: string;
  threshold: number;
  track: string | null;
  invite: string | null;
  webhook: string | null;
  email: string | null;
}

/** Each role's parameter keys, comma-separated, before and after. */
export type IdentityAuditDetails = Record<"name" | "email" | "identifier", { from: string; to: string }>;

/** Enrichment records which settings changed and counts; never key material (checked below too). */
export type EnrichmentAuditDetails = Record<string, string | number | boolean | null | Record<string, string | boolean | null>>;

export type AuditAction = keyof AuditDetails;

/** Every action with the label the audit page filters by. */
export const auditActionLabels: Record<AuditAction, string> = {
  "webhook_secret.set": "Signing secret set",
  "webhook_secret.rotated": "Signing secret rotated",
  "webhook_secret.removed": "Signing secret removed",
  "webhook.test_sent": "Test event sent",
  "user.created": "User created",
  "user.role_changed": "User role changed",
  "user.disabled": "User disabled",
  "user.enabled": "User enabled",
  "user.password_reset": "Password reset",
  "token.created": "API token created",
  "token.revoked": "API token revoked",
  "enrichment.settings.update": "Enrichment settings changed",
  "enrichment.settings.seeded": "Enrichment settings seeded from the environment",
  "enrichment.pause.lift": "Enrichment resumed",
  "enrichment.jobs.retry_failed": "Failed enrichment jobs retried",
  "enrichment.jobs.rerun": "Enrichment re-run",
  "enrichment.purge": "Personal data purged",
  "enrichment.connection_test": "Enrichment connection tested",
  "backfill.started": "Backfill from play reports started",
  "identity.parameters.update": "Identity parameters changed",
  "identity.parameters.seeded": "Identity parameters seeded from the environment",
  "catalogue.titles.update": "Track titles set by hand",
  "catalogue.refresh": "Track titles refreshed",
  "alert.rule.create": "Alert rule created",
  "alert.rule.delete": "Alert rule deleted",
};

export const auditActions = Object.keys(auditActionLabels) as AuditAction[];

export const isAuditAction = (value: string): value is AuditAction => Object.hasOwn(auditActionLabels, value);

/** Svix secrets (whsec_ + base64) and Cairn API tokens (cairn_ + base64url) as they appear in clear. */
const SECRET_LOOKING = [/whsec_[A-Za-z0-9+/]{32,}/, /cairn_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/];

export class AuditLeakError extends Error {}

function assertNothingSecret(details: object): void {
  const text = JSON.stringify(details);
  if (SECRET_LOOKING.some((pattern) => pattern.test(text))) {
    throw new AuditLeakError("refusing to write a secret value into the audit log");
  }
}

type AuditWriter = Pick<Prisma.TransactionClient, "auditLog">;

/** Records an entry; pass the transaction of the change so both commit or neither does. */
export async function recordAudit<A extends AuditAction>(
  client: AuditWriter,
  actor: Actor,
  action: A,
  target: string | null,
  details: AuditDetails[A],
): Promise<void> {
  assertNothingSecret(details);
  await client.auditLog.create({
    data: { actorId: actor.id, actorEmail: actor.label, action, target, details: details as Prisma.InputJsonObject },
  });
}

export interface AuditEntry {
  id: string;
  createdAt: Date;
  actorId: string | null;
  actor: string | null;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

export interface AuditPage {
  entries: AuditEntry[];
  page: number;
  pageSize: number;
  total: number;
  pageCount: number;
}

export const AUDIT_PAGE_SIZE = 50;

/** Newest first. Offset paging is fine here: the log grows by admin actions, not by traffic. */
export async function listAuditEntries({
  action,
  page = 1,
  pageSize = AUDIT_PAGE_SIZE,
}: { action?: AuditAction; page?: number; pageSize?: number } = {}): Promise<AuditPage> {
  const where = action ? { action } : {};
  const [total, rows] = await db().$transaction([
    db().auditLog.count({ where }),
    db().auditLog.findMany({ where, orderBy: { id: "desc" }, skip: (page - 1) * pageSize, take: pageSize }),
  ]);
  return {
    entries: rows.map((row) => ({
      id: row.id.toString(),
      createdAt: row.createdAt,
      actorId: row.actorId,
      actor: row.actorEmail,
      action: row.action,
      target: row.target,
      details: row.details && typeof row.details === "object" && !Array.isArray(row.details) ? (row.details as Record<string, unknown>) : {},
    })),
    page,
    pageSize,
    total,
    pageCount: Math.max(1, Math.ceil(total / pageSize)),
  };
}
