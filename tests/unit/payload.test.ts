import { describe, expect, it } from "vitest";
import { parsePayload } from "@/lib/ingest/payload";

const REPLACEMENT = "\uFFFD";

function ok(rawBody: string) {
  const result = parsePayload(rawBody);
  if (!result.ok) throw new Error(`expected ok, got: ${result.message}`);
  return result.payload;
}

function refused(rawBody: string): string {
  const result = parsePayload(rawBody);
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error("unreachable");
  return result.message;
}

/** A string PostgreSQL can store: no NUL, no unpaired surrogate. */
function storable(value: unknown): boolean {
  if (typeof value === "string") return !value.includes("\u0000") && value.isWellFormed();
  if (Array.isArray(value)) return value.every(storable);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).every(([key, inner]) => storable(key) && storable(inner));
  }
  return true;
}

describe("parsePayload: what is not a payload", () => {
  it.each(["", "   ", "not json", "{", '{"type": "track.started",}', "{type: 'track.started'}", "undefined", "NaN", "\u0000"])(
    "refuses non-JSON %j",
    (body) => {
      expect(refused(body)).toBe("body is not valid JSON");
    },
  );

  it.each(["null", "42", "-1.5", "true", "false", '"track.started"', "[]", '[{"type":"track.started"}]'])(
    "refuses the JSON value %s, which is not an object",
    (body) => {
      expect(refused(body)).toBe("body must be a JSON object");
    },
  );

  it.each([
    ["missing", "{}"],
    ["missing, other fields present", '{"participant_id":"p1","timestamp":"2021-07-29T16:14:57Z"}'],
    ["empty", '{"type":""}'],
    ["null", '{"type":null}'],
    ["a number", '{"type":42}'],
    ["a boolean", '{"type":true}'],
    ["an array", '{"type":["track.started"]}'],
    ["an object", '{"type":{"name":"track.started"}}'],
  ])("refuses a body whose type is %s", (_, body) => {
    expect(refused(body)).toBe("body must have a string `type`");
  });
});

describe("parsePayload: what is kept", () => {
  it("returns the object as parsed, unknown fields and nesting included", () => {
    const body = {
      type: "track.challenge_attempted",
      challenge_id: "dxhrbpuvvia9",
      completed: false,
      invite_id: null,
      timestamp: "2021-07-29T16:14:57.31297754Z",
      total_challenges: 3,
      score: -0.5,
      is_developer_play: true,
      custom_parameters: { cohort: "q1", tags: ["a", "b", { c: [null, 1e21] }], empty: {} },
      list: [],
      unicode: "café ✓ 🧗 日本語",
      escapes: "quote \" backslash \\ tab \t newline \n",
    };
    expect(ok(JSON.stringify(body))).toEqual(body);
  });

  it("accepts any non-empty string type, even unknown ones (classification comes later)", () => {
    expect(ok('{"type":"something.new"}')).toEqual({ type: "something.new" });
    expect(ok('  {"type":" "}\n')).toEqual({ type: " " });
  });

  it("keeps a __proto__ key as a plain field, without touching the prototype", () => {
    const payload = ok('{"type":"track.started","__proto__":{"polluted":true}}');
    expect(Object.hasOwn(payload, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    expect((payload as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("parsePayload: NUL and lone surrogates become U+FFFD", () => {
  it("replaces NUL in string values, keeping the rest of the string", () => {
    const payload = ok('{"type":"track.started","reason":"a\\u0000b\\u0000\\u0000c"}');
    expect(payload.reason).toBe(`a${REPLACEMENT}b${REPLACEMENT}${REPLACEMENT}c`);
  });

  it("replaces NUL in keys", () => {
    const payload = ok('{"type":"track.started","ke\\u0000y":1}');
    expect(payload).toEqual({ type: "track.started", [`ke${REPLACEMENT}y`]: 1 });
  });

  it("replaces NUL in the type itself (the type is then a non-empty string)", () => {
    expect(ok('{"type":"\\u0000"}').type).toBe(REPLACEMENT);
  });

  it("replaces lone high and low surrogates, in values and keys", () => {
    const payload = ok('{"type":"track.started","hi":"x\\ud800y","lo":"\\udc00","end":"z\\ud83d","k\\udfff":"v"}');
    expect(payload.hi).toBe(`x${REPLACEMENT}y`);
    expect(payload.lo).toBe(REPLACEMENT);
    expect(payload.end).toBe(`z${REPLACEMENT}`);
    expect(payload[`k${REPLACEMENT}`]).toBe("v");
    expect(Object.keys(payload)).toHaveLength(5);
  });

  it("keeps well-formed surrogate pairs (emoji), escaped or not", () => {
    const payload = ok('{"type":"track.started","a":"\\ud83e\\uddd7","b":"🧗","c":"\\udc00\\ud800"}');
    expect(payload.a).toBe("🧗");
    expect(payload.b).toBe("🧗");
    // reversed pair: both halves are lone
    expect(payload.c).toBe(REPLACEMENT + REPLACEMENT);
  });

  it("cleans deep inside arrays and objects, leaving other values alone", () => {
    const body =
      '{"type":"track.started","custom_parameters":{"list":["ok","\\u0000",["\\ud800"],{"n\\u0000":{"deep":"\\udbff!"}}],' +
      '"num":1.25,"flag":false,"nothing":null}}';
    expect(ok(body)).toEqual({
      type: "track.started",
      custom_parameters: {
        list: ["ok", REPLACEMENT, [REPLACEMENT], { [`n${REPLACEMENT}`]: { deep: `${REPLACEMENT}!` } }],
        num: 1.25,
        flag: false,
        nothing: null,
      },
    });
  });

  it("leaves storable text untouched, including U+FFFD, other control characters and escapes", () => {
    const body = { type: "track.started", s: "\uFFFD \u0001 \u001f \u007f \u2028 ok", t: "\\u0000 (escaped backslash, not NUL)" };
    expect(ok(JSON.stringify(body))).toEqual(body);
  });

  it("always returns something PostgreSQL can store, for a long mix of bad characters", () => {
    const nasty = ["\u0000", "\ud800", "\udc00", "\ud83e\uddd7", "a", "\uFFFD"];
    let text = "";
    for (let i = 0; i < 200; i++) text += nasty[(i * 7) % nasty.length];
    const payload = ok(JSON.stringify({ type: "track.started", [text]: [text, { [text]: text }] }));
    expect(storable(payload)).toBe(true);
    const cleaned = text.toWellFormed().replaceAll("\u0000", REPLACEMENT);
    expect(payload).toEqual({ type: "track.started", [cleaned]: [cleaned, { [cleaned]: cleaned }] });
  });
});
