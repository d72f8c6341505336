import { createHash, randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { hashPassword } from "@/lib/auth/password";
import { parseCsv } from "../support/csv";
import { withClient } from "../support/database";
import { PlayBuilder } from "../support/events-factory";
import { TEST_ADMIN } from "../support/integration-setup";
import { signIn, withSession } from "../support/session";
import { deliver } from "./dashboard-support";

/**
 * Identity parameters (Settings → Identity) and the people view of /learners, through the real
 * app: signed webhooks in, the projector, PUT /api/settings/identity, the pages, the CSV export
 * and the live board read over HTTP; the people read model called directly for its counts.
 *
 *   lid_u1  two plays, delivered before the setting, newest first: identity from the newer play
 *   lid_u2  two plays, delivered after the setting, newest first: email from the newer play,
 *           name from the older (the newer carries none)
 *   lid_u3  parameters and enrichment: enrichment wins
 *   lid_u4  no parameters
 *   (none)  a play without a user id: a person of its own
 *   lid_u5  a play active now, for the live board
 *
 * The setting is global to the shared app, so this file names keys no other test sends
 * (idt_name, idt_email, idt_lms) and clears them at the end.
 */

process.env.DATABASE_URL = inject("databaseUrl");
const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");
const { listPeople } = await import("@/lib/dashboard/people");
const { selectionOf } = await import("@/lib/plays/filter");
const { db } = await import("@/lib/db/client");

const api = `${baseUrl}/api/settings/identity`;
const TRACK = "lid_track";
const SETTING = { nameParameters: "idt_name", emailParameters: "idt_email", identifierParameters: "idt_lms" };
const NONE = { nameParameters: "", emailParameters: "", identifierParameters: "" };

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(databaseUrl, async (client) => (await client.query(text, params)).rows as T[]);

function play(participantId: string, userId: string | null, start: string | Date, customParameters?: Record<string, unknown>, inviteId: string | null = null) {
  return new PlayBuilder({
    participantId,
    userId,
    trackId: TRACK,
    trackSlug: "learner-identity",
    challengeIds: ["lid_c0", "lid_c1"],
    inviteId,
    start,
    ...(customParameters ? { customParameters } : {}),
  });
}

let asAdmin: ReturnType<typeof withSession>;
let asInstructor: ReturnType<typeof withSession>;
let apiToken: string;

const put = (fetcher: ReturnType<typeof withSession>, body: unknown, origin: string | null = baseUrl) =>
  fetcher(api, {
    method: "PUT",
    headers: { "content-type": "application/json", ...(origin === null ? {} : { origin }) },
    body: JSON.stringify(body),
  });

async function progressCsv(query: string): Promise<Record<string, string>[]> {
  const response = await asAdmin(`${baseUrl}/api/export/progress.csv?${query}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return parseCsv(await response.text());
}

const byParticipant = (rows: Record<string, string>[]) => Object.fromEntries(rows.map((row) => [row.participant_id, row]));

async function html(path: string): Promise<string> {
  const response = await asAdmin(`${baseUrl}${path}`);
  expect(response.status, path).toBe(200);
  return response.text();
}

/** The tbody of one person on the people view. */
function personBlock(page: string, person: string): string | null {
  const start = page.indexOf(`data-person="${person}"`);
  if (start < 0) return null;
  const end = page.indexOf("</tbody>", start);
  return page.slice(start, end);
}

beforeAll(async () => {
  const instructor = { email: `lid-${randomUUID().slice(0, 8)}@cairn.test`, password: "instructor password 1234" };
  await sql("INSERT INTO app_user (id, email, password_hash, role, updated_at) VALUES ($1, $2, $3, 'instructor', now())", [
    `lid_${randomUUID()}`,
    instructor.email,
    await hashPassword(instructor.password),
  ]);
  apiToken = `cairn_${randomBytes(32).toString("base64url")}`;
  await sql("INSERT INTO api_token (id, name, token_hash, prefix, scope) VALUES ($1, 'identity test', $2, $3, 'read')", [
    `lid_tok_${randomUUID()}`,
    createHash("sha256").update(apiToken).digest("hex"),
    apiToken.slice(0, 12),
  ]);
  asAdmin = withSession(await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));
  asInstructor = withSession(await signIn(baseUrl, instructor.email, instructor.password));

  // lid_u1 before the setting exists, the newer play first.
  await deliver(
    baseUrl,
    play("lid_p1b", "lid_u1", "2024-05-02T09:00:00Z", { idt_name: "Ada Lovelace", idt_email: "ada@lid.example", idt_lms: "LMS-4242" })
      .trackStarted().after(60).challengeStarted(0).after(60).challengeCompleted(0)
      .after(60).challengeStarted(1).after(60).challengeCompleted(1).trackCompleted()
      .build(),
  );
  await deliver(
    baseUrl,
    play("lid_p1a", "lid_u1", "2024-05-01T09:00:00Z", { idt_name: "Old Name", idt_email: "old@lid.example", idt_lms: "LMS-OLD" })
      .trackStarted().after(60).challengeStarted(0)
      .build(),
  );
  await deliver(baseUrl, play("lid_p3", "lid_u3", "2024-05-03T09:00:00Z", { idt_name: "Param Name", idt_email: "param@lid.example" }).trackStarted().build());
  await deliver(baseUrl, play("lid_p4", "lid_u4", "2024-05-04T09:00:00Z").trackStarted().build());
  await deliver(baseUrl, play("lid_p6", null, "2024-05-06T09:00:00Z").trackStarted().build());
  await sql(
    `UPDATE learner SET first_name = 'Enriched', last_name = 'Person', email = 'enriched@lid.example',
            enrichment_source = 'test-enrichment', enriched_at = now() WHERE id = 'lid_u3'`,
  );
});

afterAll(async () => {
  if (asAdmin) await put(asAdmin, NONE);
  await db().$disconnect();
});

describe("who may read and change the identity parameters", () => {
  it("admins only: 401 without a session, 403 for instructors, API tokens and other origins", async () => {
    expect((await fetch(api)).status).toBe(401);
    expect((await put((url, init) => fetch(url, init), SETTING)).status).toBe(401);
    expect((await asInstructor(api)).status).toBe(403);
    expect((await put(asInstructor, SETTING)).status).toBe(403);
    expect((await fetch(api, { headers: { authorization: `Bearer ${apiToken}` } })).status).toBe(403);
    expect((await put(asAdmin, SETTING, "https://evil.example")).status).toBe(403);
    expect((await put(asAdmin, SETTING, null)).status).toBe(403);
    expect((await asInstructor(`${baseUrl}/settings/identity`)).status).toBe(403);
    expect(await sql("SELECT 1 FROM setting WHERE key = 'identity.parameters'")).toEqual([]);
  });
});

describe("saving the identity parameters", () => {
  it("refuses bad input with a 400 naming the field, and keeps what was saved", async () => {
    const cases: [unknown, string][] = [
      [{ ...SETTING, nameParameters: "first name" }, "nameParameters"],
      [{ ...SETTING, emailParameters: 42 }, "emailParameters"],
      [{ nameParameters: "idt_name", emailParameters: "idt_email" }, "identifierParameters"],
      [{ ...SETTING, identifierParameters: "idt_lms, idt_email" }, "identifierParameters"],
      [{ ...SETTING, colour: "blue" }, "colour"],
      [{ ...SETTING, nameParameters: "x".repeat(101) }, "nameParameters"],
    ];
    for (const [body, field] of cases) {
      const response = await put(asAdmin, body);
      const answer = (await response.json()) as { error: string; fields: Record<string, string> };
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(answer.fields), JSON.stringify(answer)).toEqual([field]);
    }
    expect(await sql("SELECT 1 FROM setting WHERE key = 'identity.parameters'")).toEqual([]);
    expect(await sql("SELECT 1 FROM audit_log WHERE action = 'identity.parameters.update'")).toEqual([]);
  });

  it("saves, answers the lists, derives every learner's identity at once and is audited", async () => {
    const response = await put(asAdmin, SETTING);
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toMatchObject({ nameParameters: ["idt_name"], emailParameters: ["idt_email"], identifierParameters: ["idt_lms"] });
    // lid_u1's plays arrived before the setting: saving it derived them, newest play winning.
    const rows = await sql("SELECT user_id, name, name_source, email, email_source, identifiers FROM learner_identity WHERE user_id LIKE 'lid_%' ORDER BY user_id");
    expect(rows).toEqual([
      { user_id: "lid_u1", name: "Ada Lovelace", name_source: "param:idt_name", email: "ada@lid.example", email_source: "param:idt_email", identifiers: { idt_lms: "LMS-4242" } },
      { user_id: "lid_u3", name: "Param Name", name_source: "param:idt_name", email: "param@lid.example", email_source: "param:idt_email", identifiers: {} },
    ]);
    const [audit] = await sql<{ actor_email: string; details: unknown }>(
      "SELECT actor_email, details FROM audit_log WHERE action = 'identity.parameters.update' ORDER BY id DESC LIMIT 1",
    );
    expect(audit).toEqual({
      actor_email: TEST_ADMIN.email,
      details: { name: { from: "", to: "idt_name" }, email: { from: "", to: "idt_email" }, identifier: { from: "", to: "idt_lms" } },
    });
    const page = await html("/settings/identity");
    expect(page).toContain('value="idt_name"');
  });
});

describe("the newest value wins, whatever the arrival order", () => {
  beforeAll(async () => {
    // lid_u2 after the setting: the projector derives it; the newer play arrives first.
    await deliver(baseUrl, play("lid_p2b", "lid_u2", "2024-05-05T09:00:00Z", { idt_email: "grace-new@lid.example" }).trackStarted().build());
    await deliver(
      baseUrl,
      play("lid_p2a", "lid_u2", "2024-05-04T12:00:00Z", { idt_name: "Grace Hopper", idt_email: "grace-old@lid.example" }).trackStarted().build(),
    );
  });

  it("in the CSV's first_name, last_name and email, for every play of the learner", async () => {
    const rows = byParticipant(await progressCsv(`track=${TRACK}`));
    expect(rows.lid_p1a).toMatchObject({ first_name: "Ada Lovelace", last_name: "", email: "ada@lid.example" });
    expect(rows.lid_p1b).toMatchObject({ first_name: "Ada Lovelace", last_name: "", email: "ada@lid.example" });
    expect(rows.lid_p2a).toMatchObject({ first_name: "Grace Hopper", email: "grace-new@lid.example" });
    expect(rows.lid_p2b).toMatchObject({ first_name: "Grace Hopper", email: "grace-new@lid.example" });
    expect(rows.lid_p4).toMatchObject({ first_name: "", last_name: "", email: "" });
  });

  it("a late event of the older play changes nothing; one making it the newest does", async () => {
    await deliver(baseUrl, play("lid_p2a", "lid_u2", "2024-05-04T12:00:00Z", { idt_name: "Grace Hopper", idt_email: "grace-old@lid.example" })
      .after(60).challengeStarted(0).build().map((event, i) => ({ ...event, svixId: `msg_lid_p2a_late_${i}` })).slice(-1));
    expect(byParticipant(await progressCsv(`user=lid_u2`)).lid_p2a!.email).toBe("grace-new@lid.example");
    await deliver(baseUrl, play("lid_p2a", "lid_u2", "2024-05-06T12:00:00Z", { idt_name: "Grace Hopper", idt_email: "grace-old@lid.example" })
      .challengeCompleted(0).build().map((event) => ({ ...event, svixId: "msg_lid_p2a_newest" })));
    expect(byParticipant(await progressCsv(`user=lid_u2`)).lid_p2a!.email).toBe("grace-old@lid.example");
  });
});

describe("enrichment wins over parameters", () => {
  it("in the CSV and on the learner's page, with the source shown", async () => {
    expect(byParticipant(await progressCsv("user=lid_u3")).lid_p3).toMatchObject({
      first_name: "Enriched",
      last_name: "Person",
      email: "enriched@lid.example",
    });
    const enriched = await html("/learners/lid_u3");
    // The heading names them by enrichment (the play card still lists its custom parameters).
    const heading = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(enriched)![1]!;
    expect(heading).toContain("Enriched Person");
    expect(heading).not.toContain("Param Name");
    expect(enriched).toContain("Name and email from test-enrichment");
    const fromParameters = await html("/learners/lid_u1");
    expect(fromParameters).toContain("Ada Lovelace");
    expect(fromParameters).toContain("Name from param:idt_name, email from param:idt_email");
    expect(fromParameters).toContain("LMS-4242");
  });
});

describe("search", () => {
  it("finds a learner by an identity value (name, email, other identifier), not by a superseded one", async () => {
    for (const q of ["LMS-4242", "ada lovelace", "ADA@LID.EXAMPLE"]) {
      const rows = await progressCsv(`q=${encodeURIComponent(q)}`);
      expect(rows.map((row) => row.participant_id).sort(), q).toEqual(["lid_p1a", "lid_p1b"]);
    }
    expect(await progressCsv("q=LMS-OLD")).toEqual([]);
    const page = await html("/learners?q=lms-4242");
    expect(personBlock(page, "lid_u1")).toContain('data-participant="lid_p1b"');
    expect(personBlock(page, "lid_u2")).toBeNull();
  });
});

describe("the people view", () => {
  it("lists one row per person with plays, completions and last activity over the matching plays", async () => {
    const people = await listPeople({ filters: await selectionOf({ track: TRACK }), sort: "activity", direction: "desc" });
    const summary = people.rows.map((row) => ({
      user: row.userId,
      plays: row.playCount,
      completions: row.completions,
      ids: row.plays.map((p) => p.participantId),
    }));
    expect(summary).toEqual([
      { user: "lid_u2", plays: 2, completions: 0, ids: ["lid_p2a", "lid_p2b"] },
      { user: null, plays: 1, completions: 0, ids: ["lid_p6"] },
      { user: "lid_u4", plays: 1, completions: 0, ids: ["lid_p4"] },
      { user: "lid_u3", plays: 1, completions: 0, ids: ["lid_p3"] },
      { user: "lid_u1", plays: 2, completions: 1, ids: ["lid_p1b", "lid_p1a"] },
    ]);
    expect(people.hasNext).toBe(false);
    const ada = people.rows.find((row) => row.userId === "lid_u1")!;
    expect(ada).toMatchObject({ firstName: "Ada Lovelace", email: "ada@lid.example", nameSource: "param:idt_name", identifiers: { idt_lms: "LMS-4242" } });
    expect(ada.lastActivityAt).toEqual(new Date("2024-05-02T09:04:00Z"));

    // The filter decides which plays count: completed ones only.
    const completed = await listPeople({ filters: await selectionOf({ track: TRACK, statuses: ["completed"] }) });
    expect(completed.rows.map((row) => [row.userId, row.playCount, row.plays.map((p) => p.participantId)])).toEqual([["lid_u1", 1, ["lid_p1b"]]]);

    // Sorted by plays, then paged: two people per page.
    const byPlays = await listPeople({ filters: await selectionOf({ track: TRACK }), sort: "plays", direction: "desc", pageSize: 2, page: 1 });
    expect(byPlays.rows.map((row) => row.userId)).toEqual(["lid_u2", "lid_u1"]);
    expect(byPlays.hasNext).toBe(true);
    const last = await listPeople({ filters: await selectionOf({ track: TRACK }), sort: "plays", direction: "desc", pageSize: 2, page: 3 });
    expect(last.rows).toHaveLength(1);
    expect(last.hasNext).toBe(false);
    // A page past the end shows the last one, in either order.
    for (const sort of ["plays", "activity"] as const) {
      const beyond = await listPeople({ filters: await selectionOf({ track: TRACK }), sort, pageSize: 2, page: 99 });
      expect([beyond.page, beyond.rows.length], sort).toEqual([3, 1]);
    }
    // Newest activity first, a page at a time, walks the same people as the full ordering.
    const walked = [];
    for (let page = 1; page <= 3; page++) {
      walked.push(...(await listPeople({ filters: await selectionOf({ track: TRACK }), pageSize: 2, page })).rows.map((row) => row.userId));
    }
    expect(walked).toEqual(["lid_u2", null, "lid_u4", "lid_u3", "lid_u1"]);
  });

  it("renders people with their plays beneath, the per-play list one click away", async () => {
    const page = await html(`/learners?track=${TRACK}`);
    const ada = personBlock(page, "lid_u1")!;
    expect(ada).toContain("Ada Lovelace");
    expect(ada).toContain("LMS-4242");
    expect(ada).toContain("name from param:idt_name, email from param:idt_email");
    expect(ada.indexOf('data-participant="lid_p1b"')).toBeLessThan(ada.indexOf('data-participant="lid_p1a"'));
    expect(ada).toContain('href="/learners/lid_u1#play-lid_p1b"');
    expect(personBlock(page, "play:lid_p6")).toContain('data-participant="lid_p6"');
    expect(page).toContain(`href="/learners?track=${TRACK}&amp;view=plays"`);

    const plays = await html(`/learners?track=${TRACK}&view=plays`);
    expect(plays).not.toContain("data-person=");
    expect((plays.match(/<tr[^>]*data-participant="lid_p/g) ?? []).length).toBe(7);
    expect(plays).toContain("Ada Lovelace");
  });

  it("is for signed-in users only", async () => {
    const response = await fetch(`${baseUrl}/learners`, { redirect: "manual" });
    expect([302, 303, 307]).toContain(response.status);
  });
});

describe("the live board", () => {
  it("names an active play's learner from the parameters", async () => {
    await deliver(
      baseUrl,
      play("lid_p5", "lid_u5", new Date(Date.now() - 60_000), { idt_name: "Live Learner", idt_email: "live@lid.example" }, "lid_live_inv")
        .trackStarted().after(10).challengeStarted(0).build(),
    );
    const response = await asAdmin(`${baseUrl}/api/live?invite=lid_live_inv`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { plays: Record<string, unknown>[] };
    expect(body.plays).toHaveLength(1);
    expect(body.plays[0]).toMatchObject({ user_id: "lid_u5", first_name: "Live Learner", last_name: null, email: "live@lid.example" });
  });
});

describe("changing the parameters", () => {
  it("re-derives every learner: a key taken away stops naming and matching", async () => {
    const response = await put(asAdmin, { ...SETTING, identifierParameters: [] });
    expect(response.status).toBe(200);
    expect(await progressCsv("q=LMS-4242")).toEqual([]);
    expect((await sql("SELECT identifiers FROM learner_identity WHERE user_id = 'lid_u1'"))[0]).toEqual({ identifiers: {} });

    const cleared = await put(asAdmin, NONE);
    expect(cleared.status).toBe(200);
    expect(await sql("SELECT user_id FROM learner_identity WHERE user_id LIKE 'lid_%'")).toEqual([]);
    expect(byParticipant(await progressCsv("user=lid_u1")).lid_p1b).toMatchObject({ first_name: "", email: "" });
    const audits = await sql("SELECT 1 FROM audit_log WHERE action = 'identity.parameters.update'");
    expect(audits).toHaveLength(3);
  });
});
