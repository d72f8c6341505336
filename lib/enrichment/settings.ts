import { z } from "zod";
import { decrypt, encrypt } from "@/lib/crypto/encryption";
import { db, type Prisma } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { DEFAULT_GRAPHQL_URL } from "./config";

/**
 * Enrichment settings live in the `setting` table (so every instance sees a change), one row per
 * concern so that saving one never overwrites another written at the same moment:
 *
 *   enrichment.enabled       boolean
 *   enrichment.graphql_url   string
 *   enrichment.api_key       { ciphertext, hint, setAt }  — AES-256-GCM, never returned in clear
 *   enrichment.paused        { reason, message, status, at } — set by the worker on 401/403
 *   enrichment_seeded        flag: the environment seeded the settings once
 */

type Tx = Prisma.TransactionClient;

export const SETTING_KEYS = {
  enabled: "enrichment.enabled",
  graphqlUrl: "enrichment.graphql_url",
  apiKey: "enrichment.api_key",
  paused: "enrichment.paused",
  seeded: "enrichment_seeded",
} as const;

const storedApiKey = z.object({ ciphertext: z.string(), hint: z.string(), setAt: z.string() });
const storedPause = z.object({
  reason: z.literal("auth"),
  message: z.string(),
  status: z.number().nullable(),
  at: z.string(),
});

export type PauseInfo = z.infer<typeof storedPause>;

export interface EnrichmentSettings {
  enabled: boolean;
  graphqlUrl: string;
  /** What may be shown of the key: never the key itself. */
  apiKey: { hint: string; setAt: string } | null;
  paused: PauseInfo | null;
}

export interface EnrichmentCredentials {
  url: string;
  apiKey: string;
}

/** The last four characters, for recognising a key: only for keys long enough to spare them. */
export function apiKeyHint(apiKey: string): string {
  return apiKey.length >= 16 ? `••••${apiKey.slice(-4)}` : "••••";
}

export function defaultGraphqlUrl(): string {
  return env().INSTRUQT_GRAPHQL_URL ?? DEFAULT_GRAPHQL_URL;
}

async function readRows(client: Tx | ReturnType<typeof db> = db()) {
  const rows = await client.setting.findMany({ where: { key: { in: Object.values(SETTING_KEYS) } } });
  return new Map(rows.map((row) => [row.key, row.value as unknown]));
}

function parseSettings(rows: Map<string, unknown>): EnrichmentSettings & { ciphertext: string | null } {
  const key = storedApiKey.safeParse(rows.get(SETTING_KEYS.apiKey));
  const pause = storedPause.safeParse(rows.get(SETTING_KEYS.paused));
  const url = rows.get(SETTING_KEYS.graphqlUrl);
  return {
    enabled: rows.get(SETTING_KEYS.enabled) === true,
    graphqlUrl: typeof url === "string" && url ? url : defaultGraphqlUrl(),
    apiKey: key.success ? { hint: key.data.hint, setAt: key.data.setAt } : null,
    paused: pause.success ? pause.data : null,
    ciphertext: key.success ? key.data.ciphertext : null,
  };
}

export async function loadEnrichmentSettings(client?: Tx): Promise<EnrichmentSettings> {
  const { enabled, graphqlUrl, apiKey, paused } = parseSettings(await readRows(client));
  return { enabled, graphqlUrl, apiKey, paused };
}

export class ApiKeyUnreadableError extends AppError {
  constructor() {
    super(
      409,
      "conflict",
      "The saved Instruqt API key cannot be decrypted: CAIRN_ENCRYPTION_KEY (or NEXTAUTH_SECRET, which it defaults to) changed since it was saved. Save the key again in Settings → Enrichment.",
    );
  }
}

function decryptApiKey(ciphertext: string): string {
  try {
    return decrypt(ciphertext);
  } catch {
    throw new ApiKeyUnreadableError();
  }
}

