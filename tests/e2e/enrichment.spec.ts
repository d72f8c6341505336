import { randomBytes, randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";
import { hashPassword } from "@/lib/auth/password";
import { withClient } from "../support/database";
import { startFakeInstruqt, type FakeInstruqt } from "../support/fake-instruqt";
import { E2E_ADMIN, expect, test } from "./fixtures";

/**
 * Settings → Enrichment in a real browser: an admin connects Cairn to (a fake) Instruqt, tests
 * the connection, saves, sees only a masked key, reads the queue, and purges personal data
 * through the confirmation step; an instructor is turned away.
 */

const API_KEY = `e2e-instruqt-key-${randomBytes(8).toString("hex")}`;
const INSTRUCTOR = { email: `instructor-${randomUUID().slice(0, 6)}@cairn.e2e`, password: "instructor e2e password" };

let fake: FakeInstruqt;
const databaseUrl = () => {
  const url = process.env.CAIRN_E2E_DATABASE_URL;
  if (!url) throw new Error("CAIRN_E2E_DATABASE_URL is not set: run through playwright.config.ts");
  return url;
};
const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(databaseUrl(), async (client) => (await client.query(text, params)).rows as T[]);

async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto("/signin?callbackUrl=/settings/enrichment");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/settings/enrichment");
}

test.beforeAll(async () => {
  fake = await startFakeInstruqt({ apiKey: API_KEY });
  await sql("INSERT INTO app_user (id, email, password_hash, role, updated_at) VALUES ($1, $2, $3, 'instructor', now()) ON CONFLICT (email) DO NOTHING", [
    `e2e_instr_${randomUUID().slice(0, 8)}`,
    INSTRUCTOR.email,
    await hashPassword(INSTRUCTOR.password),
  ]);
});

test.afterAll(async () => {
  await fake?.close();
});

test("an admin connects Instruqt, tests the connection and sees the key only masked", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  await expect(page.getByRole("heading", { name: "Enrichment", level: 2 })).toBeVisible();
  await expect(page.getByTestId("enrichment-state")).toHaveText("Off");

  await page.getByLabel("Instruqt API key").fill("a-wrong-key-123456");
  await page.getByLabel("GraphQL URL").fill(fake.url);
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByTestId("test-result")).toContainText("refused the API key (HTTP 401)");

  await page.getByLabel("Instruqt API key").fill(API_KEY);
  await page.getByLabel("GraphQL URL").fill(fake.url);
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByTestId("test-result")).toContainText(/Connected: Instruqt accepted the API key in \d+ ms/);

  await page.getByLabel("Instruqt API key").fill(API_KEY);
  await page.getByLabel("GraphQL URL").fill(fake.url);
  await page.getByLabel(/Enrich learners/).check();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("save-result")).toHaveText("Saved, with the new API key.");
  await expect(page.getByTestId("enrichment-state")).toHaveText("On");
  await expect(page.getByTestId("api-key-hint")).toHaveText(`••••${API_KEY.slice(-4)}`);
  await expect(page.getByLabel("Instruqt API key")).toHaveValue("");

  await page.reload();
  expect(await page.content()).not.toContain(API_KEY);
  await expect(page.getByLabel(/Enrich learners/)).toBeChecked();
  await page.screenshot({ path: "test-results/e2e/enrichment-settings.png", fullPage: true });
});

test("the queue shows its jobs, and an admin purges personal data through the confirmation", async ({ page }) => {
  const learner = `u_${randomUUID().slice(0, 8)}`;
  await sql("INSERT INTO learner (id, first_name, last_name, email, enrichment_source, enriched_at) VALUES ($1, 'Ada', 'Lovelace', 'ada@example.com', 'instruqt:trackInvite', now())", [learner]);
  await sql("INSERT INTO job (kind, key, payload, status, attempts, last_error, updated_at) VALUES ('enrichment', $1, jsonb_build_object('user_ids', jsonb_build_array($2::text)), 'failed', 8, 'attempt 8/8: Instruqt answered HTTP 502', now())", [
    `inv_${randomUUID().slice(0, 8)}`,
    learner,
  ]);
  await signIn(page, E2E_ADMIN);
  await expect(page.getByTestId("queue-failed")).toHaveText("1");
  await expect(page.getByTestId("queue-recent")).toContainText("Instruqt answered HTTP 502");

  // Other spec files' deliveries with invites leave pending jobs too (the worker is off here).
  const pendingBefore = Number(await page.getByTestId("queue-pending").textContent());
  await page.getByRole("button", { name: "Retry failed (1)" }).click();
  await expect(page.getByTestId("retry-result")).toHaveText("1 failed job queued again.");
  await expect(page.getByTestId("queue-failed")).toHaveText("0");
  await expect(page.getByTestId("queue-pending")).toHaveText(String(pendingBefore + 1));

  await page.getByText("Purge personal data…").click();
  await page.getByLabel(/Type PURGE to confirm/).fill("purge");
  await page.getByRole("button", { name: "Purge now" }).click();
  await expect(page.getByTestId("purge-result")).toContainText("type PURGE to confirm");
  expect(await sql("SELECT email FROM learner WHERE id = $1", [learner])).toEqual([{ email: "ada@example.com" }]);

  await page.getByLabel(/Type PURGE to confirm/).fill("PURGE");
  await page.getByRole("button", { name: "Purge now" }).click();
  await expect(page.getByTestId("purge-result")).toContainText(
    new RegExp(`Purged: personal data cleared from \\d+ learners?, ${pendingBefore + 1} jobs? cancelled`),
  );
  await expect(page.getByTestId("enrichment-state")).toHaveText("Off");
  await expect(page.getByTestId("queue-pending")).toHaveText("0");
  expect(await sql("SELECT first_name, email, enriched_at FROM learner WHERE id = $1", [learner])).toEqual([{ first_name: null, email: null, enriched_at: null }]);
});

test("an instructor is turned away", async ({ page }) => {
  await page.goto("/signin?callbackUrl=/");
  await page.getByLabel("Email").fill(INSTRUCTOR.email);
  await page.getByLabel("Password").fill(INSTRUCTOR.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === "/");
  const response = await page.goto("/settings/enrichment");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Admins only" })).toBeVisible();
  await expect(page.getByText("Purge personal data")).toHaveCount(0);
});
