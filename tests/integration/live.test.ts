import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { hashToken } from "@/lib/auth/api-tokens";
import { withClient } from "../support/database";
import { PlayBuilder, type BuiltEvent } from "../support/events-factory";
import { TEST_ADMIN } from "../support/integration-setup";
import { waitForProjection } from "../support/projection";
import { signIn, withSession } from "../support/session";
import { sendEvent } from "../support/webhooks";

/**
 * The live board through the real app: signed webhooks in, the projector's NOTIFY, GET /api/live
 * and GET /api/live/stream read by a real HTTP client.
 *
 *   lv_ok       on c1 (recent), one failed check on it         → challenge 2, no flags
 *   lv_fail     on c0, three failed checks                      → failing
 *   lv_sandbox  sandbox.failed, no sandbox.created after it     → sandbox_failed
 *   lv_stuck    started c0 20 min ago, last event 12 min ago    → stuck, idle
 *   lv_done     completed; lv_stop stopped; lv_quiet 6 h ago    → not on the board
 *   lv_other    another track and invite                        → only unscoped
 */

const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");

const TRACK = "lv_track";
const SLUG = "live-track";
const INVITE = "lv_inv";
const CHALLENGES = ["lv_c0", "lv_c1", "lv_c2"];
const MINUTE = 60_000;
const ago = (minutes: number) => new Date(Date.now() - minutes * MINUTE);

function play(id: string, start: Date, options: { track?: string; slug?: string; invite?: string } = {}) {
  return new PlayBuilder({
    participantId: `lv_${id}`,
    userId: `lv_user_${id}`,
    trackId: options.track ?? TRACK,
    trackSlug: options.slug ?? SLUG,
    challengeIds: CHALLENGES,
    inviteId: options.invite ?? INVITE,
    start,
    svixPrefix: `msg_lv_${id}_${randomUUID()}_`,
  });
}

const ok = play("ok", ago(5))
  .trackStarted()
  .after(5).challengeStarted(0).after(30).attempt(0, true).challengeCompleted(0)
  .after(5).challengeStarted(1).after(20).attempt(1, false);
const failing = play("fail", ago(5)).trackStarted().after(5).challengeStarted(0);
for (let i = 0; i < 3; i++) failing.after(10).attempt(0, false);
const sandbox = play("sandbox", ago(5)).sandbox("creating").after(5).sandbox("created").after(30).sandbox("failed");
const stuck = play("stuck", ago(20)).trackStarted().after(5).challengeStarted(0).after(8 * 60).attempt(0, false);
const done = play("done", ago(10)).trackStarted().after(5).challengeStarted(0).after(30).attempt(0, true).trackCompleted();
const stopped = play("stop", ago(10)).trackStarted().after(5).challengeStarted(0).after(30).trackStopped();
const quiet = play("quiet", ago(6 * 60)).trackStarted().after(5).challengeStarted(0);
const other = play("other", ago(3), { track: "lv_track_b", slug: "live-track-b", invite: "lv_inv_b" }).trackStarted();

/** The one door for this file's events: 201 each, then wait for the projector. */
async function post(events: readonly BuiltEvent[], options: { wait?: boolean } = {}): Promise<number> {
  let acknowledgedAt = 0;
  for (const event of events) {
    const response = await sendEvent(baseUrl, event.payload, { svixId: event.svixId });
    expect(response.status, `${event.svixId} → ${await response.clone().text()}`).toBe(201);
    acknowledgedAt = Date.now();
  }
  if (options.wait !== false) await waitForProjection(databaseUrl);
  return acknowledgedAt;
}

let session: ReturnType<typeof withSession>;
let token: string;

beforeAll(async () => {
  for (const built of [ok, failing, sandbox, stuck, done, stopped, quiet, other]) await post(built.build());
  await withClient(databaseUrl, (client) =>
    client.query(`UPDATE learner SET first_name = 'Ada', last_name = 'Lovelace', email = 'ada@example.test' WHERE id = 'lv_user_ok'`),
  );
  session = withSession(await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));
  token = `cairn_${randomBytes(32).toString("base64url")}`;
  await withClient(databaseUrl, (client) =>
    client.query(`INSERT INTO api_token (id, name, token_hash, prefix, scope) VALUES ($1, $2, $3, $4, 'read')`, [
      `lv_${randomUUID()}`,
      "live test",
      hashToken(token),
      token.slice(0, 12),
    ]),
  );
});

