import { Prisma } from "@/lib/db/client";

/**
 * The one rule for the title Cairn shows: an admin's hand-set title, else Instruqt's catalogue
 * title, else none (and pages show the slug or id as they did before titles existed). The SQL
 * forms are scalar lookups by primary key, for any query that names a track or challenge.
 */

/** The shown title of the track whose id is `trackId` (an SQL expression), or NULL. */
export function trackTitleSql(trackId: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(SELECT coalesce(tc.display_title, tc.title) FROM track_catalogue tc WHERE tc.track_id = ${trackId})`;
}

/** The shown title of a challenge (track id and challenge id as SQL expressions), or NULL. */
export function challengeTitleSql(trackId: Prisma.Sql, challengeId: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(SELECT coalesce(cc.display_title, cc.title) FROM challenge_catalogue cc
                     WHERE cc.track_id = ${trackId} AND cc.challenge_id = ${challengeId})`;
}
