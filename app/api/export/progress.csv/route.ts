import { authorizeApi } from "@/lib/auth/guard";
import { exportResponse } from "@/lib/export/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The progress CSV export (see lib/export/exports.ts): instructors, admins and API tokens. */
export async function GET(request: Request): Promise<Response> {
  const auth = await authorizeApi(request, { allowToken: true });
  if (!auth.ok) return auth.response;
  return exportResponse(request, "progress");
}
