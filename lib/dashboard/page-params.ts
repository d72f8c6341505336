import { filterParams, parsePlayFilter, type FilterProblem, type PlayFilter, type QueryInput } from "@/lib/plays/filter";
import { choiceWithDefault, pageParam, parseParams, queryString, type RawSearchParams } from "./query-params";
import { PLAY_SORTS, SORT_DIRECTIONS } from "./plays";

/**
 * The query parameters of the pages that list plays: the one play filter (lib/plays/filter.ts,
 * the same parser and names as the CSV and funnel APIs), and the page's own sort and page. A page
 * is a link people share and edit by hand, so a bad value never breaks it: it is left out and
 * the page says which one and why.
 */

const listShape = {
  sort: choiceWithDefault(PLAY_SORTS, "activity"),
  dir: choiceWithDefault(SORT_DIRECTIONS, "desc"),
  page: pageParam,
};

export interface ListPageParams {
  filter: PlayFilter;
  sort: (typeof PLAY_SORTS)[number];
  dir: (typeof SORT_DIRECTIONS)[number];
  page: number;
  problems: FilterProblem[];
}

function parseListPage(raw: RawSearchParams, exclude: ("track" | "user")[]): ListPageParams {
  const { filter, problems } = parsePlayFilter(raw as QueryInput, { exclude });
  const { values, ignored } = parseParams(listShape, raw);
  return {
    filter,
    ...values,
    problems: [...problems, ...ignored.map((parameter) => ({ parameter, message: `${parameter}: not understood; showing the default` }))],
  };
}

/** /learners: every filter, over every track. */
export const parseLearnersParams = (raw: RawSearchParams) => parseListPage(raw, []);

/** /tracks/[slug]: the track comes from the path. */
export const parseTrackPageParams = (raw: RawSearchParams) => parseListPage(raw, ["track"]);

/** The page's query for its own links (sort, pages): the filter, and sort/dir when not the default. */
export function pageQuery(params: Pick<ListPageParams, "filter" | "sort" | "dir">): Record<string, string | undefined> {
  return {
    ...filterParams(params.filter),
    sort: params.sort === "activity" ? undefined : params.sort,
    dir: params.dir === "desc" ? undefined : params.dir,
  };
}

export const EXPORT_PATHS = {
  progress: "/api/export/progress.csv",
  challenges: "/api/export/challenges.csv",
} as const;

/** A CSV download link carrying every filter of the page. */
export function exportHref(kind: keyof typeof EXPORT_PATHS, filter: PlayFilter): string {
  return `${EXPORT_PATHS[kind]}${queryString(filterParams(filter))}`;
}

/** The funnel JSON of a track, with the page's filters. */
export function funnelHref(trackKey: string, filter: PlayFilter): string {
  return `/api/tracks/${encodeURIComponent(trackKey)}/funnel${queryString(filterParams({ ...filter, track: undefined }))}`;
}
