import { z } from "zod";
import { recordAudit } from "@/lib/audit/log";
import type { Actor } from "@/lib/audit/actor";
import { decrypt, encrypt } from "@/lib/crypto/encryption";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { invalidateSecretCache } from "@/lib/webhooks/secrets";
import { isValidSigningSecret, secretHint } from "@/lib/webhooks/secret-format";
import { AppError, notFound } from "@/lib/http/errors";

/**
 * Managing the Svix signing secrets of the webhook endpoint (Settings → Webhook). The webhook
 * reads them through lib/webhooks/secrets.ts; every instance sees a change within its 3 s cache,
 * and the instance that made it at once.
 *
 * A rotation keeps the previous secret verifying for a grace period, because Svix may still be
 * delivering (or retrying) messages signed with it; after that it stops. Secrets past their grace
 * are deleted at the next change: nothing verifies with them any more, so their ciphertext has no
 * reason to stay.
 */

export const MAX_GRACE_HOURS = 24 * 30;

export const setSecretSchema = z.object({
  secret: z
    .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be text") })
    .trim()
    .refine(isValidSigningSecret, "must be whsec_ followed by the base64 of 24 to 64 bytes, as Instruqt shows it"),
  graceHours: z
    .number({ error: "must be a number of hours" })
    .min(0, "must be 0 or more")
    .max(MAX_GRACE_HOURS, `must be at most ${MAX_GRACE_HOURS} (30 days)`)
    .optional(),
});

export type SetSecretInput = z.infer<typeof setSecretSchema>;

export interface SecretView {
  id: string;
  hint: string;
  createdAt: Date;
  createdBy: string | null;
  /** null: the current secret, verifying until the next rotation. */
  expiresAt: Date | null;
  /** false when it cannot be decrypted with this instance's key (CAIRN_ENCRYPTION_KEY changed). */
  readable: boolean;
}

const activeWhere = (now: Date) => ({ OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] });

function isReadable(secretEncrypted: string): boolean {
  try {
    decrypt(secretEncrypted);
    return true;
  } catch {
    return false;
  }
}

/** The secrets that verify right now, newest first. */
export async function listActiveSecrets(now = new Date()): Promise<SecretView[]> {
  const rows = await db().webhookSecret.findMany({ where: activeWhere(now), orderBy: { createdAt: "desc" } });
  return rows.map((row) => ({
    id: row.id,
    hint: row.hint,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    expiresAt: row.expiresAt,
    readable: isReadable(row.secretEncrypted),
  }));
}

/** The newest secret that verifies now, in clear: what Cairn signs its own test events with. */
export async function newestActiveSecret(now = new Date()): Promise<string | null> {
  const rows = await db().webhookSecret.findMany({
    where: activeWhere(now),
    orderBy: { createdAt: "desc" },
    select: { secretEncrypted: true },
  });
  for (const row of rows) {
    try {
      return decrypt(row.secretEncrypted);
    } catch {
      // Written under another key: it cannot sign anything, try the next.
    }
  }
  return null;
}

export interface SetSecretResult {
  kind: "set" | "rotated";
  secret: SecretView;
  /** The secrets that were active before and now verify only until `previousExpireAt`. */
  previous: SecretView[];
  previousExpireAt: Date | null;
}

/**
 * Makes `secret` the current signing secret. With none active, it is simply the first; otherwise
 * every other active secret keeps verifying for `graceHours` (default CAIRN_SECRET_GRACE_HOURS;
 * never longer than it already had), then stops. Setting a secret that is still in its grace
 * period reinstates it; setting the current one again is refused (nothing would change).
 */
export async function setSigningSecret(actor: Actor, input: SetSecretInput, now = new Date()): Promise<SetSecretResult> {
  const secret = input.secret.trim();
  const graceHours = input.graceHours ?? env().CAIRN_SECRET_GRACE_HOURS;
  const graceEnd = new Date(now.getTime() + Math.round(graceHours * 3_600_000));
  const hint = secretHint(secret);

  const result = await db().$transaction(async (tx) => {
    // One change at a time: two rotations at once must not both leave a "current" secret.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('cairn:webhook-secret'))`;
    const active = await tx.webhookSecret.findMany({ where: activeWhere(now), orderBy: { createdAt: "desc" } });
    const same = active.filter((row) => isReadable(row.secretEncrypted) && decrypt(row.secretEncrypted) === secret);
    if (same.some((row) => row.expiresAt === null)) {
      throw new AppError(409, "already_current", "This is already the current signing secret.", "secret");
    }
    const others = active.filter((row) => !same.includes(row));

    const previous: SecretView[] = [];
    for (const row of others) {
      const expiresAt = row.expiresAt && row.expiresAt < graceEnd ? row.expiresAt : graceEnd;
      await tx.webhookSecret.update({ where: { id: row.id }, data: { expiresAt } });
      previous.push({ id: row.id, hint: row.hint, createdAt: row.createdAt, createdBy: row.createdBy, expiresAt, readable: isReadable(row.secretEncrypted) });
    }
    // The reinstated copy and everything past its grace: replaced, or verifying nothing any more.
    await tx.webhookSecret.deleteMany({
      where: { OR: [{ id: { in: same.map((row) => row.id) } }, { expiresAt: { lte: now } }] },
    });
    const created = await tx.webhookSecret.create({
      data: { secretEncrypted: encrypt(secret), hint, createdBy: actor.label, createdAt: now },
    });

    // Secrets already in a shorter grace keep it, so the latest end is what the log should say.
    const previousExpireAt = previous.length > 0 ? new Date(Math.max(...previous.map((p) => p.expiresAt!.getTime()))) : null;
    if (previous.length === 0) {
      await recordAudit(tx, actor, "webhook_secret.set", `webhook_secret:${created.id}`, { hint });
    } else {
      await recordAudit(tx, actor, "webhook_secret.rotated", `webhook_secret:${created.id}`, {
        hint,
        graceHours,
        previousHints: previous.map((p) => p.hint),
        previousExpireAt: previousExpireAt!.toISOString(),
        reinstated: same.length > 0,
      });
    }
    return {
      kind: previous.length === 0 ? ("set" as const) : ("rotated" as const),
      secret: { id: created.id, hint, createdAt: created.createdAt, createdBy: created.createdBy, expiresAt: null, readable: true },
      previous,
      previousExpireAt,
    };
  });
  invalidateSecretCache();
  return result;
}

/** Stops a secret verifying at once (within the 3 s cache on other instances). */
export async function removeSigningSecret(actor: Actor, id: string, now = new Date()): Promise<SecretView> {
  const removed = await db().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('cairn:webhook-secret'))`;
    const row = await tx.webhookSecret.findFirst({ where: { id, ...activeWhere(now) } });
    if (!row) throw notFound("An active signing secret with this id");
    await tx.webhookSecret.delete({ where: { id } });
    await recordAudit(tx, actor, "webhook_secret.removed", `webhook_secret:${id}`, {
      hint: row.hint,
      wasCurrent: row.expiresAt === null,
    });
    return { id: row.id, hint: row.hint, createdAt: row.createdAt, createdBy: row.createdBy, expiresAt: row.expiresAt, readable: true };
  });
  invalidateSecretCache();
  return removed;
}
