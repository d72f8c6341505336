import { createAlertRule, listAlertRules, recentNotifications } from "@/lib/alerts/admin";
import { answer, authorizeAdminChange, authorizeAdminRead, json, readJson } from "@/lib/http/api";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/settings/alerts: every rule (never its signing secret) and the recent notifications. */
export async function GET(request: Request): Promise<Response> {
  const gate = await authorizeAdminRead(request);
  if (!gate.ok) return gate.response;
  return answer("alerts", async () => {
    const [rules, notifications] = await Promise.all([listAlertRules(), recentNotifications()]);
    return json(200, { rules, notifications });
  });
}

/**
 * POST /api/settings/alerts {kind, threshold, track, invite, webhook_url, email} → 201 {id,
 * signing_secret}: the secret that signs the rule's webhooks, shown this once.
 */
export async function POST(request: Request): Promise<Response> {
  const gate = await authorizeAdminChange(request);
  if (!gate.ok) return gate.response;
  return answer("alerts", async () => json(201, await createAlertRule(gate.actor, await readJson(request))));
}
