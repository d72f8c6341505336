import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { backfillRequest, missingPrerequisite, statusOf } from "@/lib/backfill/requests";
import { playFromReport } from "@/lib/backfill/reported-plays";
import { CHALLENGE_COLUMNS, challengeRecord } from "@/lib/export/columns";
import { PLAY_REPORTS, playReportItem, PlayReportsMismatch, readPlayReportsPage } from "@/lib/instruqt/play-reports";
import { FAKE_INSTRUQT_SCHEMA, FAKE_PLAY_REPORTS_SCHEMA } from "../support/fake-instruqt";

/**
 * The pure parts of the backfill: the playReports document against the shape the reference
 * gives, the defensive reading of answers, the mapping of a report to a play, and the request
 * and status contracts.
 */

const item = (fields: Record<string, unknown> = {}) => ({
  id: "rep1",
  track: { id: "trk" },
  trackInvite: null,
  user: { id: "usr" },
  completionPercent: 50,
  totalChallenges: 4,
  completedChallenges: 2,
  timeSpent: 120,
  stoppedReason: null,
  mode: "platform",
  startedAt: "2024-06-10T09:00:00Z",
  activity: [],
  playReview: null,
  customParameters: [],
  ...fields,
});
const parsed = (fields: Record<string, unknown> = {}) => playReportItem.parse(item(fields));

describe("the playReports document", () => {
  it("validates against the schema the reference describes (as the fake serves it)", () => {
    const schema = buildSchema(FAKE_INSTRUQT_SCHEMA + FAKE_PLAY_REPORTS_SCHEMA);
    expect(validate(schema, parse(PLAY_REPORTS))).toEqual([]);
  });
});

describe("reading an answer defensively", () => {
  it("keeps each raw item beside its parsed form and ignores fields it does not know", () => {
    const raw = item({ somethingNew: { nested: true } });
    const page = readPlayReportsPage({ playReports: { items: [raw], totalItems: 7 } });
    expect(page.totalItems).toBe(7);
    expect(page.items[0]!.raw).toBe(raw);
    expect(page.items[0]!.report).toMatchObject({ id: "rep1", track: "trk", user: "usr", trackInvite: null });
  });

  it("reads missing optional fields as null or empty", () => {
    const report = playReportItem.parse({ id: "r", startedAt: "2024-06-10T09:00:00Z" });
    expect(report).toMatchObject({ track: null, user: null, completionPercent: null, totalChallenges: null, activity: [], customParameters: [], playReview: null });
  });

  it.each([
    ["no playReports", {}, /playReports/],
    ["items not a list", { playReports: { items: null } }, /playReports\.items/],
    ["an item without an id", { playReports: { items: [item({ id: undefined })] } }, /items\.0\.id/],
    ["an item with an unreadable start", { playReports: { items: [item(), item({ startedAt: "soon" })] } }, /items\.1\.startedAt/],
  ])("a page with %s is a mismatch carrying the raw answer", (_name, data, message) => {
    try {
      readPlayReportsPage(data);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PlayReportsMismatch);
      expect((error as Error).message).toMatch(message);
      expect((error as PlayReportsMismatch).raw).toBe(data);
    }
  });
});

