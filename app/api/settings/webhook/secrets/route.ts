import { answer, authorizeAdminChange, json, readJsonBody } from "@/lib/http/api";
import { setSecretSchema, setSigningSecret } from "@/lib/settings/webhook-secrets";

export const dynamic = "force-dynamic";

/** POST /api/settings/webhook/secrets {secret, graceHours?}: set the first secret, or rotate. */
export async function POST(request: Request): Promise<Response> {
  const gate = await authorizeAdminChange(request);
  if (!gate.ok) return gate.response;
  const body = await readJsonBody(request, setSecretSchema);
  if (!body.ok) return body.response;
  return answer("settings", async () => json(201, await setSigningSecret(gate.actor, body.data)));
}
