import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "@playwright/test";
import { Webhook } from "svix";
import { startApp, type AppServer } from "../support/app-server";
import { createDatabase, dropDatabase } from "../support/database";
import { PlayBuilder, type BuiltEvent } from "../support/events-factory";
import { signIn as apiSignIn } from "../support/session";
import { sendEvent, TEST_WEBHOOK_SECRET } from "../support/webhooks";
import { E2E_ADMIN, E2E_AUTH_SECRET, expect, test } from "./fixtures";

/**
 * The live board in a real browser: an instructor opens /live for one track, signed deliveries
 * arrive, and the page changes by itself — no reload, no polling: a row appears for a learner who
 * starts, the "failing" flag appears after the third failed check, the row leaves when the track
 * is completed.
 */

test.describe.configure({ mode: "serial" });

const TRACK = "le2e_track";
const SLUG = "e2e-live";

function learnerPlay(id: string) {
  return new PlayBuilder({
    participantId: `le2e_${id}`,
    userId: `le2e_user_${id}`,
    trackId: TRACK,
    trackSlug: SLUG,
    challengeIds: ["le2e_c0", "le2e_c1"],
    inviteId: "le2e_invite",
    start: new Date(),
    svixPrefix: `msg_le2e_${id}_${randomUUID().slice(0, 8)}_`,
  });
}

/** Sends signed deliveries; no waiting for the projector — the page is what must catch up. */
async function deliver(baseURL: string, events: BuiltEvent[]) {
  for (const event of events) {
    const response = await sendEvent(baseURL, event.payload, { svixId: event.svixId });
    expect(response.status, event.svixId).toBe(201);
  }
}

async function signIn(page: Page) {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === "/");
}

test("the live board changes as signed deliveries arrive, without reloading", async ({ page, baseURL }) => {
  test.setTimeout(60_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page);
  await page.getByRole("link", { name: "Live board" }).click();
  await page.waitForURL((url) => url.pathname === "/live");
  await page.goto(`/live?track=${SLUG}`);
  const board = page.getByTestId("live-board");
  await expect(board).toHaveAttribute("data-connected", "yes");
  // A marker that a reload would lose.
  await page.evaluate(() => ((window as unknown as { cairnMarker: string }).cairnMarker = "same page"));

  const learner = learnerPlay("a");
  await deliver(baseURL!, learner.trackStarted().after(1).challengeStarted(0).build());
  const row = page.locator('[data-testid="live-row"][data-participant="le2e_a"]');
  await expect(row).toBeVisible({ timeout: 5_000 });
  await expect(row).toContainText("#1");
  await expect(row.locator('[data-flag="failing"]')).toHaveCount(0);

  const checks = learnerPlay("a");
  for (let i = 0; i < 3; i++) checks.after(1).attempt(0, false);
  await deliver(baseURL!, checks.build());
  await expect(row.locator('[data-flag="failing"]')).toBeVisible({ timeout: 5_000 });
  await expect(row.getByTestId("failed-checks")).toHaveText("3");
  await expect(page.getByTestId("count-failing")).toContainText("1");

  await deliver(baseURL!, learnerPlay("a").after(5).trackCompleted().build());
  await expect(row).toHaveCount(0, { timeout: 5_000 });
  expect(await page.evaluate(() => (window as unknown as { cairnMarker?: string }).cairnMarker)).toBe("same page");

  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1440);
  await page.screenshot({ path: "test-results/screenshots/live-desktop.png", fullPage: true });
});

test("the live board fits a phone", async ({ page, baseURL }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page);
  await deliver(baseURL!, learnerPlay("phone").trackStarted().after(1).challengeStarted(0).build());
  await page.goto(`/live?track=${SLUG}`);
  await expect(page.locator('[data-participant="le2e_phone"]')).toBeVisible({ timeout: 5_000 });
  // The table scrolls inside its frame; the page itself never scrolls sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: "test-results/screenshots/live-phone.png", fullPage: true });
});

/**
 * Alert rules in a real browser. The suite's app runs CAIRN_WORKER=projector (no job runner), so
 * this part starts a second app of its own, with the worker on, over a database of its own: an
 * admin makes a rule through the API, a learner fails three checks, and /live shows the badge and
 * the alert — no reload — which the instructor acknowledges; the rule's webhook arrives signed at
 * an in-process receiver meanwhile.
 */
