import { describe, expect, it } from "vitest";
import {
  classifyEvent,
  eventSchemas,
  eventTypes,
  examplePayload,
  isKnownEventType,
  parseInstruqtTimestamp,
  type EventType,
} from "@/lib/instruqt/events";

type Payload = Record<string, unknown> & { type: string };
// examplePayload stamps "now": pin the time so two calls build equal payloads.
const FIXED_TIME = "2021-07-29T16:14:57.31297754Z";
const payload = (type: EventType, overrides: Record<string, unknown> = {}) =>
  examplePayload(type, { timestamp: FIXED_TIME, ...overrides }) as Payload;

/** The example payload without `field`. */
function without(type: EventType, field: string): Payload {
  const p = payload(type);
  delete p[field];
  return p;
}

function invalid(p: Payload): string {
  const result = classifyEvent(p);
  expect(result.kind).toBe("invalid_payload");
  if (result.kind !== "invalid_payload") throw new Error("unreachable");
  expect(result.type).toBe(p.type);
  return result.error;
}

// The catalogue, as listed in the reference (shared/reference/instruqt-webhooks.md).
const documentedTypes = [
  "track.started",
  "track.completed",
  "track.cleaned",
  "track.challenge_attempted",
  "track.challenge_setup",
  "track.challenge_completed",
  "track.challenge_started",
  "track.challenge_cleaned",
  "track.skipped_to_challenge",
  "track.stopped",
  "sandbox.creating",
  "sandbox.created",
  "sandbox.failed",
  "sandbox.cleaned",
  "invite.claimed",
  "review.created",
  "review.updated",
];

const trackTypes = eventTypes.filter((t) => t.startsWith("track."));
const challengeTypes = eventTypes.filter((t) => t.startsWith("track.challenge_") || t === "track.skipped_to_challenge");
const sandboxTypes = eventTypes.filter((t) => t.startsWith("sandbox."));
const playTypes = [...trackTypes, ...sandboxTypes];

describe("event catalogue", () => {
  it("has a schema for every documented type, and nothing else", () => {
    expect([...eventTypes].sort()).toEqual([...documentedTypes].sort());
    for (const type of documentedTypes) expect(isKnownEventType(type)).toBe(true);
    expect(isKnownEventType("track.unknown")).toBe(false);
    expect(isKnownEventType("toString")).toBe(false);
    expect(isKnownEventType("__proto__")).toBe(false);
  });

  it.each(eventTypes)("%s accepts its example payload and returns it unchanged", (type) => {
    const p = examplePayload(type) as Payload;
    expect(eventSchemas[type].safeParse(p).success).toBe(true);
    const result = classifyEvent(p);
    expect(result).toEqual({ kind: "valid", event: p });
  });

  it("accepts the documentation's own example (nanoseconds, null invite)", () => {
    const docs = {
      challenge_id: "dxhrbpuvvia9",
      completed: true,
      invite_id: null,
      organization_id: "instruqt",
      participant_id: "tncb0s7cdkyu",
      timestamp: "2021-07-29T16:14:57.31297754Z",
      track_id: "rzwlxtp92ted",
      track_slug: "getting-started-with-instruqt",
      type: "track.challenge_attempted",
      user_id: "gOGhYjyoPJhINJFOugIgiL4pdzu2",
    };
    expect(classifyEvent(docs)).toEqual({ kind: "valid", event: docs });
  });
});

describe("unknown fields are kept as received", () => {
  const extras = {
    is_developer_play: true,
    pooled: false,
    claim_id: "clm_123",
    reason: "user stopped",
    duration: 1234,
    nested: { deep: { list: [1, "two", { three: null }] }, empty: {} },
    a_null: null,
  };

  it.each(eventTypes)("%s keeps extra fields, nested objects included", (type) => {
    const result = classifyEvent(payload(type, extras));
    expect(result.kind).toBe("valid");
    if (result.kind !== "valid") return;
    expect(result.event).toMatchObject(extras);
    // deep-equal, not just "contains": nothing stripped, nothing added
    expect(result.event).toEqual(payload(type, extras));
  });

  it("keeps custom_parameters with any values", () => {
    const custom = { cohort: "2024-q1", lms: { id: 42, tags: ["a"] }, flag: true };
    const result = classifyEvent(payload("track.started", { custom_parameters: custom }));
    expect(result).toMatchObject({ kind: "valid", event: { custom_parameters: custom } });
  });

  it("keeps a new mode rather than rejecting it", () => {
    expect(classifyEvent(payload("track.started", { mode: "workshop" })).kind).toBe("valid");
  });
});

