import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TEST_DELIVERY_PREFIX } from "@/lib/webhooks/endpoint";
import { startApp, type AppServer } from "../support/app-server";
import { createDatabase, dropDatabase } from "../support/database";
import { PlayBuilder } from "../support/events-factory";
import { TEST_ADMIN, TEST_AUTH_SECRET } from "../support/integration-setup";
import { signIn, withSession } from "../support/session";
import { TEST_WEBHOOK_SECRET } from "../support/webhooks";
import { deliver, deliverPayload } from "./dashboard-support";

/**
 * The dashboard pages over HTTP, as a browser gets them: who may see them, what they show, how
 * they answer bad query strings (defaults, never an error) and unknown ids (404).
 */

process.env.DATABASE_URL = inject("databaseUrl");
const baseUrl = inject("baseUrl");
const { createUser } = await import("@/lib/auth/users");
const { db } = await import("@/lib/db/client");

const TRACK = "dpg_track";
const SLUG = "dash-pages";
const ODD_USER = "dpg user/100%é";
const INSTRUCTOR = { email: "dpg-instructor@cairn.test", password: "instructor password 1" };

const play = new PlayBuilder({
  participantId: "dpg_p1",
  userId: ODD_USER,
  trackId: TRACK,
  trackSlug: SLUG,
  challengeIds: ["dpg_c0", "dpg_c1"],
  inviteId: "dpg_inv",
  start: new Date(Date.now() - 10 * 60_000),
  svixPrefix: "msg_dpg_p1_",
})
  .trackStarted()
  .after(30).challengeStarted(0)
  .after(30).attempt(0, false)
  .after(30).attempt(0, true).challengeCompleted(0)
  .after(30).challengeStarted(1)
  .sandbox("failed");

let admin: ReturnType<typeof withSession>;
let instructor: ReturnType<typeof withSession>;
const testSvixId = `${TEST_DELIVERY_PREFIX}dpg_${randomUUID()}`;

beforeAll(async () => {
  await deliver(baseUrl, play.build());
  await deliverPayload(baseUrl, { type: "dpg.ping", timestamp: new Date().toISOString() }, testSvixId);
  await createUser({ email: INSTRUCTOR.email, password: INSTRUCTOR.password, role: "instructor" });
  admin = withSession(await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));
  instructor = withSession(await signIn(baseUrl, INSTRUCTOR.email, INSTRUCTOR.password));
});

afterAll(async () => {
  await db().$disconnect();
});

const page = async (fetcher: typeof admin, path: string) => {
  const response = await fetcher(`${baseUrl}${path}`);
  return { status: response.status, html: await response.text() };
};
/** Text of the HTML with tags dropped and entities decoded, for "the page says …" checks. */
const text = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/\s+/g, " ");
const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&"));
const ignoredNames = (html: string) => {
  const notice = /Ignored (?:a filter|filters) that could not be read:(.*?)Showing the default/s.exec(text(html));
  return notice ? notice[1]!.split(/[,.]/).map((s) => s.trim()).filter(Boolean).sort() : [];
};

describe("access", () => {
  it("sends visitors without a session to the sign-in page", async () => {
    for (const path of ["/", "/tracks", `/tracks/${SLUG}`, "/learners", "/learners/x", "/events", "/events/1"]) {
      const response = await fetch(`${baseUrl}${path}`, { redirect: "manual" });
      expect([302, 307], path).toContain(response.status);
      expect(response.headers.get("location"), path).toMatch(/\/signin/);
    }
  });

  it("shows every dashboard to an instructor, without the admin's settings", async () => {
    for (const path of ["/", "/tracks", `/tracks/${SLUG}`, "/learners", `/learners/${encodeURIComponent(ODD_USER)}`, "/events"]) {
      const { status, html } = await page(instructor, path);
      expect(status, path).toBe(200);
      expect(hrefs(html), path).not.toContain("/settings/webhook");
    }
    const { html } = await page(admin, "/");
    expect(hrefs(html)).toContain("/settings/webhook");
  });
});

