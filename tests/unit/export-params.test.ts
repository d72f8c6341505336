import { describe, expect, it } from "vitest";
import { parseExportQuery } from "@/lib/export/params";
import { activityWindowOf, filterFileName } from "@/lib/plays/filter";

const parse = (query: string) => parseExportQuery(new URLSearchParams(query));

function ok(query: string) {
  const result = parse(query);
  if (!result.ok) throw new Error(`expected ok, got ${result.message}`);
  return result.query;
}

function refused(query: string) {
  const result = parse(query);
  if (result.ok) throw new Error(`expected a refusal for ${query}`);
  return result;
}

describe("parseExportQuery", () => {
  it("no parameters: no filter, no BOM", () => {
    expect(ok("")).toEqual({ filter: {}, bom: false });
  });

  it("reads every filter", () => {
    expect(
      ok("track=getting-started&invite=inv_1&user=u_1&status=completed&from=2024-03-01T09:00:00Z&to=2024-03-02T10:30:00.5%2B01:00&bom=1"),
    ).toEqual({
      filter: {
        track: "getting-started",
        invite: "inv_1",
        user: "u_1",
        statuses: ["completed"],
        from: "2024-03-01T09:00:00Z",
        to: "2024-03-02T10:30:00.5+01:00",
      },
      bom: true,
    });
  });

  it("statuses: comma-separated, repeated, deduplicated", () => {
    expect(ok("status=completed,stopped").filter.statuses).toEqual(["completed", "stopped"]);
    expect(ok("status=completed&status=in_progress, started").filter.statuses).toEqual(["completed", "in_progress", "started"]);
    expect(ok("status=stopped,stopped").filter.statuses).toEqual(["stopped"]);
  });

  it("reads the pages' filters too: mode, a custom parameter, a search", () => {
    expect(ok("mode=embed&param=cohort&value=a&q=grace").filter).toEqual({ mode: "embed", param: "cohort", value: "a", q: "grace" });
    expect(ok("param=cohort").filter).toEqual({ param: "cohort" });
  });

  it("a date-only from starts that day, a date-only to includes that whole day (UTC)", () => {
    expect(activityWindowOf(ok("from=2024-03-01&to=2024-03-31").filter)).toEqual({
      start: new Date("2024-03-01T00:00:00Z"),
      end: new Date("2024-04-01T00:00:00Z"),
      endInclusive: false,
    });
    expect(activityWindowOf(ok("from=2024-03-01&to=2024-03-01").filter)?.end).toEqual(new Date("2024-03-02T00:00:00Z"));
    // A date-time without a zone is UTC, as on the pages.
    expect(activityWindowOf(ok("from=2024-03-01T09:00:00").filter)).toEqual({ start: new Date("2024-03-01T09:00:00Z") });
  });

  it("empty values mean no filter", () => {
    expect(ok("track=&status=&from=&bom=")).toEqual({ filter: {}, bom: false });
    expect(ok("track=%20%20").filter).toEqual({});
  });

  it("bom accepts 1/0/true/false", () => {
    expect(ok("bom=true").bom).toBe(true);
    expect(ok("bom=TRUE").bom).toBe(true);
    expect(ok("bom=0").bom).toBe(false);
    expect(ok("bom=false").bom).toBe(false);
  });

  it.each([
    ["status=done", "status", /"done" is not a play status/],
    ["status=completed,", "status", /"" is not a play status/],
    ["status=COMPLETED", "status", /not a play status/],
    ["from=yesterday", "from", /ISO 8601/],
    ["from=2024-02-30", "from", /ISO 8601/],
    ["value=a", "value", /needs param/],
    ["mode=" + "m".repeat(257), "mode", /at most 256/],
    ["to=2024-13-01T00:00:00Z", "to", /ISO 8601/],
    ["to=1709283600", "to", /ISO 8601/],
    ["from=2024-03-02&to=2024-03-01T23:59:59Z", "from", /must not be after to/],
    ["from=2024-03-01T10:00:00%2B01:00&to=2024-03-01T08:59:59Z", "from", /must not be after to/],
    ["track=a&track=b", "track", /once/],
    ["user=" + "x".repeat(257), "user", /at most 256/],
    ["bom=yes", "bom", /1 or 0/],
    ["stauts=completed", "stauts", /unknown parameter/],
    ["format=xlsx", "format", /unknown parameter/],
  ])("%s → 400 naming %s", (query, parameter, message) => {
    const result = refused(query);
    expect(result.parameter).toBe(parameter);
    expect(result.message).toMatch(message);
    expect(result.message.startsWith(`${parameter}: `)).toBe(true);
  });

  it("from equal to to is a valid (one-instant) window", () => {
    const filter = ok("from=2024-03-01T09:00:00Z&to=2024-03-01T10:00:00%2B01:00").filter;
    expect(activityWindowOf(filter)).toEqual({ start: new Date("2024-03-01T09:00:00Z"), end: new Date("2024-03-01T09:00:00Z"), endInclusive: true });
  });
});

describe("the download's file name", () => {
  it("says what was filtered, in safe characters only", () => {
    expect(filterFileName("progress", {})).toBe("progress.csv");
    expect(filterFileName("progress", { track: "intro-to-k8s", statuses: ["completed"] })).toBe("progress-track-intro-to-k8s-status-completed.csv");
    expect(filterFileName("challenges", { statuses: ["completed", "stopped"], from: "2024-03-01T09:00:00+01:00" })).toBe(
      "challenges-status-completed-stopped-from-2024-03-01T09-00-00-01-00.csv",
    );
    const hostile = filterFileName("progress", { q: '../"; rm -rf /\r\n', invite: "ünïcödé" });
    expect(hostile).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(hostile).toBe("progress-invite-unicode-q-rm-rf.csv");
    expect(filterFileName("progress", { q: "x".repeat(500) }).length).toBeLessThanOrEqual(204);
  });
});
