import { updateUser, updateUserSchema } from "@/lib/auth/user-admin";
import { answer, authorizeAdminChange, json, readJsonBody } from "@/lib/http/api";

export const dynamic = "force-dynamic";

/** PATCH /api/settings/users/:id {role?, disabled?}: the last enabled admin cannot lose either. */
export async function PATCH(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const gate = await authorizeAdminChange(request);
  if (!gate.ok) return gate.response;
  const body = await readJsonBody(request, updateUserSchema);
  if (!body.ok) return body.response;
  const { id } = await params;
  return answer("settings", async () => json(200, { user: await updateUser(gate.actor, id, body.data) }));
}
