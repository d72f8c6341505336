import { describe, expect, it } from "vitest";
import {
  CHALLENGE_COLUMNS,
  challengeHeader,
  challengeRecord,
  chooseParamColumns,
  isoUtc,
  MAX_PARAM_COLUMNS,
  paramCell,
  PROGRESS_COLUMNS,
  progressHeader,
  progressRecord,
  selectExpression,
  sortParamKeys,
} from "@/lib/export/columns";

describe("headers", () => {
  it("progress: the 21 columns in their order, then track_title, then param_<key> per key", () => {
    expect(progressHeader([])).toBe(
      "participant_id,user_id,first_name,last_name,email,track_id,track_slug,invite_id,mode,status," +
        "challenges_completed,total_challenges,progress_percent,attempts,failed_attempts,skipped_challenges," +
        "started_at,completed_at,last_activity_at,time_spent_seconds,custom_parameters,track_title\r\n",
    );
    expect(PROGRESS_COLUMNS.findIndex((c) => c.name === "track_title")).toBe(21);
    expect(progressHeader(["cohort", "a,b", "=x"])).toMatch(/,custom_parameters,track_title,param_cohort,"param_a,b",param_=x\r\n$/);
  });

  it("challenges", () => {
    expect(challengeHeader()).toBe(
      "participant_id,user_id,track_id,track_slug,challenge_id,challenge_index,status,started_at,completed_at," +
        "last_activity_at,attempts,failed_attempts,skipped,seconds_in_challenge,track_title,challenge_title\r\n",
    );
  });
});

describe("isoUtc", () => {
  it.each([
    ["2024-03-01T09:00:00", "2024-03-01T09:00:00.000Z"],
    ["2024-03-01T09:00:00.5", "2024-03-01T09:00:00.500Z"],
    ["2024-03-01T09:00:00.12", "2024-03-01T09:00:00.120Z"],
    ["2024-03-01T09:00:00.123456", "2024-03-01T09:00:00.123Z"],
    ["2024-03-01T09:00:00.999999", "2024-03-01T09:00:00.999Z"],
    ["infinity", "infinity"],
  ])("%s → %s", (input, expected) => {
    expect(isoUtc(input)).toBe(expected);
  });

  it("timestamps are selected as JSON of the UTC wall time", () => {
    const startedAt = PROGRESS_COLUMNS.find((c) => c.name === "started_at")!;
    expect(selectExpression(startedAt)).toBe("to_json((p.started_at) AT TIME ZONE 'UTC')");
  });
});

// A progress row as the query returns it (PROGRESS_COLUMNS order).
const progressRow = (overrides: Partial<Record<string, unknown>> = {}) => {
  const values: Record<string, unknown> = {
    participant_id: "p1",
    user_id: "u1",
    first_name: "Ada",
    last_name: "Lovelace",
    email: "ada@example.com",
    track_id: "trk1",
    track_slug: "getting-started",
    invite_id: null,
    mode: "platform",
    status: "in_progress",
    challenges_completed: 1,
    total_challenges: 3,
    progress_percent: 33,
    attempts: 2,
    failed_attempts: 1,
    skipped_challenges: 0,
    started_at: "2024-03-01T09:00:00",
    completed_at: null,
    last_activity_at: "2024-03-01T09:02:00.25",
    time_spent_seconds: 120,
    custom_parameters: { lms_user: "42", cohort: "spring" },
    track_title: "Getting Started",
    ...overrides,
  };
  expect(Object.keys(values)).toEqual(PROGRESS_COLUMNS.map((c) => c.name));
  return PROGRESS_COLUMNS.map((c) => values[c.name]);
};

