import { answer, authorizeAdminChange, json } from "@/lib/http/api";
import { removeSigningSecret } from "@/lib/settings/webhook-secrets";

export const dynamic = "force-dynamic";

/** DELETE /api/settings/webhook/secrets/:id: the secret stops verifying now. */
export async function DELETE(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await authorizeAdminChange(request);
  if (!gate.ok) return gate.response;
  const { id } = await params;
  return answer("settings", async () => json(200, { removed: await removeSigningSecret(gate.actor, id) }));
}
