import { Webhook } from "svix";
import { MAX_NESTING_DEPTH } from "@/lib/ingest/payload";
import { Random } from "@/tools/simulate/random";
import { generateTraffic, type SimEvent } from "@/tools/simulate/traffic";
import { TEST_WEBHOOK_SECRET } from "../../support/webhooks";

/**
 * Generated requests for the webhook fuzz test, each with the answers it may get. Every case is
 * a pure function of the seed, so a failure names a case that reproduces. Signatures are made at
 * send time (`sign`), since a 5-minute-old one would be refused for staleness.
 */

export type Expected = 200 | 201 | 400 | 401 | 413 | 431;

export interface FuzzCase {
  name: string;
  body: Buffer;
  /** Headers to send; built when sent so that valid signatures are fresh. */
  headers: (now: Date) => Record<string, string>;
  /** Send with Transfer-Encoding: chunked (no Content-Length), in several writes. */
  chunked?: boolean;
  expect: readonly Expected[];
}

const webhook = new Webhook(TEST_WEBHOOK_SECRET);
const OTHER_SECRET = "whsec_" + Buffer.from("not-the-secret-cairn-verifies-with!!").toString("base64");
const MIB = 1024 * 1024;
const STORED: readonly Expected[] = [201];
const REFUSED_BAD_JSON: readonly Expected[] = [400];
const UNVERIFIED: readonly Expected[] = [401];

/** Valid Svix headers for `body` as the server will decode it (UTF-8, invalid bytes replaced). */
function signed(svixId: string, body: Buffer, secret = TEST_WEBHOOK_SECRET) {
  const hook = secret === TEST_WEBHOOK_SECRET ? webhook : new Webhook(secret);
  return (now: Date) => ({
    "content-type": "application/json",
    "svix-id": svixId,
    "svix-timestamp": String(Math.floor(now.getTime() / 1000)),
    "svix-signature": hook.sign(svixId, now, body.toString("utf8")),
  });
}

const UNICODE_SAMPLES = [
  "😀", "🙌🏽", "\u0000", "\ud800", "\udfff", "\ufeff", "\u202e", "é", "ß", "中文", "עברית", "\u2028", "\\", "\"", "\n",
  "%00", "' OR 1=1 --", "<script>", "${jndi:ldap://x}", "\u0007", "\uffff",
];

function randomString(rng: Random, max: number): string {
  const length = rng.int(0, max);
  let out = "";
  for (let i = 0; i < length; i++) {
    const kind = rng.int(0, 5);
    if (kind === 0) out += rng.pick(UNICODE_SAMPLES);
    else if (kind === 1) out += String.fromCharCode(rng.int(0, 0xffff));
    else out += String.fromCharCode(rng.int(0x20, 0x7e));
  }
  return out;
}

function randomNumber(rng: Random): number {
  return rng.pick([
    0, -0, 1, -1, 0.5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER,
    1e21, 1e308, -1e308, 5e-324, 123456789012, rng.next() * 1e6, -rng.int(0, 1e6), rng.int(0, 20),
  ]);
}

function randomValue(rng: Random, depth = 0): unknown {
  const kind = rng.int(0, depth > 2 ? 4 : 6);
  switch (kind) {
    case 0:
      return randomString(rng, 40);
    case 1:
      return randomNumber(rng);
    case 2:
      return rng.chance(0.5);
    case 3:
      return null;
    case 4:
      return rng.pick(["", " ", "null", "true", "0", "track.started", "2024-02-30T10:00:00Z", "9999-12-31T23:59:59.999999999Z"]);
    case 5:
      return Array.from({ length: rng.int(0, 4) }, () => randomValue(rng, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = rng.int(0, 4); i > 0; i--) out[randomString(rng, 8)] = randomValue(rng, depth + 1);
      return out;
    }
  }
}

/** Raw JSON text with numbers JSON.stringify cannot write (1e400, 300-digit integers, -0.0e-999). */
function withRawNumber(payload: Record<string, unknown>, field: string, literal: string): string {
  const marker = "__raw_number_marker__";
  return JSON.stringify({ ...payload, [field]: marker }).replace(`"${marker}"`, literal);
}

