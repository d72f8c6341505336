import type { Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/log";
import { db, Prisma } from "@/lib/db/client";
import { env } from "@/lib/env";
import {
  hasIdentityParameters,
  identityKeyRows,
  identityParametersInput,
  parseStoredIdentityParameters,
  type IdentityParameters,
} from "./identity-parameters";

/**
 * Learner identity from custom parameters: the setting (Settings → Identity) and the derivation
 * of `learner_identity` from `participant`. For each learner (user_id) and role, the value comes
 * from the play with the newest event (last_activity_at, then participant id) that carries one
 * of the role's keys, the first listed key winning within a play — a function of the plays'
 * current rows, so any arrival order gives the same result.
 *
 * Two writers keep it current: the projector re-derives the learners of each batch, and saving
 * the setting re-derives every learner (set-based, no reprojection). So that a batch projected
 * with the old setting cannot commit after the re-derivation and leave stale values, both hold
 * one advisory lock while they derive: batches share it, a settings change takes it alone. Each
 * takes it before touching `learner_identity`, and the settings change touches nothing else
 * a batch locks, so they wait for each other rather than deadlock.
 */

type Tx = Prisma.TransactionClient;

export const IDENTITY_SETTING_KEY = "identity.parameters";
/** Flag: CAIRN_IDENTITY_PARAMS seeded the setting once. */
const SEEDED_KEY = "identity_seeded";

// A fixed key in PostgreSQL's advisory lock space (two int4s: "cairn", "identity").
const LOCK_CLASS = 0x63616972;
const LOCK_ID = 0x1d;
// Per-learner locks: the two-int4 key space, apart from the plays' one-bigint locks.
const LEARNER_LOCK_CLASS = 0x63616973;

export async function loadIdentityParameters(client: Tx | ReturnType<typeof db> = db()): Promise<IdentityParameters> {
  const row = await client.setting.findUnique({ where: { key: IDENTITY_SETTING_KEY } });
  return parseStoredIdentityParameters(row?.value);
}

/**
 * Re-derives `learner_identity` for the given learners (null: every learner) from their plays,
 * in one statement: rows whose values changed are rewritten, rows of learners with no value any
 * more are deleted. Call inside a transaction holding the identity lock.
 */
async function derive(tx: Tx, parameters: IdentityParameters, userIds: readonly string[] | null): Promise<void> {
  const scoped = (column: Prisma.Sql) => (userIds === null ? Prisma.sql`TRUE` : Prisma.sql`${column} = ANY(${[...userIds]}::text[])`);
  if (!hasIdentityParameters(parameters)) {
    await tx.$executeRaw`DELETE FROM learner_identity li WHERE ${scoped(Prisma.sql`li.user_id`)}`;
    return;
  }
  const { roles, keys } = identityKeyRows(parameters);
  await tx.$executeRaw`
    WITH keys AS (
      SELECT k.role, k.key, k.ord FROM unnest(${roles}::text[], ${keys}::text[]) WITH ORDINALITY AS k(role, key, ord)
    ),
    candidates AS (
      SELECT p.user_id, p.id, p.last_activity_at, k.role, k.key, k.ord, btrim(p.custom_parameters ->> k.key) AS value
      FROM participant p
      JOIN keys k ON jsonb_typeof(p.custom_parameters -> k.key) IN ('string', 'number', 'boolean')
      WHERE p.user_id IS NOT NULL AND p.custom_parameters IS NOT NULL AND ${scoped(Prisma.sql`p.user_id`)}
    ),
    newest AS (
      -- name and email: one value per learner, from their newest play carrying one of the keys.
      SELECT DISTINCT ON (c.user_id, c.role) c.user_id, c.role, c.key, c.value
      FROM candidates c WHERE c.role IN ('name', 'email') AND c.value <> ''
      ORDER BY c.user_id, c.role, c.last_activity_at DESC NULLS LAST, c.id DESC, c.ord
    ),
    newest_identifier AS (
      -- other identifiers: each key's value from the newest play carrying it.
      SELECT DISTINCT ON (c.user_id, c.key) c.user_id, c.key, c.value, c.ord
      FROM candidates c WHERE c.role = 'identifier' AND c.value <> ''
      ORDER BY c.user_id, c.key, c.last_activity_at DESC NULLS LAST, c.id DESC
    ),
    identifiers AS (
      SELECT i.user_id, jsonb_object_agg(i.key, i.value) AS identifiers, string_agg(i.value, ' ' ORDER BY i.ord) AS text
      FROM newest_identifier i GROUP BY i.user_id
    ),
    derived AS (
      SELECT u.user_id, n.value AS name, 'param:' || n.key AS name_source, e.value AS email, 'param:' || e.key AS email_source,
             coalesce(i.identifiers, '{}'::jsonb) AS identifiers,
             lower(concat_ws(' ', n.value, e.value, i.text)) AS search_text
      FROM (SELECT user_id FROM newest UNION SELECT user_id FROM identifiers) u
      LEFT JOIN newest n ON n.user_id = u.user_id AND n.role = 'name'
      LEFT JOIN newest e ON e.user_id = u.user_id AND e.role = 'email'
      LEFT JOIN identifiers i ON i.user_id = u.user_id
    ),
    written AS (
      INSERT INTO learner_identity AS li (user_id, name, name_source, email, email_source, identifiers, search_text, updated_at)
      SELECT d.user_id, d.name, d.name_source, d.email, d.email_source, d.identifiers, d.search_text, now()
      FROM derived d
      ORDER BY d.user_id
      ON CONFLICT (user_id) DO UPDATE SET
        name = EXCLUDED.name, name_source = EXCLUDED.name_source, email = EXCLUDED.email,
        email_source = EXCLUDED.email_source, identifiers = EXCLUDED.identifiers,
        search_text = EXCLUDED.search_text, updated_at = EXCLUDED.updated_at
      WHERE (li.name, li.name_source, li.email, li.email_source, li.identifiers)
            IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.name_source, EXCLUDED.email, EXCLUDED.email_source, EXCLUDED.identifiers)
      RETURNING 1
    )
    DELETE FROM learner_identity li
    WHERE ${scoped(Prisma.sql`li.user_id`)} AND NOT EXISTS (SELECT 1 FROM derived d WHERE d.user_id = li.user_id)`;
}

/**
 * The projector's step (inside its batch transaction, after the plays were written): re-derives
 * the identity of the learners whose plays the batch rewrote.
 */
export async function refreshLearnerIdentities(tx: Tx, userIds: Iterable<string | null>): Promise<void> {
  const ids = [...new Set([...userIds].filter((id): id is string => typeof id === "string" && id !== ""))].sort();
  if (ids.length === 0) return;
  await tx.$queryRaw`SELECT pg_advisory_xact_lock_shared(${LOCK_CLASS}::int, ${LOCK_ID}::int)::text AS locked`;
  // Two batches may rewrite different plays of one learner at once; each reads the other's plays
  // as they were before. Per-learner locks (in key order, so no deadlock) make the later one
  // derive after the earlier commits, from both plays.
  await tx.$queryRaw`
    SELECT count(pg_advisory_xact_lock(${LEARNER_LOCK_CLASS}::int, key))::int AS locked
    FROM (SELECT DISTINCT hashtext(id) AS key FROM unnest(${ids}::text[]) AS id ORDER BY key) AS keys`;
  await derive(tx, await loadIdentityParameters(tx), ids);
}

export interface IdentityStatus {
  parameters: IdentityParameters;
  /** Learners with a value from the parameters, and how many of those enrichment overrides. */
  learners: { withIdentity: number; total: number };
}

export async function identityStatus(): Promise<IdentityStatus> {
  const [parameters, counts] = await Promise.all([
    loadIdentityParameters(),
    db().$queryRaw<{ with_identity: number; total: number }[]>`
      SELECT (SELECT count(*)::int FROM learner_identity) AS with_identity, (SELECT count(*)::int FROM learner) AS total`,
  ]);
  return { parameters, learners: { withIdentity: counts[0]?.with_identity ?? 0, total: counts[0]?.total ?? 0 } };
}

/**
 * Saves the setting (validated: a 400 names the field) and re-derives every learner's identity in
 * the same transaction, audited. Unchanged keys write nothing.
 */
export async function updateIdentityParameters(actor: Actor, raw: unknown): Promise<IdentityParameters> {
  const parameters = identityParametersInput.parse(raw);
  return db().$transaction(
    async (tx) => {
      // The lock first: batches in flight finish with the old setting, later ones read the new.
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(${LOCK_CLASS}::int, ${LOCK_ID}::int)::text AS locked`;
      const before = await loadIdentityParameters(tx);
      if (JSON.stringify(before) === JSON.stringify(parameters)) return parameters;
      const value = parameters as unknown as Prisma.InputJsonObject;
      await tx.setting.upsert({ where: { key: IDENTITY_SETTING_KEY }, create: { key: IDENTITY_SETTING_KEY, value }, update: { value } });
      await derive(tx, parameters, null);
      await recordAudit(tx, actor, "identity.parameters.update", "identity", {
        name: { from: before.name.join(", "), to: parameters.name.join(", ") },
        email: { from: before.email.join(", "), to: parameters.email.join(", ") },
        identifier: { from: before.identifier.join(", "), to: parameters.identifier.join(", ") },
      });
      return parameters;
    },
    { maxWait: 10_000, timeout: 120_000 },
  );
}

/**
 * At first start, CAIRN_IDENTITY_PARAMS seeds the setting once (unless an admin saved one
 * already); afterwards Settings → Identity is the only source, so a change there is not undone by
 * a restart.
 */
export async function seedIdentityFromEnvironment(): Promise<boolean> {
  const parameters = env().CAIRN_IDENTITY_PARAMS;
  if (!parameters) return false;
  return db().$transaction(
    async (tx) => {
      const claimed = await tx.setting.createMany({ data: [{ key: SEEDED_KEY, value: { at: new Date().toISOString() } }], skipDuplicates: true });
      if (claimed.count === 0) return false;
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(${LOCK_CLASS}::int, ${LOCK_ID}::int)::text AS locked`;
      const value = parameters as unknown as Prisma.InputJsonObject;
      const created = await tx.setting.createMany({ data: [{ key: IDENTITY_SETTING_KEY, value }], skipDuplicates: true });
      if (created.count === 0) return false;
      await derive(tx, parameters, null);
      await recordAudit(tx, { id: null, label: "environment (CAIRN_IDENTITY_PARAMS)" }, "identity.parameters.seeded", "identity", {
        name: { from: "", to: parameters.name.join(", ") },
        email: { from: "", to: parameters.email.join(", ") },
        identifier: { from: "", to: parameters.identifier.join(", ") },
      });
      return true;
    },
    { maxWait: 10_000, timeout: 120_000 },
  );
}
