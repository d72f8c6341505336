import { answer, authorizeAdminRead, json } from "@/lib/http/api";
import { webhookOverview } from "@/lib/settings/webhook-overview";

export const dynamic = "force-dynamic";

/** GET /api/settings/webhook: endpoint URL, active secrets (masked), test-event targets. */
export async function GET(request: Request): Promise<Response> {
  const gate = await authorizeAdminRead(request);
  if (!gate.ok) return gate.response;
  return answer("settings", async () => json(200, await webhookOverview(request.headers)));
}
