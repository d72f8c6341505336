import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PlayBuilder, type BuiltEvent } from "../support/events-factory";
import { parseCsv } from "../support/csv";
import { TEST_ADMIN } from "../support/integration-setup";
import { signIn, withSession } from "../support/session";
import { deliver } from "./dashboard-support";

/**
 * Proof that the pages and the downloads are one read model: for the same filter, every page
 * list (the learners list, a track's plays, the overview's track table and the track funnel) and
 * the CSV rows and the funnel JSON give the same plays with the same figures. The page side is
 * read the way the pages read it (their parser, lib/plays/filter, the read models); the other
 * side over HTTP, as an LMS job would.
 */

process.env.DATABASE_URL = inject("databaseUrl");
const baseUrl = inject("baseUrl");
const { parseLearnersParams, parseTrackPageParams } = await import("@/lib/dashboard/page-params");
const { selectionOf } = await import("@/lib/plays/filter");
const { listPlays } = await import("@/lib/dashboard/plays");
const { trackFunnel } = await import("@/lib/dashboard/track-funnel");
const { findTrack, trackSummaries } = await import("@/lib/dashboard/tracks");
const { overview } = await import("@/lib/dashboard/overview");
const { db } = await import("@/lib/db/client");

const TRACKS = {
  one: { trackId: "rma_t1", trackSlug: "rma-one", challengeIds: ["rma_c1", "rma_c2", "rma_c3"] },
  two: { trackId: "rma_t2", trackSlug: "rma-two", challengeIds: ["rma_c4", "rma_c5"] },
};

/** Ten plays of two tracks, each with a different mix of invite, mode, cohort, user and outcome. */
function plays(): PlayBuilder[] {
  return Array.from({ length: 10 }, (_, i) => {
    const track = i % 3 === 2 ? TRACKS.two : TRACKS.one;
    const builder = new PlayBuilder({
      ...track,
      participantId: `rma_p${i}`,
      userId: `rma_u${i % 4}`,
      inviteId: i % 2 ? "rma_inv_a" : "rma_inv_b",
      mode: i % 3 === 0 ? "embed" : "platform",
      customParameters: { cohort: i % 2 ? "blue" : "red", "seat, \"quoted\"": String(i) },
      start: `2024-06-${String(1 + i).padStart(2, "0")}T09:00:00Z`,
      svixPrefix: `msg_rma_p${i}_`,
    }).trackStarted();
    const complete = (index: number) => builder.after(20).challengeStarted(index).after(40).attempt(index, false).after(30).attempt(index, true).challengeCompleted(index);
    switch (i % 5) {
      case 0:
        track.challengeIds.forEach((_, index) => complete(index));
        builder.after(5).trackCompleted();
        break;
      case 1:
        complete(0);
        builder.after(10).challengeStarted(1).after(50).trackStopped();
        break;
      case 2:
        builder.after(10).challengeStarted(0).after(30).attempt(0, false);
        break;
      case 3:
        break;
      default:
        complete(0);
        builder.after(10).skipTo(track.challengeIds.length - 1).challengeStarted(track.challengeIds.length - 1);
    }
    return builder;
  });
}

/** The one door for this file's events (projection may become asynchronous: wait here). */
async function post(events: readonly BuiltEvent[]): Promise<void> {
  await deliver(baseUrl, events);
}

let session: ReturnType<typeof withSession>;

beforeAll(async () => {
  for (const built of plays()) await post(built.build());
  session = withSession(await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));
});

afterAll(async () => {
  await db().$disconnect();
});

async function csv(file: "progress" | "challenges", query: string) {
  const response = await session(`${baseUrl}/api/export/${file}.csv?${query}`);
  expect(response.status, `${file}.csv?${query}: ${await response.clone().text()}`).toBe(200);
  return parseCsv(await response.text());
}

const num = (cell: string | undefined) => (cell === undefined || cell === "" ? null : Number(cell));
const queryObject = (query: string) => Object.fromEntries(new URLSearchParams(query));

/** A page row and a CSV row side by side, as comparable figures. */
const pageFigures = (row: Awaited<ReturnType<typeof listPlays>>["rows"][number]) => ({
  participant: row.participantId,
  user: row.userId,
  track: row.trackSlug,
  invite: row.inviteId,
  mode: row.mode,
  status: row.status,
  completed: row.challengesCompleted,
  total: row.totalChallenges,
  percent: row.progressPercent,
  attempts: row.attempts,
  failed: row.failedAttempts,
  skipped: row.skippedChallenges,
  seconds: row.timeSpentSeconds,
  last: row.lastActivityAt?.toISOString() ?? null,
});
const csvFigures = (row: Record<string, string>) => ({
  participant: row.participant_id,
  user: row.user_id || null,
  track: row.track_slug || null,
  invite: row.invite_id || null,
  mode: row.mode || null,
  status: row.status,
  completed: num(row.challenges_completed),
  total: num(row.total_challenges),
  percent: num(row.progress_percent),
  attempts: num(row.attempts),
  failed: num(row.failed_attempts),
  skipped: num(row.skipped_challenges),
  seconds: num(row.time_spent_seconds),
  last: row.last_activity_at || null,
});
const byParticipant = <T extends { participant: string | undefined }>(rows: T[]) =>
  [...rows].sort((a, b) => (a.participant! < b.participant! ? -1 : a.participant! > b.participant! ? 1 : 0));

