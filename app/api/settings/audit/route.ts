import { listAuditEntries } from "@/lib/audit/log";
import { auditQueryInput, auditQuerySchema } from "@/lib/audit/query";
import { answer, authorizeAdminRead, errorResponse, json } from "@/lib/http/api";

export const dynamic = "force-dynamic";

/** GET /api/settings/audit?action=&page=: newest first, 50 a page. */
export async function GET(request: Request): Promise<Response> {
  const gate = await authorizeAdminRead(request);
  if (!gate.ok) return gate.response;
  const query = auditQuerySchema.safeParse(auditQueryInput(new URL(request.url).searchParams));
  if (!query.success) return errorResponse("settings", query.error);
  return answer("settings", async () => json(200, await listAuditEntries(query.data)));
}
