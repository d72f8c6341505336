import { backfillStatus } from "@/lib/backfill/requests";
import { answer, authorizeAdminRead, json } from "@/lib/http/api";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET: {"id", "status", "pages_done", "plays_seen", "plays_added", "error"}; 404 for an unknown id. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const auth = await authorizeAdminRead(request);
  if (!auth.ok) return auth.response;
  const { id } = await params;
  return answer("backfill", async () => json(200, await backfillStatus(id)));
}
