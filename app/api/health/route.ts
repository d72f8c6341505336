import { databaseAnswers } from "@/lib/db/health";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const ok = await databaseAnswers();
  return Response.json(
    ok ? { status: "ok" } : { status: "unavailable", database: "unreachable" },
    { status: ok ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