function deepNesting(depth: number, open: string, close: string, leaf = "1"): string {
  return open.repeat(depth) + leaf + close.repeat(depth);
}

/** Payloads that are odd but still JSON objects with a string `type`: stored and acknowledged. */
function weirdButValid(event: SimEvent, rng: Random, n: number): { name: string; text: string; expect?: readonly Expected[] } {
  const base = { ...event.payload } as Record<string, unknown>;
  // Nesting: Cairn refuses a body nested deeper than MAX_NESTING_DEPTH (400), keeps anything shallower.
  const nested = (name: string, depth: number, build: (depth: number) => string) => ({
    name: `${name} (${depth} levels)`,
    text: JSON.stringify(base).replace(/}$/, build(depth)),
    expect: depth < MAX_NESTING_DEPTH ? STORED : REFUSED_BAD_JSON,
  });
  const depths = [10, MAX_NESTING_DEPTH - 1, MAX_NESTING_DEPTH, 1_000, 50_000, 300_000];
  const variants: (() => { name: string; text: string; expect?: readonly Expected[] })[] = [
    () => ({ name: "unknown type", text: JSON.stringify({ ...base, type: `track.${randomString(rng, 12)}` }) }),
    () => ({ name: "type with unicode and NUL", text: JSON.stringify({ ...base, type: `x\u0000${rng.pick(UNICODE_SAMPLES)}` }) }),
    () => ({ name: "NUL in values and keys", text: JSON.stringify({ ...base, "ke\u0000y": "va\u0000lue", participant_id: `p\u0000${n}` }) }),
    () => ({ name: "lone surrogates", text: JSON.stringify({ ...base, note: "\ud800x\udc00y\udfff" }).replace("x", "\\ud83d") }),
    () => ({ name: "escaped NUL and surrogates in raw text", text: JSON.stringify(base).replace(/}$/, ',"raw":"\\u0000\\ud800\\udfff\\u0000"}') }),
    () => ({ name: "emoji and RTL everywhere", text: JSON.stringify({ ...base, track_slug: "🙌\u202eevil", user_id: "עברית😀", custom_parameters: { "😀": "\u2028" } }) }),
    () => ({ name: "huge number literal", text: withRawNumber(base, "challenge_index", rng.pick(["1e400", "-1e400", "1" + "0".repeat(300), "1e-400", "-0.0e-999"])) }),
    () => ({ name: "huge total_challenges", text: withRawNumber(base, "total_challenges", rng.pick(["1e300", "99999999999", "2147483648", "1e20"])) }),
    () => ({ name: "huge challenge_index", text: JSON.stringify({ ...base, challenge_id: "c", challenge_index: rng.pick([2 ** 31, 1e9, 1e15, 2 ** 53, 1e300]), total_challenges: 3 }) }),
    () => ({ name: "skip to a huge challenge_index", text: JSON.stringify({ ...base, type: "track.skipped_to_challenge", challenge_id: "c", challenge_index: rng.pick([1e7, 2 ** 31 - 1, 1e12]), total_challenges: 3 }) }),
    () => ({ name: "huge review score", text: JSON.stringify({ type: rng.pick(["review.created", "review.updated"]), review_id: `r${n}`, track_id: "t", user_id: "u", score: rng.pick([2 ** 31, 1e18, -1e300]), timestamp: base.timestamp }) }),
    () => ({ name: "odd timestamps", text: JSON.stringify({ ...base, timestamp: rng.pick(["0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "2024-02-29T12:00:00+14:00", "1970-01-01T00:00:00-23:59", "2023-02-29T00:00:00Z", "2024-01-01T23:59:60Z", "2024-01-01T00:00:00.1234567891Z", "", "now", "0001-01-01T00:00:00Z", "2024-01-01T00:00:00+99:00"]) }) }),
    () => ({ name: "very long ids", text: JSON.stringify({ ...base, [rng.pick(["participant_id", "user_id", "track_id", "invite_id", "challenge_id", "type"])]: "x".repeat(rng.pick([3000, 10_000, 200_000])) }) }),
    () => ({ name: "long string field", text: JSON.stringify({ ...base, note: "y".repeat(rng.int(100_000, 900_000)) }) }),
    () => nested("deep arrays in an extra field", rng.pick(depths), (d) => `,"deep":${deepNesting(d, "[", "]")}}`),
    () => nested("deep objects in custom_parameters", rng.pick(depths), (d) => `,"custom_parameters":${deepNesting(d, '{"a":', "}")}}`),
    () => ({ name: "many keys", text: JSON.stringify({ ...base, ...Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])) }) }),
    () => ({ name: "duplicate keys", text: JSON.stringify(base).replace(/}$/, `,"participant_id":"dup-${n}","participant_id":"again-${n}"}`) }),
    () => ({ name: "wrong field types", text: JSON.stringify({ ...base, participant_id: randomValue(rng), invite_id: randomValue(rng), custom_parameters: randomValue(rng), completed: randomValue(rng) }) }),
    () => ({ name: "whitespace around the object", text: ` \n\t${JSON.stringify(base)}\r\n ` }),
    () => ({ name: "fields removed", text: JSON.stringify(Object.fromEntries(Object.entries(base).filter(([key]) => key === "type" || rng.chance(0.5)))) }),
  ];
  return rng.pick(variants)();
}

