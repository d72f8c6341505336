import { filterParams, parsePlayFilter, type FilterProblem, type PlayFilter, type QueryInput } from "@/lib/plays/filter";
import { choiceWithDefault, pageParam, parseParams, queryString, type RawSearchParams } from "./query-params";
import { PEOPLE_SORTS } from "./people";
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

/**
 * /learners shows people (one row per learner, their plays beneath) by default, and the per-play
 * list with `view=plays`; each view has its own sorts, the filter is the same.
 */
export const LEARNERS_VIEWS = ["people", "plays"] as const;
export type LearnersView = (typeof LEARNERS_VIEWS)[number];

export interface PeoplePageParams extends Omit<ListPageParams, "sort"> {
  sort: (typeof PEOPLE_SORTS)[number];
}

export type LearnersPageParams = ({ view: "plays" } & ListPageParams) | ({ view: "people" } & PeoplePageParams);

export function parseLearnersPage(raw: RawSearchParams): LearnersPageParams {
  const { values: { view }, ignored: badView } = parseParams({ view: choiceWithDefault(LEARNERS_VIEWS, "people") }, raw);
  const viewProblems = badView.map((parameter) => ({ parameter, message: `${parameter}: not understood; showing people` }));
  if (view === "plays") {
    const params = parseLearnersParams(raw);
    return { view, ...params, problems: [...params.problems, ...viewProblems] };
  }
  const { filter, problems } = parsePlayFilter(raw as QueryInput);
  const { values, ignored } = parseParams({ ...listShape, sort: choiceWithDefault(PEOPLE_SORTS, "activity") }, raw);
  return {
    view,
    filter,
    ...values,
    problems: [
      ...problems,
      ...[...ignored, ...badView].map((parameter) => ({ parameter, message: `${parameter}: not understood; showing the default` })),
    ],
  };
}

/** /tracks/[slug]: the track comes from the path. */
export const parseTrackPageParams = (raw: RawSearchParams) => parseListPage(raw, ["track"]);

/** The page's query for its own links (sort, pages): the filter, and sort/dir when not the default. */
export function pageQuery(params: Pick<ListPageParams, "filter" | "dir"> & { sort: string }): Record<string, string | undefined> {
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
