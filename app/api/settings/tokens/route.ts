import { createApiToken, createTokenSchema, listApiTokens } from "@/lib/auth/token-admin";
import { answer, authorizeAdminChange, authorizeAdminRead, json, readJsonBody } from "@/lib/http/api";

export const dynamic = "force-dynamic";

/** GET /api/settings/tokens: every token (never the token itself: only its prefix is kept). */
export async function GET(request: Request): Promise<Response> {
  const gate = await authorizeAdminRead(request);
  if (!gate.ok) return gate.response;
  return answer("settings", async () => json(200, { tokens: await listApiTokens() }));
}

/** POST /api/settings/tokens {name}: a new read-only token, returned this once. */
export async function POST(request: Request): Promise<Response> {
  const gate = await authorizeAdminChange(request);
  if (!gate.ok) return gate.response;
  const body = await readJsonBody(request, createTokenSchema);
  if (!body.ok) return body.response;
  return answer("settings", async () => json(201, await createApiToken(gate.actor, body.data)));
}
