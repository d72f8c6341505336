import { authorizeApi } from "@/lib/auth/guard";
import { liveStreamResponse } from "@/lib/live/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The live board as Server-Sent Events (lib/live/stream.ts): instructors, admins and API tokens. */
export async function GET(request: Request): Promise<Response> {
  const auth = await authorizeApi(request, { allowToken: true });
  if (!auth.ok) return auth.response;
  return liveStreamResponse(request);
}
