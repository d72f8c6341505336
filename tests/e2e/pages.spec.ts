import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import type { Cookie, Page } from "@playwright/test";
import { hashPassword } from "@/lib/auth/password";
import { withClient } from "../support/database";
import { PlayBuilder } from "../support/events-factory";
import { sendEvent } from "../support/webhooks";
import { E2E_ADMIN, expect, sidewaysOverflow, signIn, test } from "./fixtures";

/**
 * Every page at a desktop (1440×900) and a phone (390×844): axe finds no serious or critical
 * accessibility violation, nothing scrolls sideways, and a screenshot of each is kept under
 * test-results/screenshots/pages/ (the README's come from there).
 */

test.describe.configure({ mode: "serial" });

const tag = randomUUID().slice(0, 8);
const TRACK = `pg_track_${tag}`;
const SLUG = `pages-workshop-${tag}`;
const USER = `pg_user_${tag}`;
const INSTRUCTOR = { email: `pages-instructor-${tag}@cairn.e2e`, password: "pages instructor password" };
const SIZES = [
  { name: "desktop", width: 1440, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;
const SHOTS = "test-results/screenshots/pages";

const databaseUrl = () => {
  const url = process.env.CAIRN_E2E_DATABASE_URL;
  if (!url) throw new Error("CAIRN_E2E_DATABASE_URL is not set: run through playwright.config.ts");
  return url;
};

/** Every delivery of this file goes through here (after the asynchronous projection lands, a wait belongs here). */
async function deliver(baseURL: string, payloads: Record<string, unknown>[]) {
  for (const payload of payloads) {
    const response = await sendEvent(baseURL, payload, { svixId: `msg_pg_${tag}_${randomUUID()}` });
    expect(response.status, String(payload.type)).toBe(201);
  }
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(" ")).slice(0, 5).join(", ")}`);
}

/** The checks every page gets, at every size: from `goto`, so each size renders from scratch. */
async function checkPage(page: Page, name: string, path: string, status = 200) {
  // Live refresh re-renders the page every 10 s; paused, axe and the screenshot see one render.
  await page.addInitScript(() => window.localStorage.setItem("cairn:live-paused", "1"));
  for (const size of SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    const response = await page.goto(path);
    expect(response?.status(), `${path} at ${size.width}px`).toBe(status);
    await expect(page.locator("main")).toBeVisible();
    expect(await sidewaysOverflow(page), `${name} scrolls sideways at ${size.width}px`).toBeLessThanOrEqual(0);
    expect(await seriousViolations(page), `${name} at ${size.width}px`).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/${name}-${size.name}.png`, fullPage: true });
  }
}


test.beforeAll(async ({ baseURL }) => {
  mkdirSync(SHOTS, { recursive: true });
  const start = new Date(Date.now() - 40 * 60_000);
  const play = (n: number, offsetSeconds: number) =>
    new PlayBuilder({
      participantId: `pg_p${n}_${tag}`,
      userId: n === 1 ? USER : `pg_user${n}_${tag}`,
      trackId: TRACK,
      trackSlug: SLUG,
      challengeIds: [`pg_c0_${tag}`, `pg_c1_${tag}`, `pg_c2_${tag}`],
      inviteId: `pg_invite_${tag}`,
      start: new Date(start.getTime() + offsetSeconds * 1000),
      svixPrefix: `msg_pg_p${n}_${tag}_`,
    });
  const plays = [
    play(1, 0).trackStarted().after(20).challengeStarted(0).after(60).attempt(0, false).after(30).attempt(0, true).challengeCompleted(0)
      .after(10).challengeStarted(1).after(60).attempt(1, true).challengeCompleted(1).after(10).challengeStarted(2).after(40).attempt(2, true)
      .challengeCompleted(2).trackCompleted(),
    play(2, 60).trackStarted().after(20).challengeStarted(0).after(80).attempt(0, true).challengeCompleted(0).after(10).challengeStarted(1),
    play(3, 120).trackStarted(),
  ];
  await deliver(baseURL!, plays.flatMap((p) => p.build().map((event) => event.payload)));
  await deliver(baseURL!, [
    { type: "review.created", review_id: `pg_r_${tag}`, track_id: TRACK, user_id: USER, score: 5, content: "Clear and well paced.", timestamp: new Date().toISOString() },
  ]);
  await withClient(databaseUrl(), async (client) =>
    client.query(
      "INSERT INTO app_user (id, email, password_hash, role, updated_at) VALUES ($1, $2, $3, 'instructor', now()) ON CONFLICT (email) DO NOTHING",
      [`pg_instr_${tag}`, INSTRUCTOR.email, await hashPassword(INSTRUCTOR.password)],
    ),
  );
});

test("the sign-in page", async ({ page }) => {
  await checkPage(page, "signin", "/signin");
});

