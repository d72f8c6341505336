import { z } from "zod";
import { db, type Prisma } from "@/lib/db/client";
import { env } from "@/lib/env";

/**
 * The Instruqt team (organisation) slug that catalogue and report queries name. Settings →
 * Enrichment stores it (row `enrichment.team_slug`, beside the other enrichment settings) and
 * wins over INSTRUQT_TEAM_SLUG, so an admin can fix it without a restart.
 */

export const TEAM_SLUG_SETTING = "enrichment.team_slug";

/** What Instruqt's slugs look like; the same rule as INSTRUQT_TEAM_SLUG in lib/env.ts. */
export const teamSlugInput = z
  .string()
  .trim()
  .max(100, "must be at most 100 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, "must be a team slug: letters, digits, - and _");

type Client = Prisma.TransactionClient | ReturnType<typeof db>;

/** The slug saved in Settings → Enrichment, or null. */
export async function savedTeamSlug(client: Client = db()): Promise<string | null> {
  const row = await client.setting.findUnique({ where: { key: TEAM_SLUG_SETTING } });
  const parsed = teamSlugInput.safeParse(row?.value);
  return parsed.success && parsed.data ? parsed.data : null;
}

/** The team slug in use: the setting, else INSTRUQT_TEAM_SLUG, else null. */
export async function activeTeamSlug(): Promise<string | null> {
  return (await savedTeamSlug()) ?? env().INSTRUQT_TEAM_SLUG ?? null;
}

/** null removes the setting (INSTRUQT_TEAM_SLUG applies again). */
export async function writeTeamSlug(tx: Prisma.TransactionClient, slug: string | null): Promise<void> {
  if (slug === null) {
    await tx.setting.deleteMany({ where: { key: TEAM_SLUG_SETTING } });
    return;
  }
  await tx.setting.upsert({ where: { key: TEAM_SLUG_SETTING }, create: { key: TEAM_SLUG_SETTING, value: slug }, update: { value: slug } });
}