test.describe("alerts on /live", () => {
  const ALERT_ADMIN = { email: "alerts-admin@cairn.e2e", password: "alerts e2e admin password" };
  let app: AppServer;
  let database: { name: string; url: string };
  let receiver: Server;
  let receiverUrl = "";
  const hooks: { headers: Record<string, string>; body: string }[] = [];

  test.beforeAll(async () => {
    test.setTimeout(240_000);
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        hooks.push({ headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])), body: Buffer.concat(chunks).toString("utf8") });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/cairn`;
    database = await createDatabase("cairn_e2e_alerts");
    app = await startApp({
      DATABASE_URL: database.url,
      NEXTAUTH_SECRET: E2E_AUTH_SECRET,
      INSTRUQT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      CAIRN_ADMIN_EMAIL: ALERT_ADMIN.email,
      CAIRN_ADMIN_PASSWORD: ALERT_ADMIN.password,
      CAIRN_WORKER: "on",
      CAIRN_ALERT_EVALUATE_SECONDS: "2",
    });
  });

  test.afterAll(async () => {
    await app?.stop();
    if (database) await dropDatabase(database.name);
    receiver?.closeAllConnections();
    await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  });

  test("a rule made through the API raises the badge and an alert the instructor acknowledges", async ({ page }) => {
    test.setTimeout(90_000);
    const cookie = await apiSignIn(app.baseUrl, ALERT_ADMIN.email, ALERT_ADMIN.password);
    const created = await fetch(`${app.baseUrl}/api/settings/alerts`, {
      method: "POST",
      headers: { cookie, origin: app.baseUrl, "content-type": "application/json" },
      body: JSON.stringify({ kind: "failing", threshold: 3, track: SLUG, webhook_url: receiverUrl }),
    });
    expect(created.status).toBe(201);
    const rule = (await created.json()) as { id: string; signing_secret: string };

    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${app.baseUrl}/signin`);
    await page.getByLabel("Email").fill(ALERT_ADMIN.email);
    await page.getByLabel("Password").fill(ALERT_ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await page.goto(`${app.baseUrl}/live?track=${SLUG}`);
    await expect(page.getByTestId("live-board")).toHaveAttribute("data-connected", "yes");
    const badge = page.getByTestId("alert-badge");
    await expect(badge).toHaveAttribute("data-count", "0");
    await page.evaluate(() => ((window as unknown as { cairnMarker: string }).cairnMarker = "same page"));

    const learner = learnerPlay("alert").trackStarted().after(1).challengeStarted(0);
    for (let i = 0; i < 3; i++) learner.after(1).attempt(0, false);
    await deliver(app.baseUrl, learner.build());
    const row = page.locator('[data-testid="live-row"][data-participant="le2e_alert"]');
    await expect(row.locator('[data-flag="failing"]')).toBeVisible({ timeout: 10_000 });
    await expect(badge).toHaveAttribute("data-count", "1", { timeout: 20_000 });
    const alert = page.locator('[data-testid="open-alert"][data-participant="le2e_alert"]');
    await expect(alert).toContainText("3 failed checks on challenge 1");
    await page.screenshot({ path: "test-results/screenshots/live-alert-desktop.png", fullPage: true });

    // The rule's webhook came too, signed with the secret the API showed once.
    await expect.poll(() => hooks.length, { timeout: 15_000 }).toBe(1);
    expect(() => new Webhook(rule.signing_secret).verify(hooks[0]!.body, hooks[0]!.headers)).not.toThrow();
    expect((JSON.parse(hooks[0]!.body) as { alert: { participant_id: string } }).alert.participant_id).toBe("le2e_alert");

    await alert.getByRole("button", { name: /Acknowledge/ }).click();
    await expect(alert).toHaveCount(0);
    await expect(badge).toHaveAttribute("data-count", "0");
    expect(await page.evaluate(() => (window as unknown as { cairnMarker?: string }).cairnMarker)).toBe("same page");
    // Acknowledged for everyone: a fresh page shows none, and a fourth failed check sends nothing more.
    await page.reload();
    await expect(page.getByTestId("alert-badge")).toHaveAttribute("data-count", "0");
    await deliver(app.baseUrl, learnerPlay("alert").after(10).attempt(0, false).build());
    await expect(row.getByTestId("failed-checks")).toHaveText("4", { timeout: 10_000 });
    const acknowledged = await fetch(`${app.baseUrl}/api/alerts?track=${SLUG}`, { headers: { cookie } });
    expect(((await acknowledged.json()) as { count: number }).count).toBe(0);
    expect(hooks).toHaveLength(1);
  });
});

test("Settings → Alerts: an admin creates a rule, sees its secret once, finds it listed and deletes it", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page);
  await page.goto("/settings/alerts");
  await expect(page.getByRole("heading", { name: "Alert rules" })).toBeVisible();
  // The suite's app has no SMTP server: the form says so instead of offering e-mail.
  await expect(page.getByTestId("email-disabled")).toContainText("CAIRN_SMTP_URL");

  const form = page.getByRole("form", { name: "Create an alert rule" });
  await form.getByLabel("When").selectOption("stuck");
  await form.getByLabel("Minutes on one challenge").fill("0");
  await form.getByLabel("Webhook URL").fill("http://127.0.0.1:9/hooks/e2e");
  await form.getByRole("button", { name: "Create rule" }).click();
  await expect(form.getByText("Minutes on one challenge: must be at least 1.")).toBeVisible();

  await form.getByLabel("Minutes on one challenge").fill("20");
  await form.getByLabel("Track (optional)").fill(SLUG);
  await form.getByRole("button", { name: "Create rule" }).click();
  const secret = form.getByTestId("new-alert-secret");
  await expect(secret).toHaveText(/^whsec_[A-Za-z0-9+/]{43}=$/);
  const value = (await secret.textContent())!;
  const rules = page.getByTestId("alert-rules-table");
  const listed = rules.locator("tr", { hasText: "Stuck ≥ 20 min on one challenge" });
  await expect(listed).toContainText(SLUG);
  // The URL is stored encrypted: the list shows its origin and last characters only.
  await expect(listed).toContainText("http://127.0.0.1:9/…/e2e");
  await page.screenshot({ path: "test-results/screenshots/settings-alerts-created.png", fullPage: true });

  // Shown once: after a reload the secret is nowhere on the page.
  await page.reload();
  await expect(page.getByTestId("new-alert-secret")).toHaveCount(0);
  expect(await page.content()).not.toContain(value);
  expect(await page.content()).not.toContain("/hooks/e2e");

  await listed.getByRole("button", { name: "Delete" }).click();
  await listed.getByRole("button", { name: /^Delete “/ }).click();
  await expect(rules.locator("tr", { hasText: "Stuck ≥ 20 min on one challenge" })).toHaveCount(0);
  await page.goto("/settings/audit");
  await expect(page.getByText(/Deleted the alert rule “stuck for 20 min”/)).toBeVisible();
});
