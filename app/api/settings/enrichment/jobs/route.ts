import { z } from "zod";
import { rerunEnrichment, retryFailed } from "@/lib/enrichment/admin";
import { answer, authorizeAdminChange, json, readJson } from "@/lib/http/api";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const body = z.object({ action: z.enum(["retry_failed", "rerun"]) });

/** POST { action: "retry_failed" | "rerun" }: answers { jobs } — how many jobs were queued. */
export async function POST(request: Request): Promise<Response> {
  const auth = await authorizeAdminChange(request);
  if (!auth.ok) return auth.response;
  return answer("enrichment", async () => {
    const { action } = body.parse(await readJson(request));
    const actor = auth.actor;
    const jobs = action === "retry_failed" ? await retryFailed(actor) : await rerunEnrichment(actor);
    return json(200, { action, jobs });
  });
}
