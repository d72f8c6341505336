import { answer, authorizeAdminChange, authorizeAdminRead, json, readJson } from "@/lib/http/api";
import { identityStatus, updateIdentityParameters, type IdentityStatus } from "@/lib/learners/identity";
import { ROLE_FIELDS } from "@/lib/learners/identity-parameters";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

function body(status: IdentityStatus) {
  return {
    [ROLE_FIELDS.name]: status.parameters.name,
    [ROLE_FIELDS.email]: status.parameters.email,
    [ROLE_FIELDS.identifier]: status.parameters.identifier,
    learners: status.learners,
  };
}

/** GET: the identity parameters and how many learners they name. Admins only. */
export async function GET(request: Request): Promise<Response> {
  const auth = await authorizeAdminRead(request);
  if (!auth.ok) return auth.response;
  return answer("identity", async () => json(200, body(await identityStatus())));
}

/**
 * PUT { nameParameters, emailParameters, identifierParameters }: each a comma-separated string or
 * an array of custom parameter keys. Re-derives every learner's identity before answering.
 */
export async function PUT(request: Request): Promise<Response> {
  const auth = await authorizeAdminChange(request);
  if (!auth.ok) return auth.response;
  return answer("identity", async () => {
    await updateIdentityParameters(auth.actor, await readJson(request));
    return json(200, body(await identityStatus()));
  });
}
