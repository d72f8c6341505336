import { deleteAlertRule } from "@/lib/alerts/admin";
import { answer, authorizeAdminChange } from "@/lib/http/api";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** DELETE /api/settings/alerts/:id → 204: the rule, its alerts and its unsent notifications. */
export async function DELETE(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await authorizeAdminChange(request);
  if (!gate.ok) return gate.response;
  const { id } = await params;
  return answer("alerts", async () => {
    await deleteAlertRule(gate.actor, id);
    return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
  });
}
