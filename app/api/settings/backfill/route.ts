import { recentBackfills, startBackfill } from "@/lib/backfill/requests";
import { answer, authorizeAdminChange, authorizeAdminRead, json, readJson } from "@/lib/http/api";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET: the newest backfills with their progress. Admins only. */
export async function GET(request: Request): Promise<Response> {
  const auth = await authorizeAdminRead(request);
  if (!auth.ok) return auth.response;
  return answer("backfill", async () => {
    const backfills = await recentBackfills();
    return json(200, {
      backfills: backfills.map(({ id, status, pages_done, plays_seen, plays_added, error, from, to, tracks, invites, createdAt }) => ({
        id,
        status,
        pages_done,
        plays_seen,
        plays_added,
        error,
        from: from.toISOString(),
        to: to.toISOString(),
        tracks,
        invites,
        created_at: createdAt.toISOString(),
      })),
    });
  });
}

/** POST {"from", "to", "tracks"?, "invites"?}: 202 {"id"}; the job pages through playReports. */
export async function POST(request: Request): Promise<Response> {
  const auth = await authorizeAdminChange(request);
  if (!auth.ok) return auth.response;
  return answer("backfill", async () => json(202, await startBackfill(auth.actor, await readJson(request))));
}
