import { z } from "zod";
import type { Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/log";
import { db } from "@/lib/db/client";
import { notFound } from "@/lib/http/errors";
import { enqueueJob } from "@/lib/jobs/queue";
import { wakeJobRunner } from "@/lib/jobs/runner";
import { CATALOGUE_JOB_KIND } from "./store";

/**
 * What admins change in the catalogue: hand-set titles for a track and its challenges (they win
 * over Instruqt's and no refresh touches them), and "refresh titles now" for every known track.
 * Callers have checked the actor is an admin; inputs are validated here; every change is audited.
 */

export const MAX_TITLE_LENGTH = 200;

/** A title, or null / "" to remove the hand-set one (Instruqt's shows again). */
const title = z
  .string({ error: "must be a string, or null to remove the hand-set title" })
  .trim()
  .max(MAX_TITLE_LENGTH, `must be at most ${MAX_TITLE_LENGTH} characters`)
  .regex(/^[^\p{Cc}]*$/u, "must be one line of text without control characters")
  .nullable()
  .transform((value) => (value ? value : null));

export const titlesInput = z
  .object({
    /** Absent: keep the track's hand-set title. */
    title: title.optional(),
    /** challenge id → title (null removes it); absent challenges keep theirs. */
    challenges: z
      .record(z.string().min(1, "a challenge id must not be empty").max(200, "a challenge id is at most 200 characters"), title)
      .optional(),
  })
  .strict();

export type TitlesInput = z.input<typeof titlesInput>;

/** The challenge ids Cairn knows for a track: from the catalogue or from plays. */
async function knownChallengeIds(trackId: string): Promise<Set<string>> {
  const rows = await db().$queryRaw<{ id: string }[]>`
    SELECT challenge_id AS id FROM challenge_catalogue WHERE track_id = ${trackId}
    UNION
    SELECT DISTINCT challenge_id FROM challenge_progress WHERE track_id = ${trackId} AND challenge_id IS NOT NULL`;
  return new Set(rows.map((row) => row.id));
}

/** Sets (or removes) hand-set titles of track `trackId`; answers which ones changed. */
export async function setDisplayTitles(actor: Actor, trackId: string, raw: unknown): Promise<{ track: boolean; challenges: number }> {
  const input = titlesInput.parse(raw);
  const exists = await db().$queryRaw<{ one: number }[]>`
    SELECT 1 AS one FROM track WHERE id = ${trackId} UNION ALL SELECT 1 FROM participant WHERE track_id = ${trackId} LIMIT 1`;
  if (exists.length === 0) throw notFound(`track ${trackId}`);
  const challenges = Object.entries(input.challenges ?? {});
  if (challenges.length > 0) {
    const known = await knownChallengeIds(trackId);
    const unknown = challenges.filter(([id]) => !known.has(id));
    if (unknown.length > 0) {
      throw new z.ZodError(
        unknown.map(([id]) => ({ code: "custom" as const, path: ["challenges", id], input: id, message: `no challenge ${id} is known in this track` })),
      );
    }
  }
  return db().$transaction(async (tx) => {
    if (input.title !== undefined) {
      await tx.trackCatalogue.upsert({ where: { trackId }, create: { trackId, displayTitle: input.title }, update: { displayTitle: input.title } });
    }
    for (const [challengeId, displayTitle] of challenges.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      await tx.challengeCatalogue.upsert({
        where: { trackId_challengeId: { trackId, challengeId } },
        // Known from plays only: not listed by Instruqt (as far as Cairn knows yet).
        create: { trackId, challengeId, displayTitle, listed: false },
        update: { displayTitle },
      });
    }
    await recordAudit(tx, actor, "catalogue.titles.update", trackId, {
      track: input.title === undefined ? "unchanged" : input.title === null ? "removed" : input.title,
      challenges: Object.fromEntries(challenges.map(([id, value]) => [id, value])),
    });
    return { track: input.title !== undefined, challenges: challenges.length };
  });
}

/** Every known track's catalogue job due now (re-armed, failed ones too). */
export async function refreshAllTitles(actor: Actor): Promise<number> {
  const count = await db().$transaction(async (tx) => {
    // Tracks number in the hundreds: one re-arm each keeps the queue's semantics in lib/jobs.
    const tracks = await tx.track.findMany({ select: { id: true }, orderBy: { id: "asc" } });
    let queued = 0;
    for (const { id } of tracks) {
      if (await enqueueJob(tx, { kind: CATALOGUE_JOB_KIND, key: id, onConflict: "rearm" })) queued += 1;
    }
    await recordAudit(tx, actor, "catalogue.refresh", "catalogue", { tracks: queued });
    return queued;
  });
  wakeJobRunner();
  return count;
}
