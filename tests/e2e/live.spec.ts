import { randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";
import { PlayBuilder, type BuiltEvent } from "../support/events-factory";
import { sendEvent } from "../support/webhooks";
import { E2E_ADMIN, expect, test } from "./fixtures";

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
