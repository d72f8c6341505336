import { db, Prisma } from "@/lib/db/client";
import { trackTitleSql } from "@/lib/catalogue/titles";
import { playConditions, type PlaySelection } from "@/lib/plays/filter";
import { inactiveCutoff, playFiguresSql, type PlayFigures } from "@/lib/plays/rows";
import { DISPLAY_IDENTITY_SQL, displayIdentityColumns, identityJoins, type DisplayIdentity } from "@/lib/learners/display-identity";
import { trackKeySql } from "./tracks";

/**
 * One row per play (a learner's run of a track), filtered, sorted and paginated in SQL. The
 * learners page lists them for every track, the track page for one.
 */

export const PLAY_SORTS = ["activity", "started", "progress", "learner", "track", "status"] as const;
export type PlaySort = (typeof PLAY_SORTS)[number];
export const SORT_DIRECTIONS = ["asc", "desc"] as const;
export type SortDirection = (typeof SORT_DIRECTIONS)[number];

export const DEFAULT_PAGE_SIZE = 50;

export interface PlayListParams {
  filters: PlaySelection;
  /** The server's clock, for the inactive flag. */
  now?: Date;
  sort?: PlaySort;
  direction?: SortDirection;
  /** 1-based; a page past the end shows the last one. */
  page?: number;
  pageSize?: number;
}

export interface PlayRow extends PlayFigures, DisplayIdentity {
  participantId: string;
  userId: string | null;
  trackId: string | null;
  trackKey: string | null;
  trackSlug: string | null;
  /** The shown title (lib/catalogue/titles.ts), or null. */
  trackTitle: string | null;
  inviteId: string | null;
  mode: string | null;
}

export interface PlayPage {
  rows: PlayRow[];
  total: number;
  page: number;
  pageCount: number;
  pageSize: number;
  sort: PlaySort;
  direction: SortDirection;
}

interface SortSpec {
  expression: Prisma.Sql;
  /** Joins the sort needs before the page is cut. */
  needsLearner?: boolean;
  needsTrack?: boolean;
  /** Plays whose value is unknown go last either way (progress of a track of unknown length). */
  nullsLast?: boolean;
}

// last_activity_at and started_at are never null once a play has an event, so their plain
// ORDER BY matches the b-tree indexes on them (a NULLS LAST on a descending scan would not).
const SORTS: Record<PlaySort, SortSpec> = {
  activity: { expression: Prisma.sql`p.last_activity_at` },
  started: { expression: Prisma.sql`p.started_at` },
  progress: { expression: Prisma.sql`p.progress_percent`, nullsLast: true },
  learner: {
    expression: Prisma.sql`lower(coalesce(${Prisma.raw(DISPLAY_IDENTITY_SQL.label)}, p.user_id))`,
    needsLearner: true,
    nullsLast: true,
  },
  track: { expression: Prisma.sql`coalesce(t.slug, p.track_slug, p.track_id)`, needsTrack: true, nullsLast: true },
  status: { expression: Prisma.sql`p.status` },
};

function orderBy(spec: SortSpec, direction: SortDirection, key: Prisma.Sql, id: Prisma.Sql): Prisma.Sql {
  const dir = direction === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const nulls = spec.nullsLast ? Prisma.sql` NULLS LAST` : Prisma.empty;
  return Prisma.sql`${key} ${dir}${nulls}, ${id} ${dir}`;
}

/** The query for one page of plays; exported for the benchmark's EXPLAIN. */
export function playPageQuery(
  filters: PlaySelection,
  sort: PlaySort,
  direction: SortDirection,
  limit: number,
  offset: number,
  now: Date = new Date(),
) {
  const spec = SORTS[sort];
  const joins = Prisma.sql`${spec.needsLearner ? Prisma.raw(identityJoins("p.user_id")) : Prisma.empty}
    ${spec.needsTrack ? Prisma.sql`LEFT JOIN track t ON t.id = p.track_id` : Prisma.empty}`;
  // The page is cut from `participant` alone and joined for display afterwards, so a deep page
  // costs an index walk, not a learner lookup per skipped row.
  return Prisma.sql`
    WITH page AS (
      SELECT p.id, ${spec.expression} AS sort_key
      FROM participant p ${joins}
      WHERE ${playConditions(filters)}
      ORDER BY ${orderBy(spec, direction, spec.expression, Prisma.sql`p.id`)}
      LIMIT ${limit} OFFSET ${offset}
    )
    SELECT p.id AS "participantId", p.user_id AS "userId", ${displayIdentityColumns}, p.track_id AS "trackId", ${trackKeySql(Prisma.sql`p.track_id`)} AS "trackKey",
           coalesce(t.slug, p.track_slug) AS "trackSlug", ${trackTitleSql(Prisma.sql`p.track_id`)} AS "trackTitle", p.invite_id AS "inviteId", p.mode,
           ${playFiguresSql(inactiveCutoff(now))}
    FROM page
    JOIN participant p ON p.id = page.id
    ${Prisma.raw(identityJoins("p.user_id"))}
    LEFT JOIN track t ON t.id = p.track_id
    ORDER BY ${orderBy(spec, direction, Prisma.sql`page.sort_key`, Prisma.sql`p.id`)}`;
}

export function playCountQuery(filters: PlaySelection): Prisma.Sql {
  return Prisma.sql`SELECT count(*)::int AS total FROM participant p WHERE ${playConditions(filters)}`;
}

export async function listPlays(params: PlayListParams): Promise<PlayPage> {
  const sort = params.sort ?? "activity";
  const direction = params.direction ?? "desc";
  const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
  const requested = Math.max(1, Math.floor(params.page ?? 1));
  const fetchPage = (page: number) =>
    db().$queryRaw<PlayRow[]>(playPageQuery(params.filters, sort, direction, pageSize, (page - 1) * pageSize, params.now));

  // Count and page in parallel; only a page past the end needs a second round trip.
  const [counted, firstTry] = await Promise.all([
    db().$queryRaw<{ total: number }[]>(playCountQuery(params.filters)),
    fetchPage(requested),
  ]);
  const total = counted[0]?.total ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(requested, pageCount);
  const rows = page === requested ? firstTry : await fetchPage(page);
  return { rows, total, page, pageCount, pageSize, sort, direction };
}
