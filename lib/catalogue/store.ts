import { db, type Prisma } from "@/lib/db/client";
import type { CatalogueChallenge } from "@/lib/instruqt/catalogue";

/**
 * The catalogue tables: what Instruqt calls a track and its challenges (written by the
 * `catalogue` job) beside what an admin calls them (`display_title`, written only by
 * lib/catalogue/admin.ts). A refresh writes Instruqt's columns and never the hand-set ones.
 */

type Tx = Prisma.TransactionClient;

export const CATALOGUE_JOB_KIND = "catalogue";

const asJson = (value: unknown) => JSON.parse(JSON.stringify(value ?? null)) as Prisma.InputJsonValue;

/**
 * A catalogue job for each track of a projected batch that has none yet (the first time Cairn sees
 * the track; later refreshes re-arm the same job). One statement, keys in order so concurrent
 * projectors insert in the same order.
 */
export async function enqueueCatalogueForTracks(tx: Tx, trackIds: readonly string[]): Promise<number> {
  if (trackIds.length === 0) return 0;
  const sorted = [...new Set(trackIds)].sort();
  return tx.$executeRaw`
    INSERT INTO job (kind, key, payload, status, run_at, updated_at)
    SELECT ${CATALOGUE_JOB_KIND}, id, '{}'::jsonb, 'pending', now(), now() FROM unnest(${sorted}::text[]) AS id
    ON CONFLICT (kind, key) DO NOTHING`;
}

export interface FetchedTrack {
  slug: string | null;
  title: string | null;
  teaser: string | null;
  level: string | null;
}

/** Stores a good fetch: Instruqt's columns replaced, the error cleared, hand-set titles kept. */
export async function saveTrackCatalogue(tx: Tx, trackId: string, track: FetchedTrack, challenges: readonly CatalogueChallenge[], raw: unknown): Promise<void> {
  const fetched = { ...track, raw: asJson(raw), fetchedAt: new Date(), error: null, errorAt: null };
  await tx.trackCatalogue.upsert({ where: { trackId }, create: { trackId, ...fetched }, update: fetched });
  const ids = challenges.map((challenge) => challenge.id);
  for (const challenge of [...challenges].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const values = { slug: challenge.slug, title: challenge.title, challengeIndex: challenge.index, listed: true };
    await tx.challengeCatalogue.upsert({
      where: { trackId_challengeId: { trackId, challengeId: challenge.id } },
      create: { trackId, challengeId: challenge.id, ...values },
      update: values,
    });
  }
  // Challenges Instruqt no longer lists stay (plays still name them) but are marked.
  await tx.challengeCatalogue.updateMany({ where: { trackId, challengeId: { notIn: ids }, listed: true }, data: { listed: false } });
}

/** Records why a fetch could not be used, with the answer; the titles fetched before stay. */
export async function recordCatalogueError(trackId: string, error: string, raw: unknown, client: Tx | ReturnType<typeof db> = db()): Promise<void> {
  const values = { error: error.slice(0, 2000), errorAt: new Date(), ...(raw === undefined ? {} : { raw: asJson(raw) }) };
  await client.trackCatalogue.upsert({ where: { trackId }, create: { trackId, ...values }, update: values });
}
