import { answer, invalidParameter, json } from "@/lib/http/errors";
import { readBoard, type LiveScope } from "./board";
import { parseLiveQuery, resolveLiveScope } from "./scope";
import { liveEventStream } from "./stream";

/**
 * The live APIs after authorization: `invite` and `track` checked strictly (400 naming the
 * parameter, as the CSV exports and the funnel do), then resolved once.
 */
export async function liveScopeOf(request: Request): Promise<LiveScope> {
  const { query, problems } = parseLiveQuery(new URL(request.url).searchParams, { strict: true });
  const problem = problems[0];
  if (problem) throw invalidParameter(problem.parameter, problem.message);
  return resolveLiveScope(query);
}

/** GET /api/live: the board now, needs-help first. */
export async function liveResponse(request: Request, now: Date = new Date()): Promise<Response> {
  return answer("live", async () => {
    const scope = await liveScopeOf(request);
    const board = await readBoard(scope, { now });
    return json(200, { generated_at: now.toISOString(), plays: board.map((entry) => entry.play) });
  });
}

/** GET /api/live/stream: the board as Server-Sent Events (lib/live/stream.ts). */
export async function liveStreamResponse(request: Request): Promise<Response> {
  return answer("live", async () => {
    const scope = await liveScopeOf(request);
    return new Response(liveEventStream(scope, request.signal), {
      status: 200,
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        // no-transform: a compressing layer (Next's own, a proxy's) would otherwise hold events back.
        "cache-control": "no-store, no-transform",
        "x-accel-buffering": "no",
      },
    });
  });
}
