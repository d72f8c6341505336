import { answer, authorizeAdminChange, json, readJsonBody } from "@/lib/http/api";
import { sendTestEvent, testEventSchema } from "@/lib/settings/test-event";

export const dynamic = "force-dynamic";

/** POST /api/settings/webhook/test {type, target?}: sign an example event and deliver it to Cairn. */
export async function POST(request: Request): Promise<Response> {
  const gate = await authorizeAdminChange(request);
  if (!gate.ok) return gate.response;
  const body = await readJsonBody(request, testEventSchema);
  if (!body.ok) return body.response;
  return answer("settings", async () => json(200, await sendTestEvent(gate.actor, body.data)));
}
