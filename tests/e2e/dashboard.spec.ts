import { randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";
import { TEST_DELIVERY_PREFIX } from "../../lib/webhooks/endpoint";
import { PlayBuilder, type BuiltEvent } from "../support/events-factory";
import { waitForProjectionAt } from "../support/projection";
import { sendEvent } from "../support/webhooks";
import { E2E_ADMIN, expect, test } from "./fixtures";

/**
 * An instructor's day with Cairn in a real browser: a small workshop arrives as signed webhook
 * deliveries; the overview counts it, the track page shows where it got stuck, the learners page
 * lists people and finds a learner (also by an identity parameter), their page tells their story, the delivery log shows every delivery, the
 * overview refreshes itself, and the instructor signs out. Screenshots of each page are kept.
 *
 *   de2e_u1 completes the 3 challenges (one failed check on the 2nd)
 *   de2e_u2 completes the 1st, fails the 2nd twice and is still on it
 *   de2e_u3 has only started the track
 */

test.describe.configure({ mode: "serial" });

const TRACK = "de2e_track";
const SLUG = "e2e-workshop";
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });

function learnerPlay(n: number, start: Date, customParameters?: Record<string, string>) {
  return new PlayBuilder({
    ...(customParameters ? { customParameters } : {}),
    participantId: `de2e_p${n}`,
    userId: `de2e_u${n}`,
    trackId: TRACK,
    trackSlug: SLUG,
    challengeIds: ["de2e_c0", "de2e_c1", "de2e_c2"],
    inviteId: "de2e_invite",
    start,
    svixPrefix: `msg_de2e_p${n}_${randomUUID().slice(0, 8)}_`,
  });
}

const start = new Date(Date.now() - 30 * 60_000);
const u1 = learnerPlay(1, start)
  .trackStarted()
  .after(20).challengeStarted(0).after(60).attempt(0, true).challengeCompleted(0)
  .after(10).challengeStarted(1).after(60).attempt(1, false).after(60).attempt(1, true).challengeCompleted(1)
  .after(10).challengeStarted(2).after(90).attempt(2, true).challengeCompleted(2).trackCompleted();
const u2 = learnerPlay(2, new Date(start.getTime() + 60_000))
  .trackStarted()
  .after(20).challengeStarted(0).after(80).attempt(0, true).challengeCompleted(0)
  .after(10).challengeStarted(1).after(60).attempt(1, false).after(60).attempt(1, false);
// u3 came from an LMS that passes the learner's email as a custom parameter.
const u3 = learnerPlay(3, new Date(start.getTime() + 120_000), { de2e_email: "grace@e2e.example" }).trackStarted();

/** Delivers events and waits for the projector: progress is written after the 201. */
async function deliver(baseURL: string, events: BuiltEvent[]) {
  for (const event of events) {
    const response = await sendEvent(baseURL, event.payload, { svixId: event.svixId });
    expect(response.status, event.svixId).toBe(201);
  }
  await waitForProjectionAt(baseURL);
}

async function signIn(page: Page) {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === "/");
}

const stat = async (page: Page, label: string) =>
  Number((await page.locator(`[data-stat="${label}"]`).innerText()).replace(/[^\d]/g, ""));

test("the overview counts a workshop sent as signed deliveries", async ({ page, baseURL }) => {
  // Twenty signed deliveries one by one and a full-page screenshot: over a minute on a busy machine.
  test.setTimeout(120_000);
  await signIn(page);
  const before = { learners: await stat(page, "Learners"), plays: await stat(page, "Plays"), completions: await stat(page, "Completions") };

  await deliver(baseURL!, [...u1.build(), ...u2.build(), ...u3.build()]);
  await sendEvent(baseURL!, { type: "track.started", track_id: TRACK, participant_id: "de2e_test", user_id: "de2e_test_user", timestamp: new Date().toISOString() }, {
    svixId: `${TEST_DELIVERY_PREFIX}de2e_${randomUUID()}`,
  });
  await page.reload();

  expect(await stat(page, "Learners")).toBe(before.learners + 3);
  expect(await stat(page, "Plays")).toBe(before.plays + 3);
  expect(await stat(page, "Completions")).toBe(before.completions + 1);
  const rate = Math.round((100 * (before.completions + 1)) / (before.plays + 3));
  await expect(page.locator('[data-stat="Completion rate"]')).toHaveText(`${rate}%`);

  const row = page.locator(`tr[data-track="${TRACK}"]`);
  await expect(row.getByRole("link", { name: SLUG })).toBeVisible();
  await expect(row.locator("td").nth(1)).toHaveText("3");
  await expect(row.locator("td").nth(2)).toHaveText("1");
  await expect(row.locator("td").nth(3)).toHaveText("33%");
  // u1 took 20 + 60 + 10 + 60 + 60 + 10 + 90 = 310 s from start to completion.
  await expect(row.locator("td").nth(4)).toHaveText("5m 10s");

  await expect(page.getByRole("figure", { name: /Events per day/ }).getByRole("application")).toBeVisible();
  await expect(page.getByTestId("live-refresh")).toHaveAttribute("data-live", "on");
  await shot(page, "dashboard-overview");
});