const LEARNER_FILTERS = [
  "user=rma_u1",
  "q=rma_u2",
  "invite=rma_inv_a&track=rma-two",
  "track=rma_t1&status=stopped,in_progress",
  "track=rma-one&mode=embed",
  "track=rma-one&param=cohort&value=blue",
  "q=rma_&from=2024-06-03&to=2024-06-06",
  "q=rma_&status=completed",
];

describe("the learners list and progress.csv", () => {
  it.each(LEARNER_FILTERS)("?%s: the same plays with the same figures", async (query) => {
    const params = parseLearnersParams(queryObject(query));
    expect(params.problems).toEqual([]);
    const page = await listPlays({ filters: await selectionOf(params.filter), pageSize: 1000 });
    const rows = await csv("progress", query);
    expect(rows.length).toBeGreaterThan(0);
    expect(page.total).toBe(rows.length);
    expect(byParticipant(rows.map(csvFigures))).toEqual(byParticipant(page.rows.map(pageFigures)));
  });
});

const TRACK_FILTERS = ["", "status=completed", "invite=rma_inv_b", "mode=platform", "param=cohort&value=red", "from=2024-06-05", "q=rma_u3"];

describe("a track's page, progress.csv, challenges.csv and the funnel JSON", () => {
  it.each(TRACK_FILTERS)("rma-one ?%s: plays, funnel and downloads agree", async (query) => {
    const track = (await findTrack("rma-one"))!;
    const params = parseTrackPageParams(queryObject(query));
    expect(params.problems).toEqual([]);
    const selection = await selectionOf(params.filter, { trackId: track.id });
    const [page, funnel] = await Promise.all([listPlays({ filters: selection, pageSize: 1000 }), trackFunnel(track, selection)]);

    const withTrack = query ? `track=rma-one&${query}` : "track=rma-one";
    const [progress, challenges, json] = await Promise.all([
      csv("progress", withTrack),
      csv("challenges", withTrack),
      session(`${baseUrl}/api/tracks/rma-one/funnel${query ? `?${query}` : ""}`).then((response) => response.json()),
    ]);

    // The plays list and progress.csv.
    expect(byParticipant(progress.map(csvFigures))).toEqual(byParticipant(page.rows.map(pageFigures)));
    // The page's funnel and the JSON: the same numbers.
    expect(json).toEqual({
      track_id: track.id,
      track_slug: track.slug,
      track_title: null,
      starters: funnel.starters,
      completed: funnel.completed,
      challenges: funnel.challenges.map((step) => ({
        number: step.position,
        challenge_id: step.challengeId,
        challenge_title: null,
        reached: step.reached,
        completed: step.completed,
        working: step.working,
        gave_up: step.gaveUp,
      })),
    });
    // The funnel and the CSV rows.
    expect(json.starters).toBe(progress.length);
    expect(funnel.plays).toBe(progress.length);
    expect(json.completed).toBe(progress.filter((row) => row.status === "completed").length);
    expect(funnel.completions).toBe(json.completed);
    for (const step of json.challenges as { number: number; reached: number; completed: number; working: number; gave_up: number }[]) {
      const here = challenges.filter((row) => Number(row.challenge_index) === step.number - 1);
      expect(step.completed, `#${step.number} completed`).toBe(here.filter((row) => row.status === "completed").length);
      expect(step.reached, `#${step.number} reached`).toBe(here.filter((row) => row.status === "in_progress" || row.status === "completed").length);
    }
    const placed = (json.challenges as { working: number; gave_up: number }[]).reduce((sum, step) => sum + step.working + step.gave_up, 0);
    expect(json.completed + placed).toBe(json.starters);
    // challenges.csv covers exactly the plays of progress.csv.
    expect(new Set(challenges.map((row) => row.participant_id))).toEqual(
      new Set(progress.filter((row) => row.status !== "started").map((row) => row.participant_id)),
    );
  });
});

describe("the overview and the downloads", () => {
  it("each track's starts and completions are its progress.csv rows, and the totals the whole file's", async () => {
    const [summaries, data, all] = await Promise.all([trackSummaries(), overview(), csv("progress", "")]);
    for (const key of ["rma-one", "rma-two"]) {
      const summary = summaries.find((track) => track.key === key)!;
      const rows = await csv("progress", `track=${key}`);
      expect(summary.plays).toBe(rows.length);
      expect(summary.completions).toBe(rows.filter((row) => row.status === "completed").length);
      expect(summary.inProgress).toBe(rows.filter((row) => row.status === "in_progress").length);
      expect(summary.stopped).toBe(rows.filter((row) => row.status === "stopped").length);
    }
    const tracked = all.filter((row) => row.track_id !== "");
    expect(data.plays).toBe(tracked.length);
    expect(data.completions).toBe(tracked.filter((row) => row.status === "completed").length);
  });
});
