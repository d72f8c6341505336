import { acknowledgeAlert } from "@/lib/alerts/open";
import { answer, authorizeUserChange, json } from "@/lib/http/api";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/alerts/:id/acknowledge → 200: an instructor or admin has seen it (from Cairn's own pages). */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await authorizeUserChange(request);
  if (!gate.ok) return gate.response;
  const { id } = await params;
  return answer("alerts", async () => json(200, await acknowledgeAlert(gate.user.email, id)));
}
