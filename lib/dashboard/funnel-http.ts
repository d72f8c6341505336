import { shownChallengeTitles, trackCatalogue } from "@/lib/catalogue/read";
import { answer, invalidParameter, json, notFound } from "@/lib/http/errors";
import { parsePlayFilter, selectionOf } from "@/lib/plays/filter";
import { challengeFunnel, funnelJson } from "./track-funnel";
import { findTrack } from "./tracks";

/**
 * GET /api/tracks/[slug]/funnel after authorization: the page's filters (the one play filter; the
 * track is the path's), checked strictly like the CSV exports' (400 naming the parameter), the
 * track found by slug or id (404), then the funnel as JSON, with the titles pages show (null without).
 */

export async function funnelResponse(request: Request, key: string, now: Date = new Date()): Promise<Response> {
  const { filter, problems } = parsePlayFilter(new URL(request.url).searchParams, { strict: true, exclude: ["track"] });
  return answer("funnel", async () => {
    const problem = problems[0];
    if (problem) throw invalidParameter(problem.parameter, problem.message);
    const track = key.length > 0 && key.length <= 300 ? await findTrack(key) : null;
    if (!track) throw notFound(`a track with the slug or id "${key}"`);
    const [funnel, catalogue] = await Promise.all([
      challengeFunnel(track, await selectionOf(filter, { trackId: track.id }), now),
      trackCatalogue(track.id),
    ]);
    return json(200, funnelJson(track, funnel, { track: catalogue.shownTitle, challenges: shownChallengeTitles(catalogue) }));
  });
}
