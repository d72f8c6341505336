import { parsePlayFilter, resolveTrackId, type FilterProblem, type QueryInput } from "@/lib/plays/filter";
import type { LiveScope } from "./board";

/**
 * The live board's filters: `invite` and `track` (slug or id, lib/plays' one track rule), read by
 * the play filter's own parser. Strict for the APIs (a misspelt parameter would silently widen an
 * integration's view to every learner), lenient for the page.
 */
export const LIVE_PARAMETERS = ["track", "invite"] as const;

export interface ParsedLiveScope {
  /** The parameters as given (for links). */
  query: { track?: string; invite?: string };
  problems: FilterProblem[];
}

export function parseLiveQuery(input: QueryInput, options: { strict?: boolean } = {}): ParsedLiveScope {
  const { filter, problems } = parsePlayFilter(input, {
    strict: options.strict,
    exclude: ["status", "user", "from", "to", "mode", "param", "value", "q"],
  });
  return {
    query: { ...(filter.track !== undefined ? { track: filter.track } : {}), ...(filter.invite !== undefined ? { invite: filter.invite } : {}) },
    problems,
  };
}

/** Resolves the track key once (a slug may move to another id later; the stream keeps this one). */
export async function resolveLiveScope(query: ParsedLiveScope["query"]): Promise<LiveScope> {
  return {
    ...(query.track !== undefined ? { trackId: await resolveTrackId(query.track), trackKey: query.track } : {}),
    ...(query.invite !== undefined ? { inviteId: query.invite } : {}),
  };
}
