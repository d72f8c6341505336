import { authorizeApi } from "@/lib/auth/guard";
import { funnelResponse } from "@/lib/dashboard/funnel-http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** A track's funnel as JSON (lib/dashboard/track-funnel.ts): instructors, admins and API tokens. */
export async function GET(request: Request, { params }: { params: Promise<{ slug: string }> }): Promise<Response> {
  const auth = await authorizeApi(request, { allowToken: true });
  if (!auth.ok) return auth.response;
  return funnelResponse(request, keyFrom((await params).slug));
}

// As the track page reads its segment: a key with reserved characters arrives percent-encoded.
function keyFrom(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