interface Play {
  participant_id: string;
  flags: string[];
  [key: string]: unknown;
}

async function live(query = ""): Promise<{ generated_at: string; plays: Play[] }> {
  const response = await session(`${baseUrl}/api/live${query}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

const ours = (plays: Play[]) => plays.filter((p) => p.participant_id.startsWith("lv_"));

describe("GET /api/live", () => {
  it("lists the active plays with their challenge, durations and flags, needs-help first", async () => {
    const before = Date.now();
    const body = await live(`?track=${SLUG}`);
    expect(Date.parse(body.generated_at)).toBeGreaterThanOrEqual(before - 1000);
    const plays = ours(body.plays);
    expect(plays.map((p) => p.participant_id)).toEqual(["lv_stuck", "lv_fail", "lv_sandbox", "lv_ok"]);

    const byId = new Map(plays.map((p) => [p.participant_id, p]));
    const first = byId.get("lv_ok")!;
    expect(Object.keys(first).sort()).toEqual(
      [
        "participant_id", "user_id", "first_name", "last_name", "email", "track_id", "track_slug", "track_title",
        "challenge_number", "challenge_id", "challenge_title", "seconds_on_challenge", "failed_attempts_on_challenge",
        "seconds_since_activity", "flags",
      ].sort(),
    );
    expect(first).toMatchObject({
      user_id: "lv_user_ok",
      first_name: "Ada",
      last_name: "Lovelace",
      email: "ada@example.test",
      track_id: TRACK,
      track_slug: SLUG,
      track_title: null,
      challenge_number: 2,
      challenge_id: "lv_c1",
      challenge_title: null,
      failed_attempts_on_challenge: 1,
      flags: [],
    });
    expect(first.seconds_on_challenge).toBeGreaterThanOrEqual(0);
    expect(first.seconds_on_challenge).toBeLessThan(5 * 60);

    expect(byId.get("lv_fail")).toMatchObject({ challenge_number: 1, failed_attempts_on_challenge: 3, flags: ["failing"] });
    expect(byId.get("lv_sandbox")).toMatchObject({ challenge_number: null, challenge_id: null, flags: ["sandbox_failed"] });
    expect(byId.get("lv_sandbox")!.first_name).toBeNull();
    const stuckPlay = byId.get("lv_stuck")!;
    expect(stuckPlay.flags).toEqual(["stuck", "idle"]);
    expect(stuckPlay.seconds_on_challenge).toBeGreaterThanOrEqual(20 * 60 - 10);
    expect(stuckPlay.seconds_since_activity).toBeGreaterThanOrEqual(12 * 60 - 10);
  });

  it("scopes by track id, by invite, and to nothing for an unknown track", async () => {
    const bySlug = ours((await live(`?track=${SLUG}`)).plays).map((p) => p.participant_id);
    expect(ours((await live(`?track=${TRACK}`)).plays).map((p) => p.participant_id)).toEqual(bySlug);
    expect(ours((await live(`?invite=lv_inv_b`)).plays).map((p) => p.participant_id)).toEqual(["lv_other"]);
    expect(ours((await live(`?invite=${INVITE}&track=live-track-b`)).plays)).toEqual([]);
    expect((await live(`?track=no-such-track`)).plays).toEqual([]);
    const all = ours((await live()).plays).map((p) => p.participant_id);
    expect(all).toContain("lv_other");
    expect(all).not.toEqual(expect.arrayContaining(["lv_done", "lv_stop", "lv_quiet"]));
  });

  it("answers 400 naming a bad parameter", async () => {
    for (const [query, parameter] of [
      ["?status=completed", "status"],
      ["?trak=live-track", "trak"],
      [`?track=a&track=b`, "track"],
      [`?invite=${"x".repeat(300)}`, "invite"],
    ] as const) {
      const response = await session(`${baseUrl}/api/live${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.json(), query).toMatchObject({ error: "invalid_parameter", parameter });
      const stream = await session(`${baseUrl}/api/live/stream${query}`);
      expect(stream.status, query).toBe(400);
      expect(await stream.json(), query).toMatchObject({ parameter });
    }
  });

  it("takes a session or an API token, and nothing else", async () => {
    expect((await fetch(`${baseUrl}/api/live`)).status).toBe(401);
    expect((await fetch(`${baseUrl}/api/live/stream`)).status).toBe(401);
    const response = await fetch(`${baseUrl}/api/live?track=${SLUG}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(ours((await response.json()).plays)).toHaveLength(4);
    expect((await fetch(`${baseUrl}/api/live`, { headers: { authorization: "Bearer cairn_nope" } })).status).toBe(401);
  });
});

interface Message {
  event: string;
  data: string;
  at: number;
}

/** A real client reading the stream; messages are collected as they arrive. */
async function openStream(query = "", headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await session(`${baseUrl}/api/live/stream${query}`, { signal: controller.signal, headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const messages: Message[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let closed = false;
  void (async () => {
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
            else if (line.startsWith(":")) event = "comment";
            else if (line.startsWith("retry: ")) event = "retry";
          }
          messages.push({ event, data: data.join("\n"), at: Date.now() });
        }
      }
    } catch {
      // aborted
    } finally {
      closed = true;
    }
  })();
  async function waitFor(predicate: (message: Message) => boolean, timeoutMs = 10_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = messages.find(predicate);
      if (found) return found;
      if (Date.now() > deadline || closed) throw new Error(`no matching message; got ${JSON.stringify(messages.map((m) => m.event + " " + m.data.slice(0, 80)))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return { messages, waitFor, close: () => controller.abort(), isClosed: () => closed };
}

const isPlay = (id: string, check: (play: Play) => boolean = () => true) => (message: Message) =>
  message.event === "play" && (JSON.parse(message.data) as Play).participant_id === id && check(JSON.parse(message.data));

async function listeners(): Promise<number> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN cairn_plays'`,
    );
    return rows[0]!.n;
  });
}