/** Bodies that are not a JSON object with a non-empty string `type`: refused with 400 once verified. */
function notAnEvent(event: SimEvent, rng: Random): { name: string; body: Buffer } {
  const text = JSON.stringify(event.payload);
  const variants: (() => { name: string; body: Buffer })[] = [
    () => ({ name: "random bytes", body: Buffer.from(Array.from({ length: rng.int(0, 2_000) }, () => rng.int(0, 255))) }),
    () => ({ name: "truncated JSON", body: Buffer.from(text.slice(0, rng.int(0, text.length - 1))) }),
    () => ({ name: "empty body", body: Buffer.alloc(0) }),
    () => ({ name: "JSON scalar", body: Buffer.from(rng.pick(["null", "true", "1", '"track.started"', "1e400", "[]", "[{}]"])) }),
    () => ({ name: "type not a string", body: Buffer.from(JSON.stringify({ ...event.payload, type: randomValue(rng) === "" ? null : rng.pick([null, 1, true, [], {}, ["track.started"]]) })) }),
    () => ({ name: "empty type", body: Buffer.from(JSON.stringify({ ...event.payload, type: "" })) }),
    () => ({ name: "no type", body: Buffer.from(JSON.stringify({ ...event.payload, type: undefined })) }),
    () => ({ name: "byte order mark", body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]) }),
    () => ({ name: "trailing garbage", body: Buffer.from(`${text}${rng.pick(["}", ",", "x", "\u0000", "{}"])}`) }),
    () => ({ name: "NUL bytes in raw text", body: Buffer.from(text.replace(/"type"/, '"ty\u0000pe"')) }),
    () => ({ name: "deep nesting only", body: Buffer.from(deepNesting(rng.pick([10, 10_000, 400_000]), "[", "]")) }),
    // Before the object: inside a string, replaced bytes would still make valid JSON.
    () => ({ name: "invalid UTF-8", body: Buffer.concat([Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from(text)]) }),
    () => ({ name: "form encoded", body: Buffer.from("type=track.started&participant_id=x") }),
    () => ({ name: "single quotes", body: Buffer.from(text.replaceAll('"', "'")) }),
  ];
  return rng.pick(variants)();
}

