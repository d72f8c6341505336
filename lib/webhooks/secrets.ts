import { commandActor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/log";
import { db } from "@/lib/db/client";
import { decrypt, encrypt } from "@/lib/crypto/encryption";
import { env } from "@/lib/env";
import { secretHint } from "./secret-format";

export { isValidSigningSecret, secretHint } from "./secret-format";

/**
 * Active Svix signing secrets. Several verify at once during a rotation. Secrets live in the
 * database so a change reaches every app instance; each instance caches them for a few seconds.
 * Expiry is checked on every use, so a rotated-out secret stops verifying at its exact end.
 */

const CACHE_TTL_MS = 3_000;
const SEEDED_FLAG = "webhook_secret_seeded";

interface CachedSecret {
  secret: string;
  expiresAt: Date | null;
}

/**
 * Process-wide, on globalThis: the production server (scripts/server.ts) and Next's bundle each
 * load their own copy of this module, and a change saved in Settings (Next's copy) must reach the
 * webhook (the server's copy) at once, not after the cache's lifetime.
 */
interface SecretState {
  cache: { secrets: CachedSecret[]; loadedAt: number } | undefined;
  seeding: Promise<boolean> | undefined;
}
const STATE = Symbol.for("cairn.webhooks.secrets");
const store = globalThis as unknown as Record<typeof STATE, SecretState | undefined>;
const state = (store[STATE] ??= { cache: undefined, seeding: undefined });

export function invalidateSecretCache(): void {
  state.cache = undefined;
}

/**
 * At first start, INSTRUQT_WEBHOOK_SECRET seeds the table once; afterwards the table (managed in
 * Settings → Webhook) is the only source, so removing the variable or rotating in the UI wins.
 */
export async function seedSecretFromEnvironment(): Promise<boolean> {
  const secret = env().INSTRUQT_WEBHOOK_SECRET;
  if (!secret) return false;
  return db().$transaction(async (tx) => {
    const claimed = await tx.setting.createMany({
      data: [{ key: SEEDED_FLAG, value: { at: new Date().toISOString() } }],
      skipDuplicates: true,
    });
    if (claimed.count === 0) return false;
    const created = await tx.webhookSecret.create({
      data: { secretEncrypted: encrypt(secret), hint: secretHint(secret), createdBy: "INSTRUQT_WEBHOOK_SECRET" },
      select: { id: true, hint: true },
    });
    // Recorded like a secret set in Settings → Webhook, by its hint only.
    await recordAudit(tx, commandActor("INSTRUQT_WEBHOOK_SECRET"), "webhook_secret.set", `webhook_secret:${created.id}`, { hint: created.hint });
    return true;
  });
}

async function loadActiveSecrets(): Promise<CachedSecret[]> {
  state.seeding ??= seedSecretFromEnvironment().catch((error) => {
    state.seeding = undefined;
    throw error;
  });
  await state.seeding;
  const rows = await db().webhookSecret.findMany({
    where: { OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] },
    orderBy: { createdAt: "desc" },
    select: { secretEncrypted: true, expiresAt: true },
  });
  // A secret stored under another encryption key (CAIRN_ENCRYPTION_KEY changed) cannot verify
  // anything; skipping it keeps the readable ones working instead of refusing every delivery.
  // Settings → Webhook marks it unreadable so an admin can remove it.
  return rows.flatMap((row) => {
    try {
      return [{ secret: decrypt(row.secretEncrypted), expiresAt: row.expiresAt }];
    } catch {
      console.error("[webhook] a stored signing secret cannot be decrypted with the current key; skipping it");
      return [];
    }
  });
}

export async function activeSigningSecrets(): Promise<string[]> {
  const now = Date.now();
  if (!state.cache || now - state.cache.loadedAt >= CACHE_TTL_MS) {
    state.cache = { secrets: await loadActiveSecrets(), loadedAt: now };
  }
  return state.cache.secrets
    .filter(({ expiresAt }) => expiresAt === null || expiresAt.getTime() > now)
    .map(({ secret }) => secret);
}
