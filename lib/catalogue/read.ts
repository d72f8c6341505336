import { db } from "@/lib/db/client";

/** A track's catalogue as its page and Settings → Enrichment read it. */

export interface ChallengeCatalogueEntry {
  challengeId: string;
  slug: string | null;
  /** Instruqt's title. */
  title: string | null;
  /** An admin's title; wins over Instruqt's. */
  displayTitle: string | null;
  index: number | null;
  listed: boolean;
}

export interface TrackCatalogueEntry {
  /** The shown title: hand-set, else Instruqt's, else null. */
  shownTitle: string | null;
  title: string | null;
  displayTitle: string | null;
  teaser: string | null;
  level: string | null;
  fetchedAt: Date | null;
  error: string | null;
  errorAt: Date | null;
  challenges: ChallengeCatalogueEntry[];
}

export async function trackCatalogue(trackId: string): Promise<TrackCatalogueEntry> {
  const [track, challenges] = await Promise.all([
    db().trackCatalogue.findUnique({ where: { trackId } }),
    db().challengeCatalogue.findMany({ where: { trackId }, orderBy: [{ challengeIndex: { sort: "asc", nulls: "last" } }, { challengeId: "asc" }] }),
  ]);
  return {
    shownTitle: track?.displayTitle ?? track?.title ?? null,
    title: track?.title ?? null,
    displayTitle: track?.displayTitle ?? null,
    teaser: track?.teaser ?? null,
    level: track?.level ?? null,
    fetchedAt: track?.fetchedAt ?? null,
    error: track?.error ?? null,
    errorAt: track?.errorAt ?? null,
    challenges: challenges.map((c) => ({
      challengeId: c.challengeId,
      slug: c.slug,
      title: c.title,
      displayTitle: c.displayTitle,
      index: c.challengeIndex,
      listed: c.listed,
    })),
  };
}

/** Challenge id → shown title, for a track's pages. */
export function shownChallengeTitles(entry: TrackCatalogueEntry): Map<string, string> {
  const titles = new Map<string, string>();
  for (const challenge of entry.challenges) {
    const title = challenge.displayTitle ?? challenge.title;
    if (title) titles.set(challenge.challengeId, title);
  }
  return titles;
}

export interface CatalogueProblem {
  trackId: string;
  slug: string | null;
  error: string;
  errorAt: Date | null;
  /** The answer that could not be read, as stored (JSON text, cut for the page). */
  raw: string | null;
}

/** Tracks whose last catalogue fetch could not be used, newest first, for Settings → Enrichment. */
export async function catalogueProblems(limit = 20): Promise<CatalogueProblem[]> {
  const rows = await db().$queryRaw<{ track_id: string; slug: string | null; error: string; error_at: Date | null; raw: string | null }[]>`
    SELECT tc.track_id, t.slug, tc.error, tc.error_at, left(tc.raw::text, 4000) AS raw
    FROM track_catalogue tc LEFT JOIN track t ON t.id = tc.track_id
    WHERE tc.error IS NOT NULL
    ORDER BY tc.error_at DESC NULLS LAST, tc.track_id
    LIMIT ${limit}`;
  return rows.map((row) => ({ trackId: row.track_id, slug: row.slug, error: row.error, errorAt: row.error_at, raw: row.raw }));
}

export interface CatalogueCounts {
  tracks: number;
  withTitle: number;
  withError: number;
}

export async function catalogueCounts(): Promise<CatalogueCounts> {
  const [row] = await db().$queryRaw<CatalogueCounts[]>`
    SELECT (SELECT count(*) FROM track)::int AS "tracks",
           count(*) FILTER (WHERE coalesce(tc.display_title, tc.title) IS NOT NULL)::int AS "withTitle",
           count(*) FILTER (WHERE tc.error IS NOT NULL)::int AS "withError"
    FROM track_catalogue tc`;
  return row ?? { tracks: 0, withTitle: 0, withError: 0 };
}
