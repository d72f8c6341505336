import { setDisplayTitles } from "@/lib/catalogue/admin";
import { trackCatalogue } from "@/lib/catalogue/read";
import { findTrack } from "@/lib/dashboard/tracks";
import { answer, authorizeAdminChange, json, readJson } from "@/lib/http/api";
import { notFound } from "@/lib/http/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * PUT { title?, challenges?: { <challenge id>: title | null } }: an admin's display titles for a
 * track (by id or slug) and its challenges; null or "" removes one (Instruqt's shows again).
 * Answers the track's catalogue entry.
 */
export async function PUT(request: Request, { params }: { params: Promise<{ slug: string }> }): Promise<Response> {
  const auth = await authorizeAdminChange(request);
  if (!auth.ok) return auth.response;
  const key = keyFrom((await params).slug);
  return answer("track titles", async () => {
    const track = await findTrack(key);
    if (!track) throw notFound(`track ${key}`);
    await setDisplayTitles(auth.actor, track.id, await readJson(request));
    const entry = await trackCatalogue(track.id);
    return json(200, {
      track_id: track.id,
      track_slug: track.slug,
      track_title: entry.shownTitle,
      display_title: entry.displayTitle,
      catalogue_title: entry.title,
      challenges: entry.challenges.map((c) => ({
        challenge_id: c.challengeId,
        challenge_slug: c.slug,
        challenge_title: c.displayTitle ?? c.title,
        display_title: c.displayTitle,
        catalogue_title: c.title,
        index: c.index,
      })),
    });
  });
}

// As the track page reads its segment: a key with reserved characters arrives percent-encoded.
function keyFrom(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
