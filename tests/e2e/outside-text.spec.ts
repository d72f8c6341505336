import { randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";
import { sendEvent } from "../support/webhooks";
import { expect, sidewaysOverflow, signIn, test } from "./fixtures";

/**
 * Text from webhooks is written by strangers (issue 11, item 8): a user id and a review carrying
 * U+202E (right-to-left override) must not reverse the text around them, and a 300 KB custom
 * parameter must neither widen the page nor hide: its beginning shows, the rest one click away.
 */

test.describe.configure({ mode: "serial" });

const RLO = "\u202e";
const tag = randomUUID().slice(0, 8);
const USER = `ot_${tag}_${RLO}exe.txt`;
const TRACK = `ot_track_${tag}`;
const PARTICIPANT = `ot_p_${tag}`;
const REVIEW = `Loved it${RLO} until the sandbox broke`;
// One unbroken "word": nothing to wrap at unless the page wraps anywhere.
const HUGE = "Q".repeat(300_000);

/** Every delivery of this file goes through here (after the asynchronous projection lands, a wait belongs here). */
async function deliver(baseURL: string, payloads: Record<string, unknown>[]) {
  for (const payload of payloads) {
    const response = await sendEvent(baseURL, payload, { svixId: `msg_ot_${tag}_${randomUUID()}` });
    expect(response.status, String(payload.type)).toBe(201);
  }
}

/** Every text node holding U+202E sits inside an isolating element (<bdi> or unicode-bidi: isolate). */
async function unisolatedOverrides(page: Page): Promise<string[]> {
  return page.evaluate((rlo) => {
    const found: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent?.includes(rlo)) continue;
      // The framework's serialized payload for hydration is not rendered text.
      if (node.parentElement?.closest("script, style, template, noscript")) continue;
      let isolated = false;
      for (let element = node.parentElement; element && !isolated; element = element.parentElement) {
        const bidi = getComputedStyle(element).unicodeBidi;
        isolated = element.tagName === "BDI" || bidi === "isolate" || bidi === "isolate-override" || bidi === "plaintext";
      }
      if (!isolated) found.push(`${node.parentElement?.tagName}: ${node.textContent.slice(0, 60)}`);
    }
    return found;
  }, RLO);
}

test("a play with a U+202E user id and review and a 300 KB custom parameter", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();
  const play = { track_id: TRACK, track_slug: `ot-${tag}`, participant_id: PARTICIPANT, user_id: USER, mode: "platform" };
  await deliver(baseURL!, [
    { ...play, type: "track.started", timestamp: at(120), custom_parameters: { cohort: "spring", huge: HUGE } },
    { ...play, type: "track.challenge_started", challenge_id: `ot_c_${tag}`, challenge_index: 0, total_challenges: 2, timestamp: at(90) },
    { type: "review.created", review_id: `ot_r_${tag}`, track_id: TRACK, user_id: USER, score: 4, content: REVIEW, timestamp: at(60) },
  ]);
  await signIn(page);

  const learnerPath = `/learners/${encodeURIComponent(USER)}`;
  for (const size of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
    await page.setViewportSize(size);
    for (const path of ["/", "/learners", `/learners?q=${encodeURIComponent(`ot_${tag}`)}`, learnerPath, "/events"]) {
      await page.goto(path);
      expect(await sidewaysOverflow(page), `${path} at ${size.width}px`).toBeLessThanOrEqual(0);
      expect(await unisolatedOverrides(page), `${path} at ${size.width}px`).toEqual([]);
    }
  }

  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(learnerPath);
  await expect(page.getByRole("heading", { level: 1 }).locator("bdi")).toHaveText(USER);
  await expect(page.getByTestId("review-content").locator("bdi")).toHaveText(REVIEW);

  // The custom parameter shows its beginning; the whole value is one click (or Enter) away.
  const parameters = page.getByTestId("custom-parameters");
  await expect(parameters).toContainText("cohort");
  await expect(parameters).toContainText("spring");
  const visible = await parameters.evaluate((element) => (element as HTMLElement).innerText.length);
  expect(visible).toBeLessThan(2_000);
  const disclosure = parameters.getByText("Show all 300,000 characters");
  await disclosure.focus();
  await page.keyboard.press("Enter");
  const full = parameters.getByRole("region", { name: "Full value" });
  await expect(full).toBeVisible();
  expect(await full.evaluate((element) => element.textContent?.length)).toBe(HUGE.length);
  expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: "test-results/screenshots/outside-text-learner.png" });

  // The event page shows the whole payload in a scrolling box, direction controls escaped.
  await page.goto(`/events?type=track.started`);
  await page.locator("tr", { hasText: PARTICIPANT }).getByRole("link", { name: /^Event \d+/ }).click();
  await expect(page).toHaveURL(/\/events\/\d+$/);
  expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
  await expect(page.getByRole("group", { name: "Payload" })).toContainText("\\u202e");
  expect(await unisolatedOverrides(page)).toEqual([]);
});