/** A valid delivery with one thing wrong in its headers: not verifiable, so 401. */
function headerMutation(svixId: string, body: Buffer, rng: Random): { name: string; headers: (now: Date) => Record<string, string>; expect: readonly Expected[] } {
  const good = signed(svixId, body);
  const mutate = (name: string, change: (h: Record<string, string>, now: Date) => void, expect: readonly Expected[] = UNVERIFIED) => ({
    name,
    expect,
    headers: (now: Date) => {
      const headers = good(now);
      change(headers, now);
      return headers;
    },
  });
  const seconds = (now: Date) => Math.floor(now.getTime() / 1000);
  const latin1 = () => Buffer.from(Array.from({ length: rng.int(1, 30) }, () => rng.int(0x80, 0xff))).toString("latin1");
  const variants = [
    () => mutate("no svix-id", (h) => delete h["svix-id"]),
    () => mutate("no svix-timestamp", (h) => delete h["svix-timestamp"]),
    () => mutate("no svix-signature", (h) => delete h["svix-signature"]),
    () => mutate("no svix headers at all", (h) => {
      delete h["svix-id"];
      delete h["svix-timestamp"];
      delete h["svix-signature"];
    }),
    () => mutate("empty svix-id", (h) => (h["svix-id"] = "")),
    () => mutate("svix-id too long", (h) => (h["svix-id"] = "msg_" + "a".repeat(rng.int(252, 8_000)))),
    () => mutate("svix-id with latin-1 bytes", (h) => (h["svix-id"] = `msg_${latin1()}`)),
    () => mutate("svix-id of another message", (h) => (h["svix-id"] = `${svixId}x`)),
    () => mutate("timestamp not a number", (h) => (h["svix-timestamp"] = rng.pick(["abc", "1e10", "-1", " ", "0x10", "12.5", "∞"].map((v) => (v === "∞" ? latin1() : v))))),
    () => mutate("timestamp stale", (h, now) => (h["svix-timestamp"] = String(seconds(now) - rng.int(301, 10 ** 9)))),
    () => mutate("timestamp in the future", (h, now) => (h["svix-timestamp"] = String(seconds(now) + rng.int(301, 10 ** 9)))),
    () => mutate("timestamp huge", (h) => (h["svix-timestamp"] = rng.pick(["99999999999999999999999", "9".repeat(400), "1" + "0".repeat(15)]))),
    () => mutate("timestamp changed after signing", (h) => (h["svix-timestamp"] = String(Number(h["svix-timestamp"]) + rng.pick([-1, 1, 60])))),
    () => mutate("signature bit flipped", (h) => {
      const sig = h["svix-signature"]!;
      const at = rng.int(3, sig.length - 2);
      h["svix-signature"] = sig.slice(0, at) + (sig[at] === "A" ? "B" : "A") + sig.slice(at + 1);
    }),
    () => mutate("signature truncated", (h) => (h["svix-signature"] = h["svix-signature"]!.slice(0, rng.int(0, 40)))),
    () => mutate("signature of another secret", (h, now) => (h["svix-signature"] = signed(svixId, body, OTHER_SECRET)(now)["svix-signature"]!)),
    () => mutate("signature in another version", (h) => (h["svix-signature"] = h["svix-signature"]!.replace(/^v1,/, rng.pick(["v2,", "v1a,", "V1,", "v0,", ""])))),
    () => mutate("garbage signature entries only", (h) => (h["svix-signature"] = Array.from({ length: rng.int(1, 200) }, () => `v1,${Buffer.from(randomString(rng, 40)).toString("base64")}`).join(" "))),
    () => mutate("signature header with latin-1 bytes", (h) => (h["svix-signature"] = `v1,${latin1()}`)),
    () => mutate("signature header huge", (h) => (h["svix-signature"] = "v1," + "A".repeat(rng.int(1_000, 12_000)))),
    // Node's HTTP parser refuses headers over 16 KiB in all (431) before the app sees them.
    () => mutate("headers over Node's 16 KiB limit", (h) => (h["svix-signature"] = "v1," + "A".repeat(rng.int(17_000, 60_000))), [431]),
    () => mutate("valid signature among garbage entries", (h) => (h["svix-signature"] = `v1,AAAA v1,${"B".repeat(44)} ${h["svix-signature"]} v2,zzz`), STORED),
    () => mutate("header names in upper case", (h) => {
      for (const name of ["svix-id", "svix-timestamp", "svix-signature"]) {
        h[name.toUpperCase()] = h[name]!;
        delete h[name];
      }
    }, STORED),
    () => mutate("webhook-* (Standard Webhooks) names instead of svix-*", (h) => {
      for (const name of ["id", "timestamp", "signature"]) {
        h[`webhook-${name}`] = h[`svix-${name}`]!;
        delete h[`svix-${name}`];
      }
    }),
    () => mutate("no content-type", (h) => delete h["content-type"], STORED),
    () => mutate("content-type text/plain", (h) => (h["content-type"] = "text/plain; charset=latin1"), STORED),
  ];
  return rng.pick(variants)();
}