describe("optional and nullable fields", () => {
  it.each(playTypes)("%s accepts invite_id null, absent, or a string", (type) => {
    expect(classifyEvent(payload(type, { invite_id: null })).kind).toBe("valid");
    expect(classifyEvent(without(type, "invite_id")).kind).toBe("valid");
    expect(classifyEvent(payload(type, { invite_id: "inv_123" })).kind).toBe("valid");
  });

  it.each(playTypes)("%s accepts user_id null or absent, mode and custom_parameters absent", (type) => {
    expect(classifyEvent(payload(type, { user_id: null })).kind).toBe("valid");
    expect(classifyEvent(without(type, "user_id")).kind).toBe("valid");
    expect(classifyEvent(without(type, "mode")).kind).toBe("valid");
    expect(classifyEvent(without(type, "custom_parameters")).kind).toBe("valid");
  });

  it.each(challengeTypes)("%s accepts challenge_index and total_challenges absent or null", (type) => {
    const p = without(type, "challenge_index");
    delete p.total_challenges;
    expect(classifyEvent(p).kind).toBe("valid");
    expect(classifyEvent(payload(type, { challenge_index: null, total_challenges: null })).kind).toBe("valid");
  });

  it("review events accept a missing content and timestamp", () => {
    for (const type of ["review.created", "review.updated"] as const) {
      const p = without(type, "content");
      delete p.timestamp;
      expect(classifyEvent(p).kind).toBe("valid");
    }
  });
});

describe("invalid payloads", () => {
  it.each(playTypes)("%s without participant_id is invalid, naming the field", (type) => {
    expect(invalid(without(type, "participant_id"))).toMatch(/^participant_id: /);
  });

  it.each(playTypes)("%s without timestamp or track_id is invalid", (type) => {
    expect(invalid(without(type, "timestamp"))).toMatch(/timestamp/);
    expect(invalid(without(type, "track_id"))).toMatch(/track_id/);
  });

  it.each(challengeTypes)("%s without challenge_id is invalid", (type) => {
    expect(invalid(without(type, "challenge_id"))).toMatch(/challenge_id/);
  });

  it("challenge_attempted needs a boolean completed", () => {
    expect(invalid(without("track.challenge_attempted", "completed"))).toMatch(/^completed: /);
    expect(invalid(payload("track.challenge_attempted", { completed: "true" }))).toMatch(/^completed: .*boolean/i);
    expect(invalid(payload("track.challenge_attempted", { completed: 1 }))).toMatch(/completed/);
  });

  it("rejects wrong types with the field path and the reason", () => {
    expect(invalid(payload("track.started", { participant_id: 42 }))).toMatch(/^participant_id: .*string/i);
    expect(invalid(payload("track.started", { participant_id: "" }))).toMatch(/^participant_id: /);
    expect(invalid(payload("track.challenge_started", { challenge_index: "1" }))).toMatch(/^challenge_index: .*number/i);
    expect(invalid(payload("track.challenge_started", { challenge_index: 1.5 }))).toMatch(/^challenge_index: /);
    expect(invalid(payload("track.challenge_started", { challenge_index: -1 }))).toMatch(/^challenge_index: /);
    expect(invalid(payload("track.challenge_started", { total_challenges: "3" }))).toMatch(/^total_challenges: /);
    expect(invalid(payload("track.started", { custom_parameters: "cohort=1" }))).toMatch(/^custom_parameters: /);
    expect(invalid(payload("track.started", { invite_id: 7 }))).toMatch(/^invite_id: /);
    expect(invalid(payload("track.started", { timestamp: 1627575297 }))).toMatch(/^timestamp: /);
    expect(invalid(payload("review.created", { score: "5" }))).toMatch(/^score: /);
    expect(invalid(payload("review.created", { score: 4.5 }))).toMatch(/^score: /);
    expect(invalid(without("invite.claimed", "invite_id"))).toMatch(/^invite_id: /);
    expect(invalid(without("invite.claimed", "user_id"))).toMatch(/^user_id: /);
    expect(invalid(without("review.created", "review_id"))).toMatch(/^review_id: /);
  });

  it("lists every problem, separated by '; '", () => {
    const p = without("track.challenge_attempted", "participant_id");
    delete p.challenge_id;
    p.completed = "yes";
    const error = invalid(p);
    const parts = error.split("; ");
    expect(parts).toHaveLength(3);
    expect(parts.map((part) => part.split(":")[0]).sort()).toEqual(["challenge_id", "completed", "participant_id"]);
  });
});

