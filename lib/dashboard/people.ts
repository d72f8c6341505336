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
  /** 1-based; a page past the end shows the last one. */
  page: number;
  pageSize: number;
  /** Whether another page follows (people are not counted: that would aggregate every play). */
  hasNext: boolean;
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

/** A person as a page lists them: a learner, or a play without one. */
interface PersonKey {
  userId: string | null;
  lonePlay: string | null;
}

const keyOf = (person: PersonKey) => (person.userId !== null ? `u:${person.userId}` : `p:${person.lonePlay}`);

// The first walk takes this many plays per wanted person (a learner has about two); each further
// step doubles, up to WALK_MAX_CHUNK plays.
const WALK_PLAYS_PER_PERSON = 3;
const WALK_MAX_CHUNK = 20_000;

/**
 * The default order (newest activity first) without aggregating every play: a person's last
 * activity is that of their newest play, so people come in the order their first play appears
 * walking plays newest first — the index on (last_activity_at DESC, id) — stopping as soon as the
 * page (and one more person, to know whether a next page exists) is found.
 */
async function peopleByNewestActivity(filters: PlaySelection, wanted: number): Promise<PersonKey[]> {
  const found = new Map<string, PersonKey>();
  let scanned = 0;
  let chunk = Math.min(WALK_MAX_CHUNK, Math.max(200, wanted * WALK_PLAYS_PER_PERSON));
  for (;;) {
    const rows = await db().$queryRaw<{ user_id: string | null; id: string }[]>`
      SELECT p.user_id, p.id FROM participant p
      WHERE ${playConditions(filters)}
      ORDER BY p.last_activity_at DESC, p.id
      LIMIT ${chunk} OFFSET ${scanned}`;
    for (const row of rows) {
      const person = { userId: row.user_id, lonePlay: row.user_id === null ? row.id : null };
      if (!found.has(keyOf(person))) found.set(keyOf(person), person);
    }
    scanned += rows.length;
    if (found.size >= wanted || rows.length < chunk) return [...found.values()].slice(0, wanted);
    chunk = Math.min(WALK_MAX_CHUNK, chunk * 2);
  }
}

const SORT_KEYS: Record<PeopleSort, { expression: Prisma.Sql; needsIdentity?: boolean }> = {
  activity: { expression: Prisma.sql`people.last_activity_at` },
  learner: { expression: Prisma.sql`lower(coalesce(${Prisma.raw(DISPLAY_IDENTITY_SQL.label)}, people.user_id, people.lone_play))`, needsIdentity: true },
  plays: { expression: Prisma.sql`people.play_count` },
  completions: { expression: Prisma.sql`people.completions` },
};

/**
 * Any other order needs every person's figures: plays aggregated per learner (a hash aggregate
 * over user_id), plays without one as people of their own. Exported for the benchmark's EXPLAIN.
 */
export function peopleOrderQuery(filters: PlaySelection, sort: PeopleSort, direction: SortDirection, limit: number, offset: number): Prisma.Sql {
  const spec = SORT_KEYS[sort];
  const dir = direction === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const conditions = playConditions(filters);
  return Prisma.sql`
    WITH people AS (
      SELECT p.user_id, NULL::text AS lone_play, count(*)::int AS play_count,
             count(*) FILTER (WHERE p.status = 'completed')::int AS completions, max(p.last_activity_at) AS last_activity_at
      FROM participant p WHERE p.user_id IS NOT NULL AND ${conditions}
      GROUP BY p.user_id
      UNION ALL
      SELECT NULL, p.id, 1, (p.status = 'completed')::int, p.last_activity_at
      FROM participant p WHERE p.user_id IS NULL AND ${conditions}
    )
    SELECT people.user_id AS "userId", people.lone_play AS "lonePlay" FROM people
    ${spec.needsIdentity ? Prisma.raw(identityJoins("people.user_id")) : Prisma.empty}
    ORDER BY ${spec.expression} ${dir} NULLS LAST, people.last_activity_at DESC NULLS LAST, people.user_id, people.lone_play
    LIMIT ${limit} OFFSET ${offset}`;
}