describe("what the pages show", () => {
  it("overview: totals, the events chart with its table, the track and recent activity", async () => {
    const { status, html } = await page(admin, "/");
    expect(status).toBe(200);
    const body = text(html);
    expect(body).toMatch(/Learners \d/);
    // The chart starts where the data does: "last 30 days", or "since <first day>" when shorter.
    expect(body).toMatch(/Events per day(, last 30 days| since \w)/);
    expect(body).toContain("Show the numbers as a table");
    expect(hrefs(html)).toContain(`/tracks/${SLUG}`);
    expect(body).toContain("Live");
  });

  it("tracks and a track: funnel, drop-off, attempts, plays and CSV links with the filters", async () => {
    expect(hrefs((await page(admin, "/tracks")).html)).toContain(`/tracks/${SLUG}`);
    const byId = await page(admin, `/tracks/${TRACK}`);
    expect(byId.status).toBe(200);
    const { status, html } = await page(admin, `/tracks/${SLUG}?invite=dpg_inv&from=2024-01-01&status=in_progress`);
    expect(status).toBe(200);
    const body = text(html);
    for (const heading of ["Challenge funnel", "Failed attempts before success", "Where learners get stuck", "Most failed challenges", "Plays"]) {
      expect(body).toContain(heading);
    }
    expect(body).toContain("1–1 of 1 play");
    expect(hrefs(html)).toContain(`/api/export/progress.csv?track=${SLUG}&invite=dpg_inv&status=in_progress&from=2024-01-01`);
    expect(hrefs(html)).toContain(`/api/export/challenges.csv?track=${SLUG}&invite=dpg_inv&status=in_progress&from=2024-01-01`);
    // Every filter of the page applies to its downloads (and the funnel JSON): no caveat needed.
    const withMode = await page(admin, `/tracks/${SLUG}?mode=platform&param=cohort&value=x`);
    expect(hrefs(withMode.html)).toContain(`/api/export/progress.csv?track=${SLUG}&mode=platform&param=cohort&value=x`);
    expect(hrefs(withMode.html)).toContain(`/api/tracks/${SLUG}/funnel?mode=platform&param=cohort&value=x`);
    expect(text(withMode.html)).not.toContain("Downloads apply");
  });

  it("learners: search finds the play and the CSV links carry the filters", async () => {
    const { status, html } = await page(admin, `/learners?q=${encodeURIComponent("dpg user")}&status=in_progress&to=2030-01-01`);
    expect(status).toBe(200);
    expect(html).toContain('data-participant="dpg_p1"');
    expect(hrefs(html)).toContain("/api/export/progress.csv?status=in_progress&to=2030-01-01&q=dpg+user");
    expect(text(html)).not.toContain("Downloads apply");
    const none = await page(admin, "/learners?q=dpg-matches-nobody");
    expect(text(none.html)).toContain("No play matches these filters");
  });

  it("learner: plays with their strip and a flagged timeline, even for an id with / and %", async () => {
    const { status, html } = await page(admin, `/learners/${encodeURIComponent(ODD_USER)}`);
    expect(status).toBe(200);
    const body = text(html);
    expect(body).toContain(ODD_USER);
    expect(html).toContain('data-status="completed"');
    expect(html).toContain('data-status="in_progress"');
    expect(html).toContain('data-flag="sandbox_failure"');
    expect(html).toContain('data-flag="failed_attempt"');
    expect(hrefs(html)).toContain(`/api/export/progress.csv?user=${encodeURIComponent(ODD_USER).replace(/%20/g, "+")}`);
  });

  it("delivery log: events with their payload, test deliveries marked, refusals", async () => {
    const { status, html } = await page(admin, "/events?type=dpg.ping");
    expect(status).toBe(200);
    expect(html).toContain('data-outcome="test"');
    expect(html).toContain(testSvixId);
    expect(text(html)).toContain("Refused requests");
    // Delivered through deliver(), which waited for the projector: nothing is pending.
    expect(text(html)).toContain("Projection: up to date");
    const id = /data-event-id="(\d+)"/.exec(html)![1];
    const single = await page(admin, `/events/${id}`);
    expect(single.status).toBe(200);
    expect(text(single.html)).toContain('"type": "dpg.ping"');
  });
});