describe("unknown types", () => {
  it.each(["track.paused", "sandbox.exploded", "TRACK.STARTED", "", "constructor", "hasOwnProperty", "__proto__"])(
    "%j is unknown_type",
    (type) => {
      expect(classifyEvent({ ...payload("track.started"), type })).toEqual({ kind: "unknown_type", type });
    },
  );
});

describe("timestamps", () => {
  it("parses Instruqt's nanosecond timestamps, truncating to milliseconds", () => {
    expect(parseInstruqtTimestamp("2021-07-29T16:14:57.31297754Z")?.toISOString()).toBe("2021-07-29T16:14:57.312Z");
    expect(parseInstruqtTimestamp("2021-07-29T16:14:57.999999999Z")?.toISOString()).toBe("2021-07-29T16:14:57.999Z");
    expect(parseInstruqtTimestamp("2021-07-29T16:14:57.000000001Z")?.toISOString()).toBe("2021-07-29T16:14:57.000Z");
  });

  it("parses short, absent and millisecond fractions", () => {
    expect(parseInstruqtTimestamp("2021-07-29T16:14:57Z")?.toISOString()).toBe("2021-07-29T16:14:57.000Z");
    expect(parseInstruqtTimestamp("2021-07-29T16:14:57.3Z")?.toISOString()).toBe("2021-07-29T16:14:57.300Z");
    expect(parseInstruqtTimestamp("2021-07-29T16:14:57.31Z")?.toISOString()).toBe("2021-07-29T16:14:57.310Z");
    expect(parseInstruqtTimestamp("2021-07-29T16:14:57.312Z")?.toISOString()).toBe("2021-07-29T16:14:57.312Z");
  });

  it("applies offsets", () => {
    expect(parseInstruqtTimestamp("2021-07-29T16:14:57+02:00")?.toISOString()).toBe("2021-07-29T14:14:57.000Z");
    expect(parseInstruqtTimestamp("2021-07-29T16:14:57.31297754+02:00")?.toISOString()).toBe("2021-07-29T14:14:57.312Z");
    expect(parseInstruqtTimestamp("2021-07-29T01:14:57-05:30")?.toISOString()).toBe("2021-07-29T06:44:57.000Z");
    expect(parseInstruqtTimestamp("2021-07-29T16:14:57+00:00")?.toISOString()).toBe("2021-07-29T16:14:57.000Z");
    expect(parseInstruqtTimestamp("2021-12-31T23:30:00-01:00")?.toISOString()).toBe("2022-01-01T00:30:00.000Z");
    // the same instant written two ways is the same Date
    expect(parseInstruqtTimestamp("2021-07-29T18:14:57.5+02:00")?.getTime()).toBe(
      parseInstruqtTimestamp("2021-07-29T16:14:57.5Z")?.getTime(),
    );
  });

  it("accepts leap days that exist", () => {
    expect(parseInstruqtTimestamp("2024-02-29T12:00:00Z")?.toISOString()).toBe("2024-02-29T12:00:00.000Z");
    expect(parseInstruqtTimestamp("2000-02-29T12:00:00Z")?.toISOString()).toBe("2000-02-29T12:00:00.000Z");
  });

  const bad = [
    "",
    "2021-07-29",
    "2021-07-29 16:14:57Z",
    "2021-07-29T16:14:57",
    "2021-07-29T16:14Z",
    "2021-07-29T16:14:57.Z",
    "2021-07-29T16:14:57.312+0200",
    "2021-07-29T16:14:57.312 UTC",
    "x2021-07-29T16:14:57Z",
    "Thu, 29 Jul 2021 16:14:57 GMT",
    "1627575297",
    "2021-13-01T00:00:00Z",
    "2021-00-10T00:00:00Z",
    "2021-07-00T00:00:00Z",
    "2021-07-32T00:00:00Z",
    "2021-02-29T00:00:00Z",
    "2021-02-30T00:00:00Z",
    "2021-04-31T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2021-07-29T24:00:00Z",
    "2021-07-29T23:60:00Z",
    "2021-07-29T23:59:61Z",
    "2021-07-29T16:14:57+24:00",
    "2021-07-29T16:14:57+02:60",
  ];

  it.each(bad)("parseInstruqtTimestamp(%j) is null", (value) => {
    expect(parseInstruqtTimestamp(value)).toBeNull();
  });

  it.each(bad)("an event with timestamp %j is invalid_payload, with one reason", (timestamp) => {
    expect(invalid(payload("track.started", { timestamp }))).toMatch(
      /^timestamp: (must be an RFC 3339 timestamp|must be a real date and time)$/,
    );
  });

  it("says why a timestamp is refused", () => {
    expect(invalid(payload("track.started", { timestamp: "2021-07-29 16:14:57Z" }))).toBe(
      "timestamp: must be an RFC 3339 timestamp",
    );
    expect(invalid(payload("track.started", { timestamp: "2021-02-30T00:00:00Z" }))).toBe(
      "timestamp: must be a real date and time",
    );
    expect(invalid(payload("review.created", { timestamp: "2021-13-01T00:00:00Z" }))).toBe(
      "timestamp: must be a real date and time",
    );
  });

  it("every timestamp the schema accepts can be parsed (an accepted event is never left without a time)", () => {
    const accepted = [
      "2021-07-29T16:14:57.31297754Z",
      "2021-07-29T16:14:57Z",
      "2021-07-29T16:14:57.123456789-11:45",
      "2024-02-29T23:59:59.999999999+14:00",
    ];
    for (const timestamp of accepted) {
      expect(classifyEvent(payload("track.started", { timestamp })).kind).toBe("valid");
      expect(parseInstruqtTimestamp(timestamp)).toBeInstanceOf(Date);
    }
  });

  it("rejects more than nanosecond precision in the schema", () => {
    expect(invalid(payload("track.started", { timestamp: "2021-07-29T16:14:57.3129775412Z" }))).toMatch(/^timestamp: /);
  });
});

describe("prototype-named custom parameters", () => {
  it("__proto__, constructor and prototype survive parsing as ordinary keys", () => {
    const customParameters = JSON.parse('{"__proto__":"p","constructor":"c","prototype":"t","cohort":"a"}') as Record<string, unknown>;
    const result = classifyEvent(payload("track.started", { custom_parameters: customParameters }));
    if (result.kind !== "valid") throw new Error(`expected valid, got ${result.kind}`);
    const parameters = (result.event as { custom_parameters?: Record<string, unknown> }).custom_parameters!;
    expect(Object.keys(parameters).sort()).toEqual(["__proto__", "cohort", "constructor", "prototype"]);
    expect(Object.getOwnPropertyDescriptor(parameters, "__proto__")?.value).toBe("p");
  });

  it("custom_parameters that are not an object are still refused", () => {
    expect(invalid(payload("track.started", { custom_parameters: ["a"] }))).toMatch(/custom_parameters/);
    expect(invalid(payload("track.started", { custom_parameters: "a" }))).toMatch(/custom_parameters/);
  });
});
