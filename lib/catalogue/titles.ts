import { Prisma } from "@/lib/db/client";

/**
 * The one rule for the title Cairn shows: an admin's hand-set title, else Instruqt's catalogue
 * title, else none (and pages show the slug or id as they did before titles existed). Each form
 * here is a scalar lookup by primary key, for any query that names a track or challenge.
 */

const SHOWN_TITLE = "coalesce(display_title, title)";

/**
 * As joins, for queries that read many rows (lib/export): a scalar lookup per row costs a subplan
 * execution each (about half a second per 100k rows, even with an empty catalogue), a join one
 * hash. `alias` names the joined catalogue row; `shownTitleOf(alias)` is its shown title.
 */
export function trackCatalogueJoin(alias: string, trackId: string): string {
  return `LEFT JOIN track_catalogue ${alias} ON ${alias}.track_id = ${trackId}`;
}

export function challengeCatalogueJoin(alias: string, trackId: string, challengeId: string): string {
  return `LEFT JOIN challenge_catalogue ${alias} ON ${alias}.track_id = ${trackId} AND ${alias}.challenge_id = ${challengeId}`;
}

export function shownTitleOf(alias: string): string {
  return `coalesce(${alias}.display_title, ${alias}.title)`;
}

/** The shown title of the track whose id is `trackId` (an SQL expression), or NULL. */
export function trackTitleSql(trackId: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(SELECT ${Prisma.raw(SHOWN_TITLE)} FROM track_catalogue WHERE track_catalogue.track_id = ${trackId})`;
}

/** The shown title of a challenge (track id and challenge id as SQL expressions), or NULL. */
export function challengeTitleSql(trackId: Prisma.Sql, challengeId: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(SELECT ${Prisma.raw(SHOWN_TITLE)} FROM challenge_catalogue
                     WHERE challenge_catalogue.track_id = ${trackId} AND challenge_catalogue.challenge_id = ${challengeId})`;
}
