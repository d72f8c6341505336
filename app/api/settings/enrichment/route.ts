import { enrichmentStatus, updateEnrichmentSettings } from "@/lib/enrichment/admin";
import { answer, authorizeAdminChange, authorizeAdminRead, json, readJson } from "@/lib/http/api";
import { statusBody } from "@/lib/enrichment/status-json";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET: settings (the key only as a masked hint), queue and worker status. Admins only. */
export async function GET(request: Request): Promise<Response> {
  const auth = await authorizeAdminRead(request);
  if (!auth.ok) return auth.response;
  return answer("enrichment", async () => json(200, statusBody(await enrichmentStatus())));
}

/**
 * PUT { enabled, graphqlUrl, apiKey? }: apiKey absent keeps the saved key, null removes it, a
 * string replaces it. Answers the new status.
 */
export async function PUT(request: Request): Promise<Response> {
  const auth = await authorizeAdminChange(request);
  if (!auth.ok) return auth.response;
  return answer("enrichment", async () => {
    await updateEnrichmentSettings(auth.actor, await readJson(request));
    return json(200, statusBody(await enrichmentStatus()));
  });
}
