import { describe, expect, it } from "vitest";
import { challengePositions } from "@/lib/dashboard/challenge-positions";
import { exportHref, parseLearnersParams, parseTrackPageParams } from "@/lib/dashboard/page-params";
import { queryString } from "@/lib/dashboard/query-params";
import { activityWindow, isIsoInstant, windowEnd, windowStart } from "@/lib/dashboard/time-window";

describe("activity window bounds", () => {
  it("reads dates as UTC days: from starts at midnight, to includes the whole day", () => {
    expect(windowStart("2024-03-01")).toEqual(new Date("2024-03-01T00:00:00Z"));
    expect(windowEnd("2024-03-01")).toEqual(new Date("2024-03-02T00:00:00Z"));
    expect(windowEnd("2024-12-31")).toEqual(new Date("2025-01-01T00:00:00Z"));
  });

  it("reads date-times with and without a zone (none means UTC), with fractions", () => {
    expect(windowStart("2024-03-01T09:30")).toEqual(new Date("2024-03-01T09:30:00Z"));
    expect(windowStart("2024-03-01T09:30:15Z")).toEqual(new Date("2024-03-01T09:30:15Z"));
    expect(windowStart("2024-03-01T09:30:15.123456789Z")).toEqual(new Date("2024-03-01T09:30:15.123Z"));
    expect(windowStart("2024-03-01T11:30:00+02:00")).toEqual(new Date("2024-03-01T09:30:00Z"));
    expect(windowStart("2024-03-01T04:00:00-0530")).toEqual(new Date("2024-03-01T09:30:00Z"));
    expect(windowEnd("2024-03-01T09:30:00Z")).toEqual(new Date("2024-03-01T09:30:00Z"));
  });

  it("refuses what is not a real ISO 8601 date or date-time", () => {
    for (const bad of ["", "yesterday", "2024-13-01", "2024-02-30", "2023-02-29", "2024-03-01T24:00", "2024-03-01T10:61", "2024-3-1", "1709280000", "2024-03-01T10:00+25:00"]) {
      expect(isIsoInstant(bad), bad).toBe(false);
    }
    expect(isIsoInstant("2024-02-29")).toBe(true);
  });

  it("leaves out bounds that are absent", () => {
    expect(activityWindow(undefined, undefined)).toEqual({});
    expect(activityWindow("2024-03-01", undefined)).toEqual({ start: new Date("2024-03-01T00:00:00Z") });
  });
});

describe("page parameters", () => {
  it("takes valid values as given", () => {
    const params = parseLearnersParams({
      q: " grace ",
      track: "intro",
      invite: "inv1",
      status: "completed",
      from: "2024-03-01",
      to: "2024-03-31",
      sort: "progress",
      dir: "asc",
      page: "3",
    });
    expect(params).toEqual({
      filter: { q: "grace", track: "intro", invite: "inv1", statuses: ["completed"], from: "2024-03-01", to: "2024-03-31" },
      sort: "progress",
      dir: "asc",
      page: 3,
      problems: [],
    });
  });

  it("leaves out each bad value and says which and why", () => {
    const params = parseLearnersParams({
      status: "finished",
      from: "2024-02-30",
      sort: "name; DROP TABLE participant",
      dir: "up",
      page: "0",
      q: "x".repeat(257),
    });
    expect(params.problems.map((p) => p.parameter).sort()).toEqual(["dir", "from", "page", "q", "sort", "status"]);
    expect(params.problems.find((p) => p.parameter === "status")?.message).toMatch(/"finished" is not a play status/);
    expect(params).toMatchObject({ filter: {}, sort: "activity", dir: "desc", page: 1 });
  });

  it("treats empty values as absent; a repeated status means either", () => {
    const params = parseLearnersParams({ q: "", status: ["stopped", "completed"], page: ["2", "x"] });
    expect(params.problems).toEqual([]);
    expect(params).toMatchObject({ filter: { statuses: ["stopped", "completed"] }, page: 2 });
  });

  it("rejects pages that are not positive whole numbers", () => {
    for (const page of ["-1", "1.5", "1e3", "abc", "99999999"]) {
      expect(parseLearnersParams({ page }).problems.map((p) => p.parameter), page).toEqual(["page"]);
    }
  });

  it("refuses a window that ends before it starts, naming from", () => {
    const params = parseLearnersParams({ from: "2024-03-02", to: "2024-03-01" });
    expect(params.problems.map((p) => p.parameter)).toEqual(["from"]);
    expect(params.filter).toEqual({});
    // The same day as from and to is one whole day, not an empty window.
    expect(parseLearnersParams({ from: "2024-03-01", to: "2024-03-01" }).problems).toEqual([]);
  });

  it("reads the track page's parameters, and a value needs its parameter", () => {
    const params = parseTrackPageParams({ invite: "inv", mode: "embed", param: "cohort", value: "a", from: "2024-03-01" });
    expect(params.problems).toEqual([]);
    expect(params.filter).toEqual({ invite: "inv", mode: "embed", param: "cohort", value: "a", from: "2024-03-01" });
    expect(parseTrackPageParams({ value: "a" }).problems.map((p) => p.parameter)).toEqual(["value"]);
    // The track comes from the path on this page.
    expect(parseTrackPageParams({ track: "other" }).filter).toEqual({});
  });
});

describe("links", () => {
  it("carry non-empty values and apply overrides", () => {
    expect(queryString({ a: "1", b: undefined, c: "", d: 0 })).toBe("?a=1&d=0");
    expect(queryString({ a: "1", page: 3 }, { page: undefined })).toBe("?a=1");
    expect(queryString({})).toBe("");
  });

  it("to the CSV export carry every filter under the pages' names", () => {
    expect(exportHref("progress", { track: "intro", statuses: ["completed"], from: "2024-03-01", to: "2024-03-31" })).toBe(
      "/api/export/progress.csv?track=intro&status=completed&from=2024-03-01&to=2024-03-31",
    );
    expect(
      exportHref("progress", { track: "intro", statuses: ["completed", "stopped"], user: "u", mode: "embed", param: "cohort", value: "a", q: "grace" }),
    ).toBe("/api/export/progress.csv?track=intro&status=completed%2Cstopped&user=u&mode=embed&param=cohort&value=a&q=grace");
    expect(exportHref("challenges", { invite: "a b&c" })).toBe("/api/export/challenges.csv?invite=a+b%26c");
    expect(exportHref("progress", {})).toBe("/api/export/progress.csv");
  });
});

describe("challenge positions", () => {
  it("runs from 0 to the total, numbered from 1", () => {
    const positions = challengePositions([0, 1], 4);
    expect(positions.indexes).toEqual([0, 1, 2, 3]);
    expect(positions.indexes.map(positions.position)).toEqual([1, 2, 3, 4]);
  });

  it("keeps a track's own numbers when its payloads count from 1", () => {
    const positions = challengePositions([1, 3], 3);
    expect(positions.indexes).toEqual([1, 2, 3]);
    expect(positions.indexes.map(positions.position)).toEqual([1, 2, 3]);
  });

  it("shows indexes beyond a stated total, and works without a total", () => {
    expect(challengePositions([0, 5], 3).indexes).toEqual([0, 1, 2, 3, 4, 5]);
    expect(challengePositions([2], null).indexes).toEqual([0, 1, 2]);
    expect(challengePositions([], null).indexes).toEqual([]);
  });
});