/**
 * `count` cases plus a fixed set of oversized bodies. About half are validly signed events with a
 * random mutation of their fields (the ingest path's schema and projection see them), a quarter
 * header mutations, the rest garbage bodies (signed or not) and weird-but-valid payloads.
 */
export function fuzzCases(seed: string, count: number): FuzzCase[] {
  const rng = new Random(`${seed}:fuzz`);
  const { events } = generateTraffic({ seed, learners: 80, tracks: 5, startMs: Date.UTC(2024, 0, 1), spreadSeconds: 3600 });
  const cases: FuzzCase[] = [];
  let n = 0;
  const nextId = () => `msg_fuzz_${seed}_${n++}`;

  for (let i = 0; i < count; i++) {
    const event = rng.pick(events);
    const roll = rng.next();
    const svixId = nextId();
    if (roll < 0.4) {
      // A real event with some fields replaced, removed or added; `type` stays a non-empty string.
      const payload: Record<string, unknown> = { ...event.payload };
      for (let m = rng.int(1, 4); m > 0; m--) {
        const keys = Object.keys(payload).filter((key) => key !== "type");
        const action = rng.int(0, 2);
        if (action === 0 && keys.length) payload[rng.pick(keys)] = randomValue(rng);
        else if (action === 1 && keys.length) delete payload[rng.pick(keys)];
        else payload[rng.chance(0.5) ? randomString(rng, 10) : rng.pick(["challenge_index", "total_challenges", "completed", "score", "review_id", "custom_parameters"])] = randomValue(rng);
      }
      const body = Buffer.from(JSON.stringify(payload));
      cases.push({ name: "mutated fields", body, headers: signed(svixId, body), expect: STORED });
    } else if (roll < 0.55) {
      const { name, text, expect = STORED } = weirdButValid(event, rng, i);
      const body = Buffer.from(text);
      cases.push({ name, body, headers: signed(svixId, body), expect });
    } else if (roll < 0.8) {
      const body = Buffer.from(JSON.stringify(event.payload));
      const mutation = headerMutation(svixId, body, rng);
      cases.push({ name: mutation.name, body, headers: mutation.headers, expect: mutation.expect });
    } else if (roll < 0.95) {
      const { name, body } = notAnEvent(event, rng);
      cases.push({ name: `signed ${name}`, body, headers: signed(svixId, body), expect: REFUSED_BAD_JSON });
    } else {
      const { name, body } = notAnEvent(event, rng);
      const headers: Record<string, string> = {};
      for (let h = rng.int(0, 3); h > 0; h--) headers[rng.pick(["svix-id", "svix-timestamp", "svix-signature", "x-random"])] = randomString(rng, 30).replace(/[^\x20-\x7e]/g, "?");
      cases.push({ name: `unsigned ${name}`, body, headers: () => headers, expect: UNVERIFIED });
    }
  }

  // Oversized bodies, declared (Content-Length) and undeclared (chunked), signed or not.
  for (let i = 0; i < 12; i++) {
    const size = MIB + rng.pick([1, 1_000, 500_000, 3 * MIB]);
    const body = Buffer.alloc(size, rng.pick(["a", "{", " "]));
    const svixId = nextId();
    cases.push({ name: `oversized ${i % 2 ? "chunked" : "declared"} body of ${size} bytes`, body, headers: i % 3 === 0 ? () => ({}) : signed(svixId, body), chunked: i % 2 === 1, expect: [413] });
  }
  // Exactly at the limit: read whole, then judged on its content.
  const atLimit = Buffer.from(JSON.stringify({ ...events[0]!.payload, pad: "" }));
  const padded = Buffer.from(JSON.stringify({ ...events[0]!.payload, pad: "p".repeat(MIB - atLimit.length) }));
  cases.push({ name: "body of exactly 1 MiB", body: padded, headers: signed(nextId(), padded), expect: STORED });

  // Cairn reads the body (up to its limit) before anything else: any body over 1 MiB is a 413,
  // unless Node already refused the headers.
  return cases.map((c) => (c.body.length > MIB && !c.expect.includes(431) ? { ...c, name: `${c.name} (over 1 MiB)`, expect: [413] } : c));
}
