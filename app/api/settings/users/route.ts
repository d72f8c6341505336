import { inviteUser, inviteUserSchema, listUsers } from "@/lib/auth/user-admin";
import { answer, authorizeAdminChange, authorizeAdminRead, json, readJsonBody } from "@/lib/http/api";

export const dynamic = "force-dynamic";

/** GET /api/settings/users: everyone who can sign in (or could, before being disabled). */
export async function GET(request: Request): Promise<Response> {
  const gate = await authorizeAdminRead(request);
  if (!gate.ok) return gate.response;
  return answer("settings", async () => json(200, { users: await listUsers() }));
}

/** POST /api/settings/users {email, name?, role, password?}: without a password, one is generated and returned once. */
export async function POST(request: Request): Promise<Response> {
  const gate = await authorizeAdminChange(request);
  if (!gate.ok) return gate.response;
  const body = await readJsonBody(request, inviteUserSchema);
  if (!body.ok) return body.response;
  return answer("settings", async () => json(201, await inviteUser(gate.actor, body.data)));
}
