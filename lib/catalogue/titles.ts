import { Prisma } from "@/lib/db/client";

/**
 * The one rule for the title Cairn shows: an admin's hand-set title, else Instruqt's catalogue
 * title, else none (and pages show the slug or id as they did before titles existed). Each form
 * here is a scalar lookup by primary key, for any query that names a track or challenge.
 */

const SHOWN_TITLE = "coalesce(display_title, title)";

/** As SQL text, for queries declared as text (lib/export/columns.ts): `trackId` is an SQL expression. */
export function trackTitleText(trackId: string): string {
  return `(SELECT ${SHOWN_TITLE} FROM track_catalogue WHERE track_catalogue.track_id = ${trackId})`;
}

export function challengeTitleText(trackId: string, challengeId: string): string {
  return `(SELECT ${SHOWN_TITLE} FROM challenge_catalogue
           WHERE challenge_catalogue.track_id = ${trackId} AND challenge_catalogue.challenge_id = ${challengeId})`;
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
