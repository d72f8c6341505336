import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { hashToken } from "@/lib/auth/api-tokens";
import { withClient } from "../support/database";
import { PlayBuilder, type BuiltEvent } from "../support/events-factory";
import { TEST_ADMIN } from "../support/integration-setup";
import { signIn, withSession } from "../support/session";
import { deliver } from "./dashboard-support";

/**
 * The funnel that accounts for every play, against seven plays of one three-challenge track,
 * counted by hand. "Recent" plays had their last event minutes ago; "quiet" ones hours ago, past
 * CAIRN_INACTIVE_HOURS (default 4).
 *
 *   F1 completed        c0 c1 c2 completed, track completed                       → completed
 *   F2 stopped mid      c0 completed, c1 started, track.stopped                    → gave up at #2
 *   F3 quit between     c0 completed, track.stopped before starting c1             → gave up at #2
 *   F4 skipped ahead    c0 completed, skipped to c2, working on c2 (recent)        → working at #2 (first not completed)
 *   F5 inactive         c0 started, one failed attempt, 6 h ago                    → gave up at #1
 *   F6 still working    c0 c1 completed, c2 started (recent, mode embed)           → working at #3
 *   F7 just started     track.started only (recent)                                → working at #1
 *
 *   challenge  reached  completed  working  gave_up
 *   #1         6        5          1        1          (F7 working, F5 gave up)
 *   #2         3        2          1        2          (F4 working, F2 + F3 gave up)
 *   #3         3        1          1        0          (F6 working)
 *   starters 7 = completed 1 + gave up 3 + working 3
 */

process.env.DATABASE_URL = inject("databaseUrl");
const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");
const { listPlays } = await import("@/lib/dashboard/plays");
const { db } = await import("@/lib/db/client");

const TRACK = "dfn_track";
const SLUG = "dash-funnel";
const CHALLENGES = ["dfn_c0", "dfn_c1", "dfn_c2"];
const MINUTE = 60_000;
const recent = new Date(Date.now() - 30 * MINUTE);
const quiet = new Date(Date.now() - 6 * 60 * MINUTE);

function play(id: string, start: Date, mode = "platform") {
  return new PlayBuilder({
    participantId: `dfn_${id}`,
    userId: `dfn_user_${id}`,
    trackId: TRACK,
    trackSlug: SLUG,
    challengeIds: CHALLENGES,
    inviteId: "dfn_inv",
    mode,
    start,
    svixPrefix: `msg_dfn_${id}_`,
  });
}

const complete = (builder: PlayBuilder, index: number) =>
  builder.after(10).challengeStarted(index).after(30).attempt(index, true).challengeCompleted(index);

const f1 = play("f1", quiet).trackStarted();
for (const index of [0, 1, 2]) complete(f1, index);
f1.after(5).trackCompleted();

const f2 = complete(play("f2", quiet).trackStarted(), 0).after(10).challengeStarted(1).after(60).trackStopped();
const f3 = complete(play("f3", quiet).trackStarted(), 0).after(60).trackStopped();
const f4 = complete(play("f4", recent).trackStarted(), 0).after(10).skipTo(2).challengeStarted(2);
const f5 = play("f5", quiet).trackStarted().after(10).challengeStarted(0).after(60).attempt(0, false);
const f6 = complete(complete(play("f6", recent, "embed").trackStarted(), 0), 1).after(10).challengeStarted(2);
const f7 = play("f7", recent).trackStarted();

/** The one door for this file's events (projection may become asynchronous: wait here). */
async function post(events: readonly BuiltEvent[]): Promise<void> {
  await deliver(baseUrl, events);
}

let session: ReturnType<typeof withSession>;
let token: string;

beforeAll(async () => {
  for (const built of [f1, f2, f3, f4, f5, f6, f7]) await post(built.build());
  session = withSession(await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));
  token = `cairn_${randomBytes(32).toString("base64url")}`;
  await withClient(databaseUrl, (client) =>
    client.query(`INSERT INTO api_token (id, name, token_hash, prefix, scope) VALUES ($1, $2, $3, $4, 'read')`, [
      `dfn_${randomUUID()}`,
      "funnel test",
      hashToken(token),
      token.slice(0, 12),
    ]),
  );
});

afterAll(async () => {
  await db().$disconnect();
});

const funnelUrl = (key: string, query = "") => `${baseUrl}/api/tracks/${encodeURIComponent(key)}/funnel${query ? `?${query}` : ""}`;

