import { listOpenAlerts } from "@/lib/alerts/open";
import { authorizeApi } from "@/lib/auth/guard";
import { answer, json } from "@/lib/http/errors";
import { liveScopeOf } from "@/lib/live/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/alerts: the open alerts not yet acknowledged, newest first, with the live board's
 * filters (`track`, `invite`). Instructors, admins and API tokens, like /api/live.
 */
export async function GET(request: Request): Promise<Response> {
  const auth = await authorizeApi(request, { allowToken: true });
  if (!auth.ok) return auth.response;
  return answer("alerts", async () => {
    const scope = await liveScopeOf(request);
    return json(200, { generated_at: new Date().toISOString(), ...(await listOpenAlerts(scope)) });
  });
}