describe("bad query strings fall back to defaults", () => {
  it("on the learners page", async () => {
    const { status, html } = await page(
      admin,
      "/learners?page=abc&sort=bogus&dir=sideways&status=nope&from=2024-99-99&to=yesterday&q=dpg",
    );
    expect(status).toBe(200);
    expect(ignoredNames(html)).toEqual(["dir", "from", "page", "sort", "status", "to"]);
    // The search still applies, with the default sort and page.
    expect(html).toContain('data-participant="dpg_p1"');
    expect(html).toContain('aria-sort="descending"');
  });

  it("on the track page", async () => {
    const { status, html } = await page(admin, `/tracks/${SLUG}?page=-1&status=zzz&from=2024-02-30&value=orphan&sort=<script>`);
    expect(status).toBe(200);
    expect(ignoredNames(html)).toEqual(["from", "page", "sort", "status", "value"]);
    expect(html).toContain('data-participant="dpg_p1"');
  });

  it("on the delivery log", async () => {
    const { status, html } = await page(admin, "/events?outcome=bogus&before=abc&from=x&refused=forever&type=dpg.ping");
    expect(status).toBe(200);
    expect(ignoredNames(html)).toEqual(["before", "from", "outcome", "refused"]);
    expect(html).toContain(testSvixId);
  });

  it("for a window that ends before it starts, pages past the end and repeated parameters", async () => {
    // The same rule as the CSV export's 400: the window is refused, naming from, and left out.
    const reversed = await page(admin, "/learners?from=2024-03-02&to=2024-03-01&q=dpg");
    expect(ignoredNames(reversed.html)).toEqual(["from"]);
    expect(text(reversed.html)).toContain("from: must not be after to");
    expect(reversed.html).toContain('data-participant="dpg_p1"');
    const beyond = await page(admin, "/learners?q=dpg&page=9999");
    expect(beyond.status).toBe(200);
    expect(beyond.html).toContain('data-participant="dpg_p1"');
    const repeated = await page(admin, "/learners?q=dpg&status=in_progress&status=completed");
    expect(repeated.status).toBe(200);
    expect(repeated.html).toContain('data-participant="dpg_p1"');
    const oversized = await page(admin, `/learners?q=${"x".repeat(5000)}`);
    expect(oversized.status).toBe(200);
    expect(ignoredNames(oversized.html)).toEqual(["q"]);
  });
});

describe("unknown ids", () => {
  it("answer 404", async () => {
    for (const path of ["/tracks/dpg-no-such-track", "/learners/dpg-nobody", "/events/abc", "/events/0", "/events/999999999999"]) {
      expect((await page(admin, path)).status, path).toBe(404);
    }
  });
});

describe("a Cairn that has received nothing yet", () => {
  let empty: AppServer | undefined;
  let database: { name: string; url: string } | undefined;

  beforeAll(async () => {
    database = await createDatabase("cairn_it_dpg_empty");
    empty = await startApp({
      DATABASE_URL: database.url,
      NEXTAUTH_SECRET: TEST_AUTH_SECRET,
      INSTRUQT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      CAIRN_ADMIN_EMAIL: TEST_ADMIN.email,
      CAIRN_ADMIN_PASSWORD: TEST_ADMIN.password,
      CAIRN_PUBLIC_URL: "https://cairn.example.org",
      CAIRN_WORKER: "projector",
    });
  }, 240_000);

  afterAll(async () => {
    await empty?.stop();
    if (database) await dropDatabase(database.name);
  });

  it("shows how to connect Instruqt on every dashboard", async () => {
    const session = withSession(await signIn(empty!.baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));
    for (const path of ["/", "/tracks", "/learners", "/events"]) {
      const response = await session(`${empty!.baseUrl}${path}`);
      expect(response.status, path).toBe(200);
      const body = text(await response.text());
      expect(body, path).toContain("Settings → Webhooks → Add Endpoint");
      expect(body, path).toContain("https://cairn.example.org/api/webhooks/instruqt");
      expect(body, path).toContain("Settings → Webhook");
    }
  });
});
