import { randomBytes } from "node:crypto";
import { withClient } from "../support/database";
import { E2E_ADMIN, expect, signIn, test } from "./fixtures";

/**
 * Settings → Backfill in a real browser: an admin reaches it from the settings nav, a bad range is
 * refused next to its field, and a good one is queued and listed with its progress. The suite's
 * app runs CAIRN_WORKER=projector, so the backfill stays pending here (tests/integration/backfill*
 * run it); the page says so rather than pretending.
 */

const databaseUrl = () => {
  const url = process.env.CAIRN_E2E_DATABASE_URL;
  if (!url) throw new Error("CAIRN_E2E_DATABASE_URL is not set: run through playwright.config.ts");
  return url;
};

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(databaseUrl(), async (client) => (await client.query(text, params)).rows as T[]);

// The API key is enrichment's setting: put back what other specs expect to find.
let enrichmentSettings: { key: string; value: unknown }[] = [];
test.beforeAll(async () => {
  enrichmentSettings = await sql("SELECT key, value FROM setting WHERE key LIKE 'enrichment%'");
});
test.afterAll(async () => {
  await sql("DELETE FROM setting WHERE key LIKE 'enrichment%'");
  for (const { key, value } of enrichmentSettings) {
    await sql("INSERT INTO setting (key, value, updated_at) VALUES ($1, $2::jsonb, now())", [key, JSON.stringify(value)]);
  }
});

test("an admin starts a backfill from Settings → Backfill and sees it listed", async ({ page, baseURL }) => {
  await signIn(page, E2E_ADMIN);
  // The API key lives with enrichment's settings; enrichment itself stays off.
  const saved = await page.request.put("/api/settings/enrichment", {
    headers: { origin: baseURL! },
    data: { enabled: false, graphqlUrl: "http://127.0.0.1:9/graphql", apiKey: `e2e-backfill-key-${randomBytes(8).toString("hex")}` },
  });
  expect(saved.status()).toBe(200);

  await page.goto("/settings/webhook");
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Backfill" }).click();
  await page.waitForURL("**/settings/backfill");
  await expect(page.getByRole("heading", { name: "Backfill from play reports" })).toBeVisible();
  await expect(page.getByText("cairn-e2e-team")).toBeVisible();

  await page.getByLabel("From (first day)").fill("2024-06-12");
  await page.getByLabel("To (last day)").fill("2024-06-10");
  await page.getByRole("button", { name: "Start backfill" }).click();
  await expect(page.locator("#backfill-from-error")).toContainText("must not be after to");

  await page.getByLabel("From (first day)").fill("2024-06-10");
  await page.getByLabel("To (last day)").fill("2024-06-12");
  await page.getByLabel("Invite ids").fill("e2e_inv_a, e2e_inv_b");
  await page.getByRole("button", { name: "Start backfill" }).click();
  const started = page.getByRole("form", { name: "Start a backfill" }).getByRole("status");
  await expect(started).toContainText("queued");
  const id = await started.locator("code").textContent();
  const row = page.locator(`[data-backfill-id="${id}"]`);
  await expect(row).toContainText("2024-06-10 – 2024-06-12");
  await expect(row).toContainText("invites: e2e_inv_a, e2e_inv_b");
  await expect(row.locator("[data-status]")).toHaveText("pending");

  expect(await sql("SELECT invites FROM backfill WHERE id = $1", [id])).toEqual([{ invites: ["e2e_inv_a", "e2e_inv_b"] }]);
});