/**
 * What the worker needs to run: null unless enrichment is on, a key is set and the worker is not
 * paused after Instruqt refused the key.
 */
export async function activeCredentials(): Promise<EnrichmentCredentials | null> {
  const settings = parseSettings(await readRows());
  if (!settings.enabled || !settings.ciphertext || settings.paused) return null;
  return { url: settings.graphqlUrl, apiKey: decryptApiKey(settings.ciphertext) };
}

/** The saved URL and key (whatever enabled/paused say), for "Test connection". */
export async function savedCredentials(): Promise<{ url: string; apiKey: string | null }> {
  const settings = parseSettings(await readRows());
  return { url: settings.graphqlUrl, apiKey: settings.ciphertext ? decryptApiKey(settings.ciphertext) : null };
}

async function put(tx: Tx, key: string, value: Prisma.InputJsonValue): Promise<void> {
  await tx.setting.upsert({ where: { key }, create: { key, value }, update: { value } });
}

export async function writeEnabled(tx: Tx, enabled: boolean): Promise<void> {
  await put(tx, SETTING_KEYS.enabled, enabled);
}

export async function writeGraphqlUrl(tx: Tx, url: string): Promise<void> {
  await put(tx, SETTING_KEYS.graphqlUrl, url);
}

export async function writeApiKey(tx: Tx, apiKey: string | null): Promise<void> {
  if (apiKey === null) {
    await tx.setting.deleteMany({ where: { key: SETTING_KEYS.apiKey } });
    return;
  }
  await put(tx, SETTING_KEYS.apiKey, { ciphertext: encrypt(apiKey), hint: apiKeyHint(apiKey), setAt: new Date().toISOString() });
}

export async function clearPause(tx: Tx): Promise<void> {
  await tx.setting.deleteMany({ where: { key: SETTING_KEYS.paused } });
}

/** The worker stops asking Instruqt until an admin changes the settings or a connection test passes. */
export async function pauseForAuthFailure(message: string, status: number | null): Promise<void> {
  const value: PauseInfo = { reason: "auth", message, status, at: new Date().toISOString() };
  await db().setting.upsert({
    where: { key: SETTING_KEYS.paused },
    create: { key: SETTING_KEYS.paused, value },
    update: { value },
  });
}

/**
 * At first start, INSTRUQT_API_KEY / INSTRUQT_GRAPHQL_URL seed the settings once (enrichment on
 * when a key is given); afterwards the settings page is the only source, so removing the key
 * there is not undone by a restart.
 */
export async function seedEnrichmentFromEnvironment(): Promise<boolean> {
  const { INSTRUQT_API_KEY, INSTRUQT_GRAPHQL_URL } = env();
  if (!INSTRUQT_API_KEY && !INSTRUQT_GRAPHQL_URL) return false;
  return db().$transaction(async (tx) => {
    const claimed = await tx.setting.createMany({
      data: [{ key: SETTING_KEYS.seeded, value: { at: new Date().toISOString() } }],
      skipDuplicates: true,
    });
    if (claimed.count === 0) return false;
    if (INSTRUQT_GRAPHQL_URL) await writeGraphqlUrl(tx, INSTRUQT_GRAPHQL_URL);
    if (INSTRUQT_API_KEY) {
      await writeApiKey(tx, INSTRUQT_API_KEY);
      await writeEnabled(tx, true);
    }
    await tx.auditLog.create({
      data: {
        actorId: null,
        // Named like the other values seeded at start, so the audit log says where it came from.
        actorEmail: "environment (INSTRUQT_API_KEY, INSTRUQT_GRAPHQL_URL)",
        action: "enrichment.settings.seeded",
        target: "enrichment",
        details: { from: "environment", apiKey: INSTRUQT_API_KEY ? "set" : "unset", graphqlUrl: INSTRUQT_GRAPHQL_URL ?? null },
      },
    });
    return true;
  });
}