describe("a report as a play", () => {
  it("an unfinished, unstopped report is in progress with its figures", () => {
    expect(playFromReport(parsed())).toMatchObject({
      id: "rep1",
      status: "in_progress",
      challengesCompleted: 2,
      totalChallenges: 4,
      progressPercent: 50,
      timeSpentSeconds: 120,
      completedAt: null,
      stoppedAt: null,
      // No activity log: the start plus the time spent.
      lastActivityAt: new Date("2024-06-10T09:02:00Z"),
    });
  });

  it("is completed at 100 %, or when every challenge is done, at its last activity", () => {
    const play = playFromReport(parsed({ completionPercent: 100, activity: [{ time: "2024-06-10T09:30:00Z", message: "done" }, { time: "2024-06-10T09:10:00Z", message: "x" }] }));
    expect(play).toMatchObject({ status: "completed", progressPercent: 100, challengesCompleted: 4, completedAt: new Date("2024-06-10T09:30:00Z") });
    expect(playFromReport(parsed({ completionPercent: null, completedChallenges: 4 })).status).toBe("completed");
  });

  it("is stopped when a stop reason is given, unless it says the track was completed", () => {
    expect(playFromReport(parsed({ stoppedReason: "expired" }))).toMatchObject({ status: "stopped", stoppedAt: expect.any(Date) });
    expect(playFromReport(parsed({ stoppedReason: "completed" })).status).toBe("completed");
  });

  it("is started when nothing was completed", () => {
    expect(playFromReport(parsed({ completionPercent: 0, completedChallenges: 0 })).status).toBe("started");
  });

  it("keeps the invite, mode and custom parameters as an object", () => {
    const play = playFromReport(parsed({ trackInvite: { id: "inv" }, customParameters: [{ key: "cohort", value: "a" }, { key: "empty", value: null }] }));
    expect(play).toMatchObject({ inviteId: "inv", mode: "platform", customParameters: { cohort: "a", empty: "" } });
    expect(playFromReport(parsed()).customParameters).toBeNull();
  });
});

describe("the request contract", () => {
  it("takes days (from at its start, to at its end) or date-times, and optional id lists", () => {
    expect(backfillRequest.parse({ from: "2024-06-10", to: "2024-06-11" })).toEqual({
      from: new Date("2024-06-10T00:00:00.000Z"),
      to: new Date("2024-06-11T23:59:59.999Z"),
      tracks: [],
      invites: [],
    });
    expect(backfillRequest.parse({ from: "2024-06-10T10:00:00+02:00", to: "2024-06-10T12:00:00Z", tracks: ["a", "a", "b"] })).toMatchObject({
      from: new Date("2024-06-10T08:00:00Z"),
      tracks: ["a", "b"],
    });
  });

  it("the same day as from and to is one whole day", () => {
    expect(backfillRequest.safeParse({ from: "2024-06-10", to: "2024-06-10" }).success).toBe(true);
  });

  it("names what is missing: the API key first, then the team slug", () => {
    expect(missingPrerequisite(null, "team")).toMatch(/API key/);
    expect(missingPrerequisite("key", null)).toMatch(/INSTRUQT_TEAM_SLUG/);
    expect(missingPrerequisite("key", "team")).toBeNull();
  });

  it("maps the job to the status contract; a finished job's old error is not shown", () => {
    const job = { id: 1n, key: "k", status: "done" as const, attempts: 1, runAt: new Date(), lastError: "old", note: null, finishedAt: null, createdAt: new Date(), updatedAt: new Date() };
    expect(statusOf("k", { ...job, payload: { pagesDone: 2, playsSeen: 150, playsAdded: 3 } })).toEqual({
      id: "k",
      status: "done",
      pages_done: 2,
      plays_seen: 150,
      plays_added: 3,
      error: null,
    });
    expect(statusOf("k", { ...job, status: "failed", payload: {} })).toMatchObject({ status: "failed", pages_done: 0, error: "old" });
    expect(statusOf("k", null)).toMatchObject({ status: "pending", pages_done: 0, error: null });
  });
});

describe("a backfilled play in challenges.csv", () => {
  const placeholder = (source: string) => [
    ...CHALLENGE_COLUMNS.map((column) => ({ participant_id: "p1", user_id: "u1", track_id: "trk", track_slug: "slug" })[column.name as "participant_id"] ?? null),
    source,
    "2024-06-10T09:00:00",
  ];

  it("keeps one row with empty challenge columns, since a report has no per-challenge data", () => {
    expect(challengeRecord(placeholder("report"))).toBe(`p1,u1,trk,slug${",".repeat(CHALLENGE_COLUMNS.length - 4)}\r\n`);
  });

  it("a webhook play without challenges still has no row", () => {
    expect(challengeRecord(placeholder("webhook"))).toBe("");
  });
});