async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("GET /api/live/stream", () => {
  it("sends the board, then each play as it changes (within 2 s of the 201), and gone when it leaves", async () => {
    const stream = await openStream(`?track=${SLUG}`);
    try {
      await stream.waitFor(isPlay("lv_ok", (p) => p.first_name === "Ada"));
      await stream.waitFor(isPlay("lv_stuck", (p) => p.flags.join() === "stuck,idle"));
      expect(stream.messages.some(isPlay("lv_other"))).toBe(false);

      const fresh = play("fresh", new Date()).trackStarted().after(1).challengeStarted(0);
      const acknowledged = await post(fresh.build(), { wait: false });
      const appeared = await stream.waitFor(isPlay("lv_fresh", (p) => p.challenge_number === 1));
      expect(appeared.at - acknowledged).toBeLessThan(2_000);

      const failedChecks = play("fresh", new Date());
      for (let i = 0; i < 3; i++) failedChecks.after(1).attempt(0, false);
      const failedAt = await post(failedChecks.build(), { wait: false });
      const flagged = await stream.waitFor(isPlay("lv_fresh", (p) => p.flags.includes("failing")));
      expect(flagged.at - failedAt).toBeLessThan(2_000);

      const completedAt = await post(play("fresh", new Date()).trackCompleted().build(), { wait: false });
      const gone = await stream.waitFor(
        (m) => m.event === "gone" && (JSON.parse(m.data) as { participant_id: string }).participant_id === "lv_fresh",
      );
      expect(gone.at - completedAt).toBeLessThan(2_000);
      // An unchanged play is not sent again.
      expect(stream.messages.filter(isPlay("lv_ok"))).toHaveLength(1);
    } finally {
      stream.close();
    }
  });

  it("keeps an idle connection alive with a comment heartbeat every 15 s", async () => {
    const stream = await openStream(`?invite=lv_inv_b`);
    try {
      const opened = Date.now();
      const heartbeat = await stream.waitFor((m) => m.event === "comment", 25_000);
      expect(heartbeat.at - opened).toBeLessThan(20_000);
    } finally {
      stream.close();
    }
  }, 40_000);

  it("shares one LISTEN connection between viewers and lets it go when they leave", async () => {
    const a = await openStream();
    const b = await openStream(`?invite=lv_inv_b`, { authorization: `Bearer ${token}` });
    try {
      await a.waitFor(isPlay("lv_other"));
      await b.waitFor(isPlay("lv_other"));
      expect(b.messages.some(isPlay("lv_ok"))).toBe(false);
      await eventually(listeners, (n) => n === 1);
      expect(await listeners()).toBe(1);
    } finally {
      a.close();
      b.close();
    }
    await eventually(listeners, (n) => n === 0);
  });
});

afterAll(async () => {
  await waitForProjection(databaseUrl);
});
