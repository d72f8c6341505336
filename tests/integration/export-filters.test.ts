import { beforeAll, describe, expect, inject, it } from "vitest";
import { PlayBuilder, type BuiltEvent } from "../support/events-factory";
import { TEST_ADMIN } from "../support/integration-setup";
import { waitForProjectionAt } from "../support/projection";
import { signIn, withSession } from "../support/session";
import { sendEvent } from "../support/webhooks";

/**
 * Each filter of both export files, on plays of this file's own tracks, users and invites (the
 * app and database are shared with other test files), and the 400s for bad parameters.
 */

const baseUrl = inject("baseUrl");

interface PlaySpec {
  id: string;
  track: 1 | 2;
  user: string;
  invite: string | null;
  /** The play's events end at `end`; its status comes from how it ends. */
  end: string;
  status: "started" | "in_progress" | "completed" | "stopped";
}

const PLAYS: PlaySpec[] = [
  { id: "expf_p1", track: 1, user: "expf_ua", invite: "expf_inv_a", end: "2024-04-01T10:00:00Z", status: "completed" },
  { id: "expf_p2", track: 1, user: "expf_ub", invite: "expf_inv_b", end: "2024-04-02T10:00:00Z", status: "in_progress" },
  { id: "expf_p3", track: 1, user: "expf_ua", invite: null, end: "2024-04-03T23:59:59.5Z", status: "stopped" },
  { id: "expf_p4", track: 1, user: "expf_uc", invite: "expf_inv_a", end: "2024-04-04T00:00:00Z", status: "started" },
  { id: "expf_p5", track: 2, user: "expf_ua", invite: "expf_inv_a", end: "2024-04-02T12:00:00Z", status: "completed" },
];

const TRACKS = {
  1: { trackId: "trk_expf_1", trackSlug: "filters-one", challengeIds: ["expf_c1", "expf_c2"] },
  2: { trackId: "trk_expf_2", trackSlug: "filters-two", challengeIds: ["expf_c3"] },
};

function eventsOf(spec: PlaySpec): BuiltEvent[] {
  const track = TRACKS[spec.track];
  const end = new Date(spec.end).getTime();
  const play = new PlayBuilder({
    ...track,
    participantId: spec.id,
    userId: spec.user,
    inviteId: spec.invite,
    start: new Date(end - 600_000),
  });
  play.trackStarted();
  if (spec.status === "started") {
    play.at(spec.end).trackCleaned();
    return play.build();
  }
  play.after(60).challengeStarted(0);
  if (spec.status === "completed") {
    for (let i = 0; i < track.challengeIds.length; i++) play.after(10).challengeStarted(i).after(10).attempt(i, true);
    play.at(spec.end).trackCompleted();
  } else if (spec.status === "stopped") {
    play.at(spec.end).trackStopped();
  } else {
    play.at(spec.end).attempt(0, false);
  }
  return play.build();
}

let session: ReturnType<typeof withSession>;

beforeAll(async () => {
  session = withSession(await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));
  for (const spec of PLAYS) {
    for (const { svixId, payload } of eventsOf(spec)) {
      expect((await sendEvent(baseUrl, payload, { svixId })).status).toBe(201);
    }
  }
  await waitForProjectionAt(baseUrl);
});

/** The participant ids (first column) of an export, in file order. */
async function participants(file: "progress" | "challenges", query: string): Promise<string[]> {
  const response = await session(`${baseUrl}/api/export/${file}.csv?${query}`);
  expect(response.status).toBe(200);
  const [header, ...records] = (await response.text()).split("\r\n");
  expect(header).toMatch(/^participant_id,/);
  expect(records.pop()).toBe(""); // the last record ends with CRLF too
  // This file's ids hold no comma or quote, so the first field is everything up to the first comma.
  return records.map((record) => record.slice(0, record.indexOf(",")));
}

const unique = (ids: string[]) => [...new Set(ids)];

/** Ids in download order: last activity newest first (each play's end), then participant id. */
const newestFirst = (ids: string[]) => {
  const end = (id: string) => Date.parse(PLAYS.find((p) => p.id === id)!.end);
  return [...ids].sort((a, b) => end(b) - end(a) || (a < b ? -1 : a > b ? 1 : 0));
};

