import {
  choiceParam,
  choiceWithDefault,
  instantParam,
  pageParam,
  parseParams,
  queryString,
  textParam,
  type ParsedParams,
  type RawSearchParams,
} from "./query-params";
import { PLAY_STATUSES, type PlayFilters } from "./play-filters";
import { PLAY_SORTS, SORT_DIRECTIONS } from "./plays";
import { activityWindow } from "./time-window";

/**
 * The query parameters of the pages that list plays, and what they mean as filters. Names match
 * the CSV export's (`track`, `invite`, `status`, `from`, `to`) so a page's filters carry over to
 * its download links unchanged.
 */

const listShape = {
  invite: textParam(200),
  status: choiceParam(PLAY_STATUSES),
  from: instantParam,
  to: instantParam,
  sort: choiceWithDefault(PLAY_SORTS, "activity"),
  dir: choiceWithDefault(SORT_DIRECTIONS, "desc"),
  page: pageParam,
};

export const learnersShape = {
  q: textParam(200),
  track: textParam(200),
  ...listShape,
};

export const trackPageShape = {
  mode: textParam(50),
  param: textParam(200),
  value: textParam(200),
  ...listShape,
};

export type LearnersParams = ParsedParams<typeof learnersShape>;
export type TrackPageParams = ParsedParams<typeof trackPageShape>;

/** A window that ends before it starts is a typo, not a question: its end is dropped. */
function checkWindow<T extends { from?: string; to?: string }>(values: T, ignored: string[]): T {
  const window = activityWindow(values.from, values.to);
  if (window.start && window.end && window.end <= window.start) {
    ignored.push("to");
    return { ...values, to: undefined };
  }
  return values;
}

export function parseLearnersParams(raw: RawSearchParams) {
  const { values, ignored } = parseParams(learnersShape, raw);
  return { values: checkWindow(values, ignored), ignored };
}

export function parseTrackPageParams(raw: RawSearchParams) {
  const { values, ignored } = parseParams(trackPageShape, raw);
  const checked = checkWindow(values, ignored);
  // A value without a parameter name cannot be matched against anything.
  if (checked.value !== undefined && checked.param === undefined) {
    ignored.push("value");
    return { values: { ...checked, value: undefined }, ignored };
  }
  return { values: checked, ignored };
}

/** The filters both pages share, minus the track and the learner search (resolved by the caller). */
export function commonPlayFilters(values: {
  invite?: string;
  status?: (typeof PLAY_STATUSES)[number];
  from?: string;
  to?: string;
}): PlayFilters {
  const window = activityWindow(values.from, values.to);
  return {
    ...(values.invite !== undefined ? { inviteId: values.invite } : {}),
    ...(values.status !== undefined ? { status: values.status } : {}),
    ...(window.start || window.end ? { window } : {}),
  };
}

export function trackPageFilters(values: TrackPageParams): PlayFilters {
  return {
    ...commonPlayFilters(values),
    ...(values.mode !== undefined ? { mode: values.mode } : {}),
    ...(values.param !== undefined ? { customParameter: { key: values.param, value: values.value } } : {}),
  };
}

export const EXPORT_PATHS = {
  progress: "/api/export/progress.csv",
  challenges: "/api/export/challenges.csv",
} as const;

/** A CSV download link carrying the filters the export understands. */
export function exportHref(
  kind: keyof typeof EXPORT_PATHS,
  filters: { track?: string; invite?: string; status?: string; user?: string; from?: string; to?: string },
): string {
  return `${EXPORT_PATHS[kind]}${queryString({
    track: filters.track,
    invite: filters.invite,
    status: filters.status,
    user: filters.user,
    from: filters.from,
    to: filters.to,
  })}`;
}
