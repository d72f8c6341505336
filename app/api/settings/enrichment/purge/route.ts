import { purgePersonalData } from "@/lib/enrichment/admin";
import { actorOf, answer, json, readJson } from "@/lib/enrichment/http";
import { authorizeAdminChange } from "@/lib/settings/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * POST { confirm: "PURGE" }: clears every learner's name and email, cancels every enrichment job
 * and turns enrichment off. Answers { learnersCleared, jobsCancelled }.
 */
export async function POST(request: Request): Promise<Response> {
  const auth = await authorizeAdminChange(request);
  if (!auth.ok) return auth.response;
  return answer(async () => json(200, await purgePersonalData(actorOf(auth.user), await readJson(request))));
}
