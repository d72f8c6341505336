import { describe, expect, it } from "vitest";
import { challengePositions } from "@/lib/dashboard/challenge-positions";
import { exportHref, parseLearnersParams, parseTrackPageParams, trackPageFilters } from "@/lib/dashboard/page-params";
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
    const { values, ignored } = parseLearnersParams({
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
    expect(ignored).toEqual([]);
    expect(values).toEqual({
      q: "grace",
      track: "intro",
      invite: "inv1",
      status: "completed",
      from: "2024-03-01",
      to: "2024-03-31",
      sort: "progress",
      dir: "asc",
      page: 3,
    });
  });

  it("replaces each bad value with its default and names it", () => {
    const { values, ignored } = parseLearnersParams({
      status: "finished",
      from: "2024-02-30",
      sort: "name; DROP TABLE participant",
      dir: "up",
      page: "0",
      q: "x".repeat(201),
    });
    expect(ignored.sort()).toEqual(["dir", "from", "page", "q", "sort", "status"]);
    expect(values).toMatchObject({ status: undefined, from: undefined, sort: "activity", dir: "desc", page: 1, q: undefined });
  });

  it("treats empty values as absent and takes the first of repeated ones", () => {
    const { values, ignored } = parseLearnersParams({ q: "", status: ["stopped", "completed"], page: ["2", "x"] });
    expect(ignored).toEqual([]);
    expect(values).toMatchObject({ q: undefined, status: "stopped", page: 2 });
  });

  it("rejects pages that are not positive whole numbers", () => {
    for (const page of ["-1", "1.5", "1e3", "abc", "99999999"]) {
      expect(parseLearnersParams({ page }).ignored, page).toEqual(["page"]);
    }
  });

  it("drops the end of a window that ends before it starts", () => {
    const { values, ignored } = parseLearnersParams({ from: "2024-03-02", to: "2024-03-01" });
    expect(ignored).toEqual(["to"]);
    expect(values).toMatchObject({ from: "2024-03-02", to: undefined });
    // The same day as from and to is one whole day, not an empty window.
    expect(parseLearnersParams({ from: "2024-03-01", to: "2024-03-01" }).ignored).toEqual([]);
  });

  it("turns the track page's parameters into play filters", () => {
    const { values, ignored } = parseTrackPageParams({ invite: "inv", mode: "embed", param: "cohort", value: "a", from: "2024-03-01" });
    expect(ignored).toEqual([]);
    expect(trackPageFilters(values)).toEqual({
      inviteId: "inv",
      mode: "embed",
      customParameter: { key: "cohort", value: "a" },
      window: { start: new Date("2024-03-01T00:00:00Z") },
    });
    expect(parseTrackPageParams({ value: "a" }).ignored).toEqual(["value"]);
  });
});

describe("links", () => {
  it("carry non-empty values and apply overrides", () => {
    expect(queryString({ a: "1", b: undefined, c: "", d: 0 })).toBe("?a=1&d=0");
    expect(queryString({ a: "1", page: 3 }, { page: undefined })).toBe("?a=1");
    expect(queryString({})).toBe("");
  });

  it("to the CSV export use its parameter names", () => {
    expect(exportHref("progress", { track: "intro", status: "completed", from: "2024-03-01", to: "2024-03-31" })).toBe(
      "/api/export/progress.csv?track=intro&status=completed&from=2024-03-01&to=2024-03-31",
    );
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