/**
 * The page's people with their figures, identity and plays, in the given order: per person an
 * index lookup (user_id, or the play's id), whatever the size of the data set.
 */
export function peopleDetailsQuery(people: readonly PersonKey[], filters: PlaySelection, now: Date = new Date()): Prisma.Sql {
  const conditions = playConditions(filters);
  const mine = Prisma.sql`(p.user_id = page.user_id OR p.id = page.lone_play)`;
  return Prisma.sql`
    WITH page AS (
      SELECT * FROM unnest(${people.map((person) => person.userId)}::text[], ${people.map((person) => person.lonePlay)}::text[])
        WITH ORDINALITY AS k(user_id, lone_play, ord)
    )
    SELECT page.user_id AS "userId", figures.play_count AS "playCount", figures.completions AS "completions",
           figures.last_activity_at AS "lastActivityAt", ${displayIdentityColumns},
           coalesce((
             SELECT json_agg(play ORDER BY play."lastActivityAt" DESC NULLS LAST, play."participantId")
             FROM (
               SELECT p.id AS "participantId", p.track_id AS "trackId", ${trackKeySql(Prisma.sql`p.track_id`)} AS "trackKey",
                      coalesce(t.slug, p.track_slug, p.track_id) AS "trackLabel", ${playFiguresSql(inactiveCutoff(now))}
               FROM participant p
               LEFT JOIN track t ON t.id = p.track_id
               WHERE ${mine} AND ${conditions}
               ORDER BY p.last_activity_at DESC NULLS LAST, p.id
               LIMIT ${PLAYS_PER_PERSON}
             ) play), '[]'::json) AS "plays"
    FROM page
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS play_count, count(*) FILTER (WHERE p.status = 'completed')::int AS completions,
             max(p.last_activity_at) AS last_activity_at
      FROM participant p WHERE ${mine} AND ${conditions}
    ) AS figures
    ${Prisma.raw(identityJoins("page.user_id"))}
    ORDER BY page.ord`;
}

/** How many people the filter lists: only asked for when a page lies past the end. */
export function peopleCountQuery(filters: PlaySelection): Prisma.Sql {
  const conditions = playConditions(filters);
  return Prisma.sql`
    SELECT (SELECT count(DISTINCT p.user_id) FROM participant p WHERE ${conditions})::int
         + (SELECT count(*) FROM participant p WHERE p.user_id IS NULL AND ${conditions})::int AS total`;
}

type RawPersonRow = Omit<PersonRow, "plays"> & {
  plays: (Omit<PersonPlay, "startedAt" | "completedAt" | "lastActivityAt"> & Record<"startedAt" | "completedAt" | "lastActivityAt", string | null>)[];
};

const date = (value: string | null) => (value === null ? null : new Date(value));

async function pageOfPeople(filters: PlaySelection, sort: PeopleSort, direction: SortDirection, offset: number, limit: number): Promise<PersonKey[]> {
  if (sort === "activity" && direction === "desc") return (await peopleByNewestActivity(filters, offset + limit)).slice(offset);
  return db().$queryRaw<PersonKey[]>(peopleOrderQuery(filters, sort, direction, limit, offset));
}

export async function listPeople(params: PeopleListParams): Promise<PeoplePage> {
  const sort = params.sort ?? "activity";
  const direction = params.direction ?? "desc";
  const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
  let page = Math.max(1, Math.floor(params.page ?? 1));
  // One person more than the page: whether a next page exists.
  let keys = await pageOfPeople(params.filters, sort, direction, (page - 1) * pageSize, pageSize + 1);
  if (keys.length === 0 && page > 1) {
    const [counted] = await db().$queryRaw<{ total: number }[]>(peopleCountQuery(params.filters));
    page = Math.max(1, Math.ceil((counted?.total ?? 0) / pageSize));
    keys = await pageOfPeople(params.filters, sort, direction, (page - 1) * pageSize, pageSize + 1);
  }
  const hasNext = keys.length > pageSize;
  const shown = keys.slice(0, pageSize);
  const raw = shown.length === 0 ? [] : await db().$queryRaw<RawPersonRow[]>(peopleDetailsQuery(shown, params.filters, params.now));
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
  return { rows, page, pageSize, hasNext, sort, direction };
}
