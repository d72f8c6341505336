import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PlayBuilder } from "../support/events-factory";
import { withClient } from "../support/database";
import { deliver } from "./dashboard-support";

/**
 * listPlays with matchLearners: the learners page's search, filters, sort and pagination.
 *
 *   dln_u1 Gracienne Hopperly <gracienne@navy.example>  track A completed, track B in progress
 *   dln_u2 Alan Turing <alan@bletchley.example> track A stopped
 *   dln_u3 (not enriched)                      track A in progress, invite dln_inv
 *   dln_u4 (not enriched)                      track B started, invite dln_inv, day 2024-06-03
 *
 * Names arrive through enrichment (another module); here they are written to `learner` directly.
 */

process.env.DATABASE_URL = inject("databaseUrl");
const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");
const { listPlays } = await import("@/lib/dashboard/plays");
const { matchLearners } = await import("@/lib/plays/filter");
const { db } = await import("@/lib/db/client");

const TRACK_A = "dln_track_a";
const TRACK_B = "dln_track_b";

function play(participant: string, user: string, track: string, start: string, invite: string | null = null) {
  return new PlayBuilder({
    participantId: participant,
    userId: user,
    trackId: track,
    trackSlug: track === TRACK_A ? "dash-learners-a" : "dash-learners-b",
    challengeIds: ["dln_c0", "dln_c1"],
    inviteId: invite,
    start,
    svixPrefix: `msg_${participant}_`,
  });
}

const plays = [
  play("dln_p1", "dln_u1", TRACK_A, "2024-06-01T09:00:00Z")
    .trackStarted().after(60).challengeStarted(0).after(60).attempt(0, true).challengeCompleted(0)
    .after(60).challengeStarted(1).after(60).attempt(1, true).challengeCompleted(1).trackCompleted(),
  play("dln_p2", "dln_u1", TRACK_B, "2024-06-02T09:00:00Z").trackStarted().after(60).challengeStarted(0),
  play("dln_p3", "dln_u2", TRACK_A, "2024-06-01T10:00:00Z").trackStarted().after(60).challengeStarted(0).after(60).trackStopped(),
  play("dln_p4", "dln_u3", TRACK_A, "2024-06-01T11:00:00Z", "dln_inv").trackStarted().after(30).challengeStarted(0),
  play("dln_p5", "dln_u4", TRACK_B, "2024-06-03T09:00:00Z", "dln_inv").trackStarted(),
];

const ids = (page: { rows: { participantId: string }[] }) => page.rows.map((row) => row.participantId);
const search = async (text: string, extra = {}) =>
  listPlays({ filters: { learners: await matchLearners(text), ...extra }, sort: "started", direction: "asc" });

beforeAll(async () => {
  for (const built of plays) await deliver(baseUrl, built.build());
  await withClient(databaseUrl, async (client) => {
    await client.query(
      `UPDATE learner SET first_name = 'Gracienne', last_name = 'Hopperly', email = 'gracienne@navy.example',
              enrichment_source = 'test', enriched_at = now() WHERE id = 'dln_u1'`,
    );
    await client.query(
      `UPDATE learner SET first_name = 'Alan', last_name = 'Turing', email = 'alan@bletchley.example',
              enrichment_source = 'test', enriched_at = now() WHERE id = 'dln_u2'`,
    );
  });
});

afterAll(async () => {
  await db().$disconnect();
});

describe("learner search", () => {
  it("finds plays by first name, last name, full name and email, ignoring case", async () => {
    expect(ids(await search("gracienne"))).toEqual(["dln_p1", "dln_p2"]);
    expect(ids(await search("HOPPERLY"))).toEqual(["dln_p1", "dln_p2"]);
    expect(ids(await search("Gracienne Hopperly"))).toEqual(["dln_p1", "dln_p2"]);
    expect(ids(await search("bletchley.example"))).toEqual(["dln_p3"]);
  });

  it("finds plays by Instruqt user id", async () => {
    expect(ids(await search("dln_u3"))).toEqual(["dln_p4"]);
    expect((await search("dln_u")).total).toBe(5);
  });

  it("takes the search text literally: % and _ are not wildcards", async () => {
    expect((await search("dln%u1")).total).toBe(0);
    expect((await search("gracienne_hopperly")).total).toBe(0);
  });

  it("returns nothing for a search that matches nobody", async () => {
    const page = await search("dln_nobody_like_this");
    expect(page).toMatchObject({ total: 0, rows: [], page: 1, pageCount: 1 });
  });

  it("still finds plays when a search matches thousands of learners", async () => {
    // More matches than an id list carries: the search then runs as a subquery.
    await withClient(databaseUrl, (client) =>
      client.query("INSERT INTO learner (id) SELECT 'dlnbulk_' || g FROM generate_series(1, 2100) g ON CONFLICT DO NOTHING"),
    );
    const bulkPlay = play("dln_p6", "dlnbulk_77", TRACK_B, "2024-06-04T09:00:00Z").trackStarted();
    await deliver(baseUrl, bulkPlay.build());
    const match = await matchLearners("dlnbulk_");
    expect(match.kind).toBe("text");
    const page = await listPlays({ filters: { learners: match } });
    expect(ids(page)).toEqual(["dln_p6"]);
    expect((await search("dlnbulk_77")).total).toBe(1);
  });
});