async function funnel(query = "", key = SLUG) {
  const response = await session(funnelUrl(key, query));
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

describe("GET /api/tracks/[slug]/funnel", () => {
  it("accounts for every play: completed, working and gave up at each play's frontier", async () => {
    const body = await funnel();
    expect(body).toEqual({
      track_id: TRACK,
      track_slug: SLUG,
      track_title: null,
      starters: 7,
      completed: 1,
      challenges: [
        { number: 1, challenge_id: "dfn_c0", challenge_title: null, reached: 6, completed: 5, working: 1, gave_up: 1 },
        { number: 2, challenge_id: "dfn_c1", challenge_title: null, reached: 3, completed: 2, working: 1, gave_up: 2 },
        { number: 3, challenge_id: "dfn_c2", challenge_title: null, reached: 3, completed: 1, working: 1, gave_up: 0 },
      ],
    });
    const sum = (key: "working" | "gave_up") =>
      body.challenges.reduce((total: number, step: Record<string, number>) => total + step[key]!, 0);
    expect(body.completed + sum("working") + sum("gave_up")).toBe(body.starters);
  });

  it("is the same by track id, and with an API token", async () => {
    const bySlug = await funnel();
    expect(await funnel("", TRACK)).toEqual(bySlug);
    const response = await fetch(funnelUrl(SLUG), { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(bySlug);
  });

  it("takes the pages' filters", async () => {
    const stopped = await funnel("status=stopped");
    expect(stopped).toMatchObject({ starters: 2, completed: 0 });
    expect(stopped.challenges[1]).toMatchObject({ number: 2, working: 0, gave_up: 2 });
    const embed = await funnel("mode=embed");
    expect(embed).toMatchObject({ starters: 1, completed: 0 });
    expect(embed.challenges.map((step: { working: number }) => step.working)).toEqual([0, 0, 1]);
    const one = await funnel("user=dfn_user_f5");
    expect(one.challenges[0]).toMatchObject({ reached: 1, completed: 0, working: 0, gave_up: 1 });
    const none = await funnel("invite=dfn_no_such_invite");
    expect(none.starters).toBe(0);
    expect(none.challenges.every((step: { working: number; gave_up: number }) => step.working + step.gave_up === 0)).toBe(true);
  });

  it("404 for an unknown track; 400 naming a bad parameter; 401 without a session or token", async () => {
    const missing = await session(funnelUrl("dfn_no_such_track"));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "not_found" });
    for (const [query, parameter] of [
      ["status=finished", "status"],
      ["from=yesterday", "from"],
      ["stauts=stopped", "stauts"],
      ["track=other", "track"],
      ["value=a", "value"],
    ]) {
      const response = await session(funnelUrl(SLUG, query));
      expect(response.status, query).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_parameter", parameter });
    }
    expect((await fetch(funnelUrl(SLUG))).status).toBe(401);
  });
});

describe("inactive plays", () => {
  it("read inactive on the pages, while their status stays what the events say (and in the CSV)", async () => {
    const page = await listPlays({ filters: { trackId: TRACK } });
    const byId = new Map(page.rows.map((row) => [row.participantId, row]));
    expect(byId.get("dfn_f5")).toMatchObject({ status: "in_progress", inactive: true });
    expect(byId.get("dfn_f6")).toMatchObject({ status: "in_progress", inactive: false });
    expect(byId.get("dfn_f7")).toMatchObject({ status: "started", inactive: false });
    // Completed and stopped plays are finished, never inactive, however old.
    expect(byId.get("dfn_f1")).toMatchObject({ status: "completed", inactive: false });
    expect(byId.get("dfn_f2")).toMatchObject({ status: "stopped", inactive: false });

    const csv = await (await session(`${baseUrl}/api/export/progress.csv?user=dfn_user_f5`)).text();
    const [header, row] = csv.split("\r\n");
    expect(row!.split(",")[header!.split(",").indexOf("status")]).toBe("in_progress");
  });

  it("show as Inactive on the track page, whose downloads carry every filter", async () => {
    const response = await session(`${baseUrl}/tracks/${SLUG}?mode=platform&status=in_progress`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(">Inactive<");
    expect(html).toContain(`/api/export/progress.csv?track=${SLUG}&amp;status=in_progress&amp;mode=platform`);
    expect(html).not.toContain("Downloads apply");
  });
});