describe("progressRecord", () => {
  it("writes each column by its kind and the param columns from the custom parameters", () => {
    expect(progressRecord(progressRow(), ["cohort", "lms_user", "utm_source"])).toBe(
      "p1,u1,Ada,Lovelace,ada@example.com,trk1,getting-started,,platform,in_progress,1,3,33,2,1,0," +
        '2024-03-01T09:00:00.000Z,,2024-03-01T09:02:00.250Z,120,"{""cohort"":""spring"",""lms_user"":""42""}",Getting Started,spring,42,\r\n',
    );
  });

  it("a play without custom parameters has empty JSON and param cells", () => {
    expect(progressRecord(progressRow({ custom_parameters: null, track_title: null }), ["cohort"])).toMatch(/,120,,,\r\n$/);
  });

  it("neutralizes and quotes text cells, including param values, never the JSON column", () => {
    const row = progressRow({
      first_name: '=HYPERLINK("http://x")',
      last_name: "O'Brien, Jr.",
      custom_parameters: { offset: "-5", cmd: "=cmd()", note: 'a "b"\nc', n: -5, flag: true, obj: { k: "v" }, nul: null },
    });
    const record = progressRecord(row, ["cmd", "flag", "n", "note", "nul", "obj", "offset"]);
    expect(record).toContain(`"'=HYPERLINK(""http://x"")","O'Brien, Jr."`);
    expect(record.endsWith(`,'=cmd(),true,'-5,"a ""b""\nc",,"{""k"":""v""}",'-5\r\n`)).toBe(true);
    expect(record).toContain(
      `"{""cmd"":""=cmd()"",""flag"":true,""n"":-5,""note"":""a \\""b\\""\\nc"",""nul"":null,""obj"":{""k"":""v""},""offset"":""-5""}"`,
    );
  });

  it("ignores inherited properties as parameter values", () => {
    expect(progressRecord(progressRow({ custom_parameters: {} }), ["constructor", "toString"])).toMatch(/,\{\},Getting Started,,\r\n$/);
  });
});

describe("paramCell", () => {
  it("strings as they are, anything else as JSON, null as empty", () => {
    expect(paramCell("x")).toBe("x");
    expect(paramCell(5)).toBe("5");
    expect(paramCell(false)).toBe("false");
    expect(paramCell([1, "a"])).toBe('[1,"a"]');
    expect(paramCell(null)).toBe(null);
  });
});

describe("challengeRecord", () => {
  const row = (overrides: Partial<Record<string, unknown>> = {}) => {
    const values: Record<string, unknown> = {
      participant_id: "p1",
      user_id: "u1",
      track_id: "trk1",
      track_slug: "getting-started",
      challenge_id: "ch1",
      challenge_index: 0,
      status: "completed",
      started_at: "2024-03-01T09:00:10",
      completed_at: "2024-03-01T09:02:00",
      last_activity_at: "2024-03-01T09:02:01",
      attempts: 2,
      failed_attempts: 1,
      skipped: false,
      seconds_in_challenge: 110,
      track_title: "Getting Started",
      challenge_title: "=Install",
      ...overrides,
    };
    expect(Object.keys(values)).toEqual(CHALLENGE_COLUMNS.map((c) => c.name));
    return CHALLENGE_COLUMNS.map((c) => values[c.name]);
  };

  it("writes a challenge", () => {
    expect(challengeRecord(row())).toBe(
      "p1,u1,trk1,getting-started,ch1,0,completed,2024-03-01T09:00:10.000Z,2024-03-01T09:02:00.000Z,2024-03-01T09:02:01.000Z,2,1,false,110,Getting Started,'=Install\r\n",
    );
    expect(challengeRecord(row({ challenge_id: null, status: "skipped", started_at: null, completed_at: null, last_activity_at: null, attempts: 0, failed_attempts: 0, skipped: true, seconds_in_challenge: null }))).toBe(
      "p1,u1,trk1,getting-started,,0,skipped,,,,0,0,true,,Getting Started,'=Install\r\n",
    );
  });

  it("skips a play's placeholder row (no challenge)", () => {
    expect(challengeRecord(row({ challenge_id: null, challenge_index: null, status: null }))).toBe("");
  });
});

describe("sortParamKeys", () => {
  it("deduplicates and sorts by code unit, independent of locale", () => {
    expect(sortParamKeys(["b", "a", "B", "é", "a", "_x"])).toEqual(["B", "_x", "a", "b", "é"]);
  });
});

describe("chooseParamColumns", () => {
  it("takes every key while there are few", () => {
    expect(chooseParamColumns(["b", "a"])).toEqual({ keys: ["a", "b"], omitted: 0 });
  });

  it("stops at the limit, keeping the first keys in order and counting the rest", () => {
    const keys = Array.from({ length: MAX_PARAM_COLUMNS + 7 }, (_, i) => `k${String(i).padStart(4, "0")}`).reverse();
    const chosen = chooseParamColumns(keys);
    expect(chosen.keys).toHaveLength(MAX_PARAM_COLUMNS);
    expect(chosen.keys[0]).toBe("k0000");
    expect(chosen.keys.at(-1)).toBe(`k${String(MAX_PARAM_COLUMNS - 1).padStart(4, "0")}`);
    expect(chosen.omitted).toBe(7);
  });
});
