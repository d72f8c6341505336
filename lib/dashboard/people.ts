import { db, Prisma } from "@/lib/db/client";
import { displayIdentityColumns, identityJoins, DISPLAY_IDENTITY_SQL, type DisplayIdentity } from "@/lib/learners/display-identity";
import { playConditions, type PlaySelection } from "@/lib/plays/filter";
import { inactiveCutoff, playFiguresSql, type PlayFigures } from "@/lib/plays/rows";
import { DEFAULT_PAGE_SIZE, type SortDirection } from "./plays";
import { trackKeySql } from "./tracks";

/**
 * The learners page's people: one row per person with their plays beneath. A person is a
 * learner (user_id); a play without a user_id is a person of its own, keyed by its participant
 * id, since nothing ties it to anyone else. The one play filter decides which plays count: a
 * person is listed when any of their plays match, and their counts, last activity and plays
 * beneath are of the matching plays only.
 */

export const PEOPLE_SORTS = ["activity", "learner", "plays", "completions"] as const;
export type PeopleSort = (typeof PEOPLE_SORTS)[number];

/** Plays listed beneath a person; the learner's page has them all. */
export const PLAYS_PER_PERSON = 10;

export interface PersonPlay extends PlayFigures {
  participantId: string;
  trackId: string | null;
  trackKey: string | null;
  trackLabel: string | null;
}

export interface PersonRow extends DisplayIdentity {
  /** null for a play without a user id (then `plays` holds just that play). */
  userId: string | null;
  playCount: number;
  completions: number;
  lastActivityAt: Date | null;
  /** The newest PLAYS_PER_PERSON matching plays, newest activity first. */
  plays: PersonPlay[];
}

export interface PeoplePage {
  rows: PersonRow[];
  total: number;
  page: number;
  pageCount: number;
  pageSize: number;
  sort: PeopleSort;
  direction: SortDirection;
}

export interface PeopleListParams {
  filters: PlaySelection;
  now?: Date;
  sort?: PeopleSort;
  direction?: SortDirection;
  page?: number;
  pageSize?: number;
}

// The person of the play `p`: its learner, else the play itself.
const PERSON_KEY = Prisma.sql`p.user_id`;
const LONE_PLAY = Prisma.sql`CASE WHEN p.user_id IS NULL THEN p.id END`;

const SORT_KEYS: Record<PeopleSort, { expression: Prisma.Sql; needsIdentity?: boolean }> = {
  activity: { expression: Prisma.sql`people.last_activity_at` },
  learner: { expression: Prisma.sql`lower(coalesce(${Prisma.raw(DISPLAY_IDENTITY_SQL.label)}, people.user_id, people.lone_play))`, needsIdentity: true },
  plays: { expression: Prisma.sql`people.play_count` },
  completions: { expression: Prisma.sql`people.completions` },
};

/** One page of people; exported for the benchmark's EXPLAIN. */
export function peoplePageQuery(
  filters: PlaySelection,
  sort: PeopleSort,
  direction: SortDirection,
  limit: number,
  offset: number,
  now: Date = new Date(),
): Prisma.Sql {
  const spec = SORT_KEYS[sort];
  const dir = direction === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const conditions = playConditions(filters);
  // Ties by newest activity, then the person's key: a stable order for offset pages.
  const order = (key: Prisma.Sql, from = "people") =>
    Prisma.sql`${key} ${dir} NULLS LAST, ${Prisma.raw(from)}.last_activity_at DESC NULLS LAST,
      ${Prisma.raw(from)}.user_id ${dir}, ${Prisma.raw(from)}.lone_play ${dir}`;
  // People are aggregated from `participant` alone, the page cut, and only then are the page's
  // learners joined and their plays read: a deep page costs one aggregate, not a join per person.
  return Prisma.sql`
    WITH people AS (
      SELECT ${PERSON_KEY} AS user_id, ${LONE_PLAY} AS lone_play, count(*)::int AS play_count,
             count(*) FILTER (WHERE p.status = 'completed')::int AS completions, max(p.last_activity_at) AS last_activity_at
      FROM participant p
      WHERE ${conditions}
      GROUP BY ${PERSON_KEY}, ${LONE_PLAY}
    ),
    page AS (
      SELECT people.*, ${spec.expression} AS sort_key FROM people
      ${spec.needsIdentity ? Prisma.raw(identityJoins("people.user_id")) : Prisma.empty}
      ORDER BY ${order(Prisma.sql`${spec.expression}`)}
      LIMIT ${limit} OFFSET ${offset}
    )
    SELECT page.user_id AS "userId", page.play_count AS "playCount", page.completions AS "completions",
           page.last_activity_at AS "lastActivityAt", ${displayIdentityColumns},
           coalesce((
             SELECT json_agg(play ORDER BY play."lastActivityAt" DESC NULLS LAST, play."participantId")
             FROM (
               SELECT p.id AS "participantId", p.track_id AS "trackId", ${trackKeySql(Prisma.sql`p.track_id`)} AS "trackKey",
                      coalesce(t.slug, p.track_slug, p.track_id) AS "trackLabel", ${playFiguresSql(inactiveCutoff(now))}
               FROM participant p
               LEFT JOIN track t ON t.id = p.track_id
               WHERE (CASE WHEN page.user_id IS NULL THEN p.id = page.lone_play ELSE p.user_id = page.user_id END)
                 AND ${conditions}
               ORDER BY p.last_activity_at DESC NULLS LAST, p.id
               LIMIT ${PLAYS_PER_PERSON}
             ) play), '[]'::json) AS "plays"
    FROM page
    ${Prisma.raw(identityJoins("page.user_id"))}
    ORDER BY ${order(Prisma.sql`page.sort_key`, "page")}`;
}

export function peopleCountQuery(filters: PlaySelection): Prisma.Sql {
  return Prisma.sql`
    SELECT count(*)::int AS total FROM (
      SELECT 1 FROM participant p WHERE ${playConditions(filters)} GROUP BY ${PERSON_KEY}, ${LONE_PLAY}
    ) AS people`;
}

type RawPersonRow = Omit<PersonRow, "plays"> & { plays: (Omit<PersonPlay, "startedAt" | "completedAt" | "lastActivityAt"> & Record<"startedAt" | "completedAt" | "lastActivityAt", string | null>)[] };

const date = (value: string | null) => (value === null ? null : new Date(value));

export async function listPeople(params: PeopleListParams): Promise<PeoplePage> {
  const sort = params.sort ?? "activity";
  const direction = params.direction ?? "desc";
  const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
  const requested = Math.max(1, Math.floor(params.page ?? 1));
  const fetchPage = (page: number) =>
    db().$queryRaw<RawPersonRow[]>(peoplePageQuery(params.filters, sort, direction, pageSize, (page - 1) * pageSize, params.now));

  const [counted, firstTry] = await Promise.all([db().$queryRaw<{ total: number }[]>(peopleCountQuery(params.filters)), fetchPage(requested)]);
  const total = counted[0]?.total ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(requested, pageCount);
  const raw = page === requested ? firstTry : await fetchPage(page);
  // The plays arrive as JSON: their timestamps are strings until turned back into dates here.
  const rows = raw.map((row) => ({
    ...row,
    plays: row.plays.map((play) => ({
      ...play,
      startedAt: date(play.startedAt),
      completedAt: date(play.completedAt),
      lastActivityAt: date(play.lastActivityAt),
    })),
  }));
  return { rows, total, page, pageCount, pageSize, sort, direction };
}
