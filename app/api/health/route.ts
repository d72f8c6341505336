import { databaseAnswers } from "@/lib/db/health";
import { projectionLag, type ProjectionLag } from "@/lib/progress/projector";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const ok = await databaseAnswers();
  // Progress appears after the projector's batch, not at the 201: how far behind it is belongs
  // to health. A lag that cannot be read is left out rather than failing a database that answers.
  const projection: ProjectionLag | null = ok ? await projectionLag().catch(() => null) : null;
  return Response.json(
    ok ? { status: "ok", ...(projection ? { projection } : {}) } : { status: "unavailable", database: "unreachable" },
    { status: ok ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
