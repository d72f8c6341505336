import { authorizeApi } from "@/lib/auth/guard";

export const dynamic = "force-dynamic";

/** GET /api/me: who is asking — a signed-in user, or an API token (read-only). */
export async function GET(request: Request): Promise<Response> {
  const auth = await authorizeApi(request, { allowToken: true });
  if (!auth.ok) return auth.response;
  const { principal } = auth;
  const body =
    principal.kind === "user"
      ? { kind: "user", id: principal.user.id, email: principal.user.email, name: principal.user.name, role: principal.user.role }
      : { kind: "token", id: principal.tokenId, name: principal.name, scope: principal.scope };
  return Response.json(body, { headers: { "cache-control": "no-store" } });
}