test.describe("every page, as an admin", () => {
  // One sign-in for the pages below: each test starts with the admin's session cookie.
  let session: Cookie[] = [];
  test.beforeAll(async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL });
    await signIn(await context.newPage(), E2E_ADMIN);
    session = await context.cookies();
    // A rule, so Settings → Alerts is checked with its table (the suite's app sends nothing: no worker).
    const rule = await context.request.post("/api/settings/alerts", {
      headers: { origin: baseURL! },
      data: { kind: "failing", threshold: 3, track: SLUG, webhook_url: "http://127.0.0.1:9/hooks/pages" },
    });
    expect(rule.status()).toBe(201);
    await context.close();
  });
  test.beforeEach(async ({ page }) => {
    await page.context().addCookies(session);
  });

  const firstEvent = () =>
    withClient(databaseUrl(), async (client) => {
      const { rows } = await client.query("SELECT id::text AS id FROM webhook_event WHERE participant_id = $1 ORDER BY id LIMIT 1", [`pg_p1_${tag}`]);
      return rows[0].id as string;
    });
  const pages: [name: string, path: () => string | Promise<string>, status?: number][] = [
    ["overview", () => "/"],
    ["live", () => "/live"],
    ["tracks", () => "/tracks"],
    ["track", () => `/tracks/${SLUG}`],
    ["learners", () => "/learners"],
    ["learners-plays", () => "/learners?view=plays"],
    ["learner", () => `/learners/${USER}`],
    ["delivery-log", () => "/events"],
    ["event", async () => `/events/${await firstEvent()}`],
    ["settings-webhook", () => "/settings/webhook"],
    ["settings-users", () => "/settings/users"],
    ["settings-tokens", () => "/settings/tokens"],
    ["settings-audit", () => "/settings/audit"],
    ["settings-enrichment", () => "/settings/enrichment"],
    ["settings-identity", () => "/settings/identity"],
    ["settings-backfill", () => "/settings/backfill"],
    ["settings-alerts", () => "/settings/alerts"],
    ["not-found", () => "/no-such-page", 404],
    ["not-found-learner", () => "/learners/pg_nobody_here", 404],
  ];
  for (const [name, path, status] of pages) {
    test(name, async ({ page }) => {
      test.setTimeout(120_000);
      await checkPage(page, name, await path(), status);
    });
  }
});

test("a 404 and an instructor's 403 keep the app shell and its navigation", async ({ page }) => {
  await signIn(page, INSTRUCTOR);
  const notFound = await page.goto("/no-such-page");
  expect(notFound?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("There is no page here");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Learners" })).toBeVisible();

  const forbidden = await page.goto("/settings/users");
  expect(forbidden?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Admins only" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" })).toBeVisible();
  await checkPage(page, "forbidden", "/settings/users", 403);
});

test("on a phone the navigation is one row with a menu, and tables become stacked rows", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, E2E_ADMIN);
  const header = await page.locator("header").first().boundingBox();
  expect(header!.height).toBeLessThan(80);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
  await page.getByTestId("mobile-menu").locator("summary").click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Learners" }).click();
  await expect(page).toHaveURL(/\/learners$/);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
  // People fit the phone as they are; the per-play table is one click away and stacks its rows.
  await expect(page.locator(`tbody[data-person="${USER}"]`)).toBeVisible();
  await page.getByRole("navigation", { name: "Show" }).getByRole("link", { name: "Plays" }).click();
  await expect(page).toHaveURL(/\/learners\?view=plays$/);
  // A stacked row names each value: the column header is shown beside it.
  const cell = page.locator(`tr[data-participant="pg_p1_${tag}"] td[data-label="Status"]`);
  await expect(cell).toBeVisible();
  const box = await cell.boundingBox();
  expect(box!.width).toBeGreaterThan(300);
});

test("delivery-log rows link to their event, and the event's ids link to track, learner and play", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  await page.goto("/events?type=track.completed");
  const row = page.locator("tr", { hasText: `pg_p1_${tag}` }).first();
  await row.getByRole("link", { name: /^Event \d+/ }).click();
  await expect(page).toHaveURL(/\/events\/\d+$/);
  const facts = page.locator("dl").first();
  await expect(facts.getByRole("link", { name: TRACK })).toHaveAttribute("href", `/tracks/${TRACK}`);
  await expect(facts.getByRole("link", { name: USER })).toHaveAttribute("href", `/learners/${USER}`);
  await facts.getByRole("link", { name: `pg_p1_${tag}` }).click();
  await expect(page).toHaveURL(new RegExp(`/learners/${USER}#play-pg_p1_${tag}$`));
  await expect(page.locator(`#play-pg_p1_${tag}`)).toBeVisible();
});
