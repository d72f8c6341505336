import { revokeApiToken } from "@/lib/auth/token-admin";
import { answer, authorizeAdminChange, json } from "@/lib/http/api";

export const dynamic = "force-dynamic";

/** DELETE /api/settings/tokens/:id: revoke; the token is refused from its next request on. */
export async function DELETE(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await authorizeAdminChange(request);
  if (!gate.ok) return gate.response;
  const { id } = await params;
  return answer("settings", async () => json(200, { token: await revokeApiToken(gate.actor, id) }));
}
