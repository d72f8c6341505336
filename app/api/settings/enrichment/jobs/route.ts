import { z } from "zod";
import { rerunEnrichment, retryFailed } from "@/lib/enrichment/admin";
import { actorOf, answer, json, readJson } from "@/lib/enrichment/http";
import { authorizeAdminChange } from "@/lib/settings/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const body = z.object({ action: z.enum(["retry_failed", "rerun"]) });

/** POST { action: "retry_failed" | "rerun" }: answers { jobs } — how many jobs were queued. */
export async function POST(request: Request): Promise<Response> {
  const auth = await authorizeAdminChange(request);
  if (!auth.ok) return auth.response;
  return answer(async () => {
    const { action } = body.parse(await readJson(request));
    const actor = actorOf(auth.user);
    const jobs = action === "retry_failed" ? await retryFailed(actor) : await rerunEnrichment(actor);
    return json(200, { action, jobs });
  });
}