describe("filters", () => {
  it("by track, status, invite and activity window", async () => {
    expect(ids(await search("dln_u", { trackId: TRACK_A }))).toEqual(["dln_p1", "dln_p3", "dln_p4"]);
    expect(ids(await search("dln_u", { statuses: ["stopped"] }))).toEqual(["dln_p3"]);
    expect(ids(await search("dln_u", { inviteId: "dln_inv" }))).toEqual(["dln_p4", "dln_p5"]);
    expect(ids(await search("dln_u", { window: { start: new Date("2024-06-02T00:00:00Z") } }))).toEqual(["dln_p2", "dln_p5"]);
    expect(
      ids(await search("dln_u", { window: { start: new Date("2024-06-02T00:00:00Z"), end: new Date("2024-06-03T00:00:00Z") } })),
    ).toEqual(["dln_p2"]);
    expect((await search("dln_u", { trackId: TRACK_B, statuses: ["completed"] })).total).toBe(0);
  });
});

describe("sorting", () => {
  const trackA = { trackId: TRACK_A };

  it("by learner: name when enriched, else email, else user id", async () => {
    const ascending = await listPlays({ filters: trackA, sort: "learner", direction: "asc" });
    expect(ids(ascending)).toEqual(["dln_p3", "dln_p4", "dln_p1"]); // alan turing, dln_u3, gracienne hopperly
    const descending = await listPlays({ filters: trackA, sort: "learner", direction: "desc" });
    expect(ids(descending)).toEqual(["dln_p1", "dln_p4", "dln_p3"]);
  });

  it("by last activity (the default, newest first), start, status and progress", async () => {
    expect(ids(await listPlays({ filters: trackA }))).toEqual(["dln_p4", "dln_p3", "dln_p1"]);
    expect(ids(await listPlays({ filters: trackA, sort: "started", direction: "asc" }))).toEqual(["dln_p1", "dln_p3", "dln_p4"]);
    // Status in the enum's order: started, in_progress, completed, stopped.
    expect(ids(await listPlays({ filters: trackA, sort: "status", direction: "asc" }))).toEqual(["dln_p4", "dln_p1", "dln_p3"]);
    expect(ids(await listPlays({ filters: trackA, sort: "progress", direction: "desc" }))).toEqual(["dln_p1", "dln_p4", "dln_p3"]);
  });

  it("by track name", async () => {
    const byTrack = await listPlays({ filters: { learners: await matchLearners("dln_u") }, sort: "track", direction: "asc" });
    expect(byTrack.rows.map((r) => r.trackSlug)).toEqual([
      "dash-learners-a",
      "dash-learners-a",
      "dash-learners-a",
      "dash-learners-b",
      "dash-learners-b",
    ]);
  });
});

describe("pagination", () => {
  it("cuts pages in SQL and clamps a page past the end to the last one", async () => {
    const filters = { trackId: TRACK_A };
    const first = await listPlays({ filters, sort: "started", direction: "asc", pageSize: 2 });
    expect(first).toMatchObject({ total: 3, page: 1, pageCount: 2, pageSize: 2 });
    expect(ids(first)).toEqual(["dln_p1", "dln_p3"]);
    const second = await listPlays({ filters, sort: "started", direction: "asc", pageSize: 2, page: 2 });
    expect(ids(second)).toEqual(["dln_p4"]);
    const beyond = await listPlays({ filters, sort: "started", direction: "asc", pageSize: 2, page: 99 });
    expect(beyond.page).toBe(2);
    expect(ids(beyond)).toEqual(["dln_p4"]);
  });

  it("joins learner names and track keys to the rows", async () => {
    const [row] = (await search("gracienne", { trackId: TRACK_A })).rows;
    expect(row).toMatchObject({
      participantId: "dln_p1",
      userId: "dln_u1",
      firstName: "Gracienne",
      lastName: "Hopperly",
      email: "gracienne@navy.example",
      trackKey: "dash-learners-a",
      status: "completed",
      challengesCompleted: 2,
      totalChallenges: 2,
      progressPercent: 100,
    });
  });
});
