import { isDatabaseUnavailable } from "@/lib/db/errors";
import { parsePlayFilter, selectionOf } from "@/lib/plays/filter";
import { challengeFunnel, funnelJson } from "./track-funnel";
import { findTrack } from "./tracks";

/**
 * GET /api/tracks/[slug]/funnel after authorization: the page's filters (the one play filter; the
 * track is the path's), checked strictly like the CSV exports' (400 naming the parameter), the
 * track found by slug or id (404), then the funnel as JSON.
 */

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });

export async function funnelResponse(request: Request, key: string, now: Date = new Date()): Promise<Response> {
  const { filter, problems } = parsePlayFilter(new URL(request.url).searchParams, { strict: true, exclude: ["track"] });
  const problem = problems[0];
  if (problem) return json(400, { error: "invalid_parameter", parameter: problem.parameter, message: problem.message });
  try {
    const track = key.length > 0 && key.length <= 300 ? await findTrack(key) : null;
    if (!track) return json(404, { error: "not_found", message: `no track has the slug or id "${key}"` });
    const funnel = await challengeFunnel(track, await selectionOf(filter, { trackId: track.id }), now);
    return json(200, funnelJson(track, funnel));
  } catch (error) {
    if (isDatabaseUnavailable(error)) {
      return json(503, { error: "unavailable", message: "the database cannot be reached right now; retry later" }, { "retry-after": "30" });
    }
    throw error;
  }
}