describe("filters", () => {
  it("the projection gives each play the status its events mean", async () => {
    for (const status of ["started", "in_progress", "completed", "stopped"]) {
      expect(await participants("progress", `track=filters-one&status=${status}`)).toEqual(
        newestFirst(PLAYS.filter((p) => p.track === 1 && p.status === status).map((p) => p.id)),
      );
    }
  });

  it("downloads are sorted by last activity, newest first, then participant id", async () => {
    expect(await participants("progress", "track=filters-one")).toEqual(["expf_p4", "expf_p3", "expf_p2", "expf_p1"]);
    expect(await participants("progress", "user=expf_ua")).toEqual(["expf_p3", "expf_p5", "expf_p1"]);
  });

  it("track, by id or slug", async () => {
    expect(await participants("progress", "track=trk_expf_1")).toEqual(newestFirst(["expf_p1", "expf_p2", "expf_p3", "expf_p4"]));
    expect(await participants("progress", "track=filters-one")).toEqual(newestFirst(["expf_p1", "expf_p2", "expf_p3", "expf_p4"]));
    expect(await participants("progress", "track=filters-two")).toEqual(newestFirst(["expf_p5"]));
  });

  it("invite", async () => {
    expect(await participants("progress", "invite=expf_inv_a")).toEqual(newestFirst(["expf_p1", "expf_p4", "expf_p5"]));
    expect(await participants("progress", "invite=expf_inv_b")).toEqual(newestFirst(["expf_p2"]));
  });

  it("user", async () => {
    expect(await participants("progress", "user=expf_ua")).toEqual(newestFirst(["expf_p1", "expf_p3", "expf_p5"]));
    expect(await participants("progress", "user=expf_nobody")).toEqual([]);
  });

  it("status, one or several", async () => {
    expect(await participants("progress", "track=filters-one&status=completed,stopped")).toEqual(newestFirst(["expf_p1", "expf_p3"]));
    expect(await participants("progress", "track=filters-one&status=started&status=in_progress")).toEqual(newestFirst(["expf_p2", "expf_p4"]));
    expect(await participants("progress", "user=expf_ua&status=completed")).toEqual(newestFirst(["expf_p1", "expf_p5"]));
  });

  it("from and to select plays whose activity overlaps the window, inclusive; a date-only to covers its whole day", async () => {
    const q = (window: string) => participants("progress", `track=filters-one&${window}`);
    expect(await q("from=2024-04-02T10:00:00Z")).toEqual(newestFirst(["expf_p2", "expf_p3", "expf_p4"]));
    expect(await q("from=2024-04-02T10:00:00.001Z")).toEqual(newestFirst(["expf_p3", "expf_p4"]));
    expect(await q("to=2024-04-02T10:00:00Z")).toEqual(newestFirst(["expf_p1", "expf_p2"]));
    // p4 ran from 23:50 on the 3rd to midnight: it was active on the 3rd.
    expect(await q("to=2024-04-03")).toEqual(newestFirst(["expf_p1", "expf_p2", "expf_p3", "expf_p4"]));
    expect(await q("to=2024-04-03T23:49:59Z")).toEqual(newestFirst(["expf_p1", "expf_p2"])); // p3 began at 23:49:59.5
    expect(await q("from=2024-04-02&to=2024-04-03")).toEqual(newestFirst(["expf_p2", "expf_p3", "expf_p4"]));
    expect(await q("from=2024-04-04")).toEqual(newestFirst(["expf_p4"]));
    // The same instants written with an offset.
    expect(await q("from=2024-04-02T12:00:00%2B02:00&to=2024-04-02T06:00:00-04:00")).toEqual(newestFirst(["expf_p2"]));
  });

  it("filters combine (AND)", async () => {
    expect(await participants("progress", "invite=expf_inv_a&track=filters-one&from=2024-04-02")).toEqual(newestFirst(["expf_p4"]));
    expect(await participants("progress", "user=expf_ua&invite=expf_inv_a&status=completed&to=2024-04-01")).toEqual(newestFirst(["expf_p1"]));
  });

  it("challenges.csv lists the challenges of exactly the plays progress.csv lists", async () => {
    for (const query of ["track=filters-one", "user=expf_ua", "invite=expf_inv_a&status=completed", "track=trk_expf_1&from=2024-04-02&to=2024-04-03"]) {
      const plays = await participants("progress", query);
      const withChallenges = PLAYS.filter((p) => p.status !== "started").map((p) => p.id);
      expect(unique(await participants("challenges", query))).toEqual(plays.filter((id) => withChallenges.includes(id)));
    }
    expect(await participants("challenges", "user=expf_ua&track=filters-one")).toEqual(newestFirst(["expf_p1", "expf_p1", "expf_p3"]));
  });
});

describe("bad parameters", () => {
  it.each([
    ["status=done", "status"],
    ["status=completed,finished", "status"],
    ["from=last-week", "from"],
    ["to=2024-02-30", "to"],
    ["from=2024-04-03&to=2024-04-02", "from"],
    ["value=x", "value"],
    ["q=" + "x".repeat(257), "q"],
    ["bom=yes", "bom"],
    ["track=a&track=b", "track"],
    ["stauts=completed", "stauts"],
  ])("?%s → 400 naming %s, on both files", async (query, parameter) => {
    for (const file of ["progress", "challenges"]) {
      const response = await session(`${baseUrl}/api/export/${file}.csv?${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      const body = await response.json();
      expect(body).toMatchObject({ error: "invalid_parameter", parameter });
      expect(body.message).toMatch(new RegExp(`^${parameter}: `));
    }
  });
});
