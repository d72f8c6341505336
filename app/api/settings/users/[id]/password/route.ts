import { resetPassword, resetPasswordSchema } from "@/lib/auth/user-admin";
import { answer, authorizeAdminChange, json, readJsonBody } from "@/lib/http/api";

export const dynamic = "force-dynamic";

/** POST /api/settings/users/:id/password {password?}: without one, a generated password is returned once. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await authorizeAdminChange(request);
  if (!gate.ok) return gate.response;
  const body = await readJsonBody(request, resetPasswordSchema);
  if (!body.ok) return body.response;
  const { id } = await params;
  return answer("settings", async () => json(200, await resetPassword(gate.actor, id, body.data)));
}