test("the track page shows the funnel and where learners get stuck", async ({ page }) => {
  await signIn(page);
  await page.getByRole("link", { name: "Tracks", exact: true }).click();
  await expect(page).toHaveURL(/\/tracks$/);
  await page.getByRole("table", { name: "Tracks" }).getByRole("link", { name: SLUG }).click();
  await expect(page).toHaveURL(new RegExp(`/tracks/${SLUG}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(SLUG);

  const funnel = page.getByRole("figure", { name: /Challenge funnel/ });
  await expect(funnel.getByRole("application")).toBeVisible();
  await funnel.getByText("Show the numbers as a table").click();
  const funnelRows = funnel.locator("tbody tr");
  await expect(funnelRows).toHaveCount(3);
  await expect(funnelRows.nth(0)).toHaveText(/1 · de2e_c0\s*2\s*2/);
  await expect(funnelRows.nth(1)).toHaveText(/2 · de2e_c1\s*2\s*1/);
  await expect(funnelRows.nth(2)).toHaveText(/3 · de2e_c2\s*1\s*1/);

  const stuck = page.locator('tr[data-challenge-index="1"]');
  // Working at challenge 2: one of the track's three starters.
  await expect(stuck.locator("td").nth(3)).toHaveText("1 (33%)");
  await expect(page.getByRole("region", { name: "Most failed challenges" })).toContainText("Challenge 2 · de2e_c1");
  await expect(page.getByRole("region", { name: "Plays" }).locator("tbody tr")).toHaveCount(3);

  const progressCsv = page.getByRole("link", { name: "Progress CSV", exact: true });
  await page.getByLabel("Status").selectOption("in_progress");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/status=in_progress/);
  await expect(progressCsv).toHaveAttribute("href", `/api/export/progress.csv?track=${SLUG}&status=in_progress`);
  await expect(page.getByRole("link", { name: "Progress CSV for Excel" })).toHaveAttribute(
    "href",
    `/api/export/progress.csv?track=${SLUG}&status=in_progress&bom=1`,
  );
  await expect(page.getByRole("region", { name: "Plays" }).locator("tbody tr")).toHaveCount(1);
  await page.goto(`/tracks/${SLUG}`);
  await shot(page, "dashboard-track");
});

test("the learners page lists people and finds a learner by search", async ({ page }) => {
  await signIn(page);
  await page.getByRole("link", { name: "Learners", exact: true }).click();
  await expect(page).toHaveURL(/\/learners$/);
  await page.getByLabel("Search").fill("de2e_u2");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/q=de2e_u2/);
  // One person, their play beneath.
  const people = page.locator("tbody[data-person]");
  await expect(people).toHaveCount(1);
  await expect(people.first().locator("[data-participant]")).toHaveCount(1);
  await expect(people.first()).toContainText("In progress");
  await expect(people.first()).toContainText("1/3 · 33%");
  await shot(page, "dashboard-learners");

  // The per-play list is one click away and keeps the search; sorting by a column keeps it too.
  await page.getByRole("navigation", { name: "Show" }).getByRole("link", { name: "Plays" }).click();
  await expect(page).toHaveURL(/view=plays/);
  await expect(page).toHaveURL(/q=de2e_u2/);
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("1/3 · 33%");
  await page.getByRole("columnheader", { name: "Progress" }).getByRole("link").click();
  await expect(page).toHaveURL(/sort=progress/);
  await expect(page).toHaveURL(/q=de2e_u2/);
  await expect(page).toHaveURL(/view=plays/);
  await expect(rows).toHaveCount(1);
});

test("an admin names an identity parameter and the learner is known by it", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings/identity");
  await page.getByLabel("Email parameters").fill("de2e_email");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("identity-result")).toContainText("Saved");

  await page.goto("/learners");
  await page.getByLabel("Search").fill("GRACE@e2e.example");
  await page.getByRole("button", { name: "Apply" }).click();
  const person = page.locator('tbody[data-person="de2e_u3"]');
  await expect(page.locator("tbody[data-person]")).toHaveCount(1);
  await expect(person.getByRole("link", { name: "grace@e2e.example" })).toBeVisible();
  await expect(person).toContainText("email from param:de2e_email");
  await shot(page, "dashboard-learners-identity");

  // Cleared again, so the other pages' screenshots show learners as before.
  await page.goto("/settings/identity");
  await page.getByLabel("Email parameters").fill("");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("identity-result")).toContainText("Saved");
});

test("a learner's page tells their story: strip and timeline", async ({ page }) => {
  await signIn(page);
  await page.goto("/learners?q=de2e_u2");
  await page.getByRole("link", { name: "de2e_u2" }).click();
  await expect(page).toHaveURL(/\/learners\/de2e_u2$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("de2e_u2");

  const strip = page.getByRole("list", { name: "Challenges" });
  await expect(strip.locator("li")).toHaveCount(3);
  await expect(strip.locator("li").nth(0)).toHaveAttribute("data-status", "completed");
  await expect(strip.locator("li").nth(1)).toHaveAttribute("data-status", "in_progress");
  await expect(strip.locator("li").nth(2)).toHaveAttribute("data-status", "not_started");

  const timeline = page.getByRole("region", { name: "Timeline" }).locator("tbody tr");
  await expect(timeline).toHaveCount(u2.build().length);
  await expect(timeline.first()).toHaveAttribute("data-type", "track.started");
  await expect(page.locator('tr[data-flag="failed_attempt"]')).toHaveCount(2);
  await shot(page, "dashboard-learner");
});

test("the delivery log shows every delivery, test ones marked, with the payload", async ({ page }) => {
  await signIn(page);
  await page.getByRole("link", { name: "Delivery log" }).click();
  await expect(page).toHaveURL(/\/events$/);
  await page.getByLabel("Outcome").selectOption("test");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/outcome=test/);
  const testRow = page.locator('tr[data-outcome="test"]').filter({ hasText: "de2e" }).first();
  await expect(testRow).toBeVisible();
  await expect(testRow).toContainText("Test");
  await testRow.getByText("JSON").click();
  await expect(testRow.locator("pre")).toContainText('"participant_id": "de2e_test"');
  await expect(page.getByRole("region", { name: "Refused requests" })).toBeVisible();
  await shot(page, "dashboard-delivery-log");
});

test("the overview refreshes itself while live, and not while paused", async ({ page, baseURL }) => {
  test.setTimeout(90_000);
  await signIn(page);
  const plays = await stat(page, "Plays");

  await deliver(baseURL!, learnerPlay(4, new Date()).trackStarted().build());
  // No reload: the page re-renders itself within about 10 s.
  await expect(page.locator('[data-stat="Plays"]')).toHaveText(String(plays + 1), { timeout: 20_000 });

  await page.getByRole("button", { name: "Pause live updates" }).click();
  await expect(page.getByTestId("live-refresh")).toHaveAttribute("data-live", "off");
  await expect(page.getByTestId("live-refresh")).toContainText("Paused");
  await deliver(baseURL!, learnerPlay(5, new Date()).trackStarted().build());
  await page.waitForTimeout(12_000);
  await expect(page.locator('[data-stat="Plays"]')).toHaveText(String(plays + 1));

  await page.getByRole("button", { name: "Resume live updates" }).click();
  await expect(page.locator('[data-stat="Plays"]')).toHaveText(String(plays + 2), { timeout: 5_000 });
});

test("the dashboards work on a phone", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page);
  for (const [path, name] of [
    ["/", "dashboard-overview-phone"],
    [`/tracks/${SLUG}`, "dashboard-track-phone"],
  ] as const) {
    await page.goto(path);
    // Wide tables scroll inside their frame; the page itself never scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, name);
  }
});

test("an admin names the track and a challenge; pages show the titles, ids beside them", async ({ page }) => {
  await signIn(page);
  await page.goto(`/tracks/${SLUG}`);
  const form = page.getByTestId("titles-form");
  await form.getByLabel("Track title").fill("Workshop: observability");
  await form.getByLabel("#2 de2e_c1").fill("Write a PromQL query");
  await form.getByRole("button", { name: "Save titles" }).click();
  await expect(form.getByRole("status")).toHaveText("Titles saved.");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Workshop: observability");
  await expect(page.getByRole("region", { name: "Most failed challenges" })).toContainText("Write a PromQL query");

  await page.goto("/learners/de2e_u2");
  await expect(page.getByRole("list", { name: "Challenges" }).locator("li").nth(1)).toHaveAttribute(
    "title",
    /^Challenge 2 Write a PromQL query \(de2e_c1\): in progress/,
  );
  await expect(page.getByRole("region", { name: "Timeline" })).toContainText("Workshop: observability");

  // Empty fields hand the names back to Instruqt's catalogue (none here): the ids show again.
  await page.goto(`/tracks/${SLUG}`);
  await form.getByLabel("Track title").fill("");
  await form.getByLabel("#2 de2e_c1").fill("");
  await form.getByRole("button", { name: "Save titles" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(SLUG);
});

test("signing out ends the session", async ({ page }) => {
  await signIn(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/signin/);
  await page.goto("/learners");
  await expect(page).toHaveURL(/\/signin/);
  await shot(page, "dashboard-signed-out");
});
