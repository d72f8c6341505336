import { testEnrichmentConnection } from "@/lib/enrichment/admin";
import { answer, authorizeAdminChange, json, readJson } from "@/lib/http/api";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * POST { graphqlUrl?, apiKey? }: runs a cheap authenticated query against the given URL and key,
 * or the saved ones, and answers { ok, latencyMs, message, kind?, status? } (200 either way: the
 * test ran; its verdict is in the body).
 */
export async function POST(request: Request): Promise<Response> {
  const auth = await authorizeAdminChange(request);
  if (!auth.ok) return auth.response;
  return answer("enrichment", async () => json(200, await testEnrichmentConnection(auth.actor, await readJson(request))));
}
