import { purgePersonalData } from "@/lib/enrichment/admin";
import { answer, authorizeAdminChange, json, readJson } from "@/lib/http/api";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * POST { confirm: "PURGE" }: clears every learner's name and email, cancels every enrichment job
 * and turns enrichment off. Answers { learnersCleared, jobsCancelled }.
 */
export async function POST(request: Request): Promise<Response> {
  const auth = await authorizeAdminChange(request);
  if (!auth.ok) return auth.response;
  return answer("enrichment", async () => json(200, await purgePersonalData(auth.actor, await readJson(request))));
}
