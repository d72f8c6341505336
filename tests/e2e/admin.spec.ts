import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import type { Browser, Page } from "@playwright/test";
import { TEST_WEBHOOK_SECRET } from "../support/webhooks";
import { E2E_ADMIN, expect, test } from "./fixtures";

/**
 * The admin settings in a real browser: what an admin does to connect Cairn to Instruqt and keep
 * it safe. Screenshots go to test-results/screenshots/.
 */

const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
const uid = () => randomUUID().slice(0, 8);
const literally = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));

async function signInAs(page: Page, email: string, password: string) {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
}

async function newSignedInPage(browser: Browser, baseURL: string, email: string, password: string) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await signInAs(page, email, password);
  return page;
}

async function enabledAdmins(): Promise<number> {
  const client = new pg.Client({ connectionString: process.env.CAIRN_E2E_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT count(*)::int AS n FROM app_user WHERE role = 'admin' AND disabled_at IS NULL");
    return rows[0].n as number;
  } finally {
    await client.end();
  }
}

test.describe("admin settings", () => {
  test.beforeEach(async ({ page }) => {
    await signInAs(page, E2E_ADMIN.email, E2E_ADMIN.password);
  });

  test("webhook: endpoint URL, rotating the signing secret, sending a test event", async ({ page }) => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    await expect(page).toHaveURL(/\/settings\/webhook$/);
    await expect(page.getByTestId("endpoint-url")).toHaveText(/^http:\/\/127\.0\.0\.1:\d+\/api\/webhooks\/instruqt$/);
    const secrets = page.getByTestId("secrets-table");
    const seededHint = `whsec_…${TEST_WEBHOOK_SECRET.slice(-4)}`;
    await expect(secrets.getByRole("row", { name: literally(seededHint) })).toContainText("current");

    // A malformed secret is refused next to the field.
    const form = page.getByRole("form", { name: "Rotate the signing secret" });
    await form.getByLabel("Signing secret from Instruqt").fill("whsec_tooshort");
    await form.getByRole("button", { name: "Rotate secret" }).click();
    await expect(form.getByText("must be whsec_ followed by the base64 of 24 to 64 bytes")).toBeVisible();

    // Rotate: the seeded secret keeps verifying for an hour, the new one is current.
    const rotated = `whsec_${randomBytes(32).toString("base64")}`;
    const rotatedHint = `whsec_…${rotated.slice(-4)}`;
    await form.getByLabel("Signing secret from Instruqt").fill(rotated);
    await form.getByLabel("Keep the previous secret verifying for (hours)").fill("1");
    await form.getByRole("button", { name: "Rotate secret" }).click();
    await expect(form.getByRole("status")).toContainText(`Rotated to ${rotatedHint}. ${seededHint} keeps verifying until`);
    await expect(secrets.getByRole("row", { name: literally(rotatedHint) })).toContainText("current");
    await expect(secrets.getByRole("row", { name: literally(seededHint) })).toContainText("in 60 min (grace period)");
    await expect(page.locator("body")).not.toContainText(rotated.slice(6));

    // A test event, signed with the new secret, delivered to this server.
    const testForm = page.getByRole("form", { name: "Send a test event" });
    await testForm.getByLabel("Event type").selectOption("track.completed");
    await testForm.getByRole("button", { name: "Send test event" }).click();
    const result = page.getByTestId("test-result");
    await expect(result).toContainText(/HTTP 201 in \d+ ms/);
    await expect(result).toContainText(/track\.completed → http:\/\/127\.0\.0\.1:\d+\/api\/webhooks\/instruqt/);
    await expect(result).toContainText('"outcome":"test"');
    await shot(page, "admin-webhook-rotated");

    // Put the seeded secret back as the only one (grace 0): other specs sign with it.
    await form.getByLabel("Signing secret from Instruqt").fill(TEST_WEBHOOK_SECRET);
    await form.getByLabel("Keep the previous secret verifying for (hours)").fill("0");
    await form.getByRole("button", { name: "Rotate secret" }).click();
    await expect(form.getByRole("status")).toContainText(`Rotated to ${seededHint}`);
    await expect(secrets.getByRole("row")).toHaveCount(2); // header + the seeded secret
    await expect(secrets.getByRole("row", { name: literally(seededHint) })).toContainText("current");
  });

  test("users: add an instructor with a generated password; they cannot open settings; disable and reset", async ({ page, browser, baseURL }) => {
    await page.goto("/settings/users");
    const email = `e2e-instructor-${uid()}@cairn.test`;
    const form = page.getByRole("form", { name: "Add a user" });
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Name").fill("Grace Instructor");
    await form.getByLabel("Role").selectOption("instructor");
    await form.getByRole("button", { name: "Add user" }).click();
    const password = (await form.getByTestId("generated-password").textContent())!.trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const row = page.locator(`tr[data-email="${email}"]`);
    await expect(row).toContainText("Grace Instructor");
    await expect(row).toContainText("active");
    await shot(page, "admin-users-created");

    // The same email again is refused, next to the field.
    await form.getByLabel("Email").fill(email.toUpperCase());
    await form.getByRole("button", { name: "Add user" }).click();
    await expect(form.getByText(`A user with the email ${email} already exists.`)).toBeVisible();

    // The instructor signs in: no Settings in the navigation, and 403 on every settings page.
    const instructor = await newSignedInPage(browser, baseURL!, email, password);
    await expect(instructor.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" })).toHaveCount(0);
    for (const path of ["/settings/webhook", "/settings/users", "/settings/tokens", "/settings/audit"]) {
      const response = await instructor.goto(path);
      expect(response?.status(), path).toBe(403);
      await expect(instructor.getByRole("heading", { name: "Admins only" })).toBeVisible();
    }
    await shot(instructor, "admin-instructor-forbidden");

    // Disabled: their open session ends at once.
    await row.getByRole("button", { name: "Disable" }).click();
    await row.getByRole("button", { name: `Disable ${email}` }).click();
    await expect(row).toContainText("disabled");
    await instructor.goto("/");
    await expect(instructor).toHaveURL(/\/signin/);

    // Enabled again, with a new generated password shown once.
    await row.getByRole("button", { name: "Enable" }).click();
    await expect(row).toContainText("active");
    await row.getByRole("button", { name: "Reset password" }).click();
    await row.getByRole("button", { name: "Set password", exact: true }).click();
    const reset = (await row.getByTestId("reset-password").textContent())!.trim();
    expect(reset).not.toBe(password);
    await signInAs(instructor, email, reset);
    await instructor.context().close();

    // Promote and demote through the role menu.
    await row.getByLabel(`Role of ${email}`).selectOption("admin");
    await expect(row.getByLabel(`Role of ${email}`)).toHaveValue("admin");
    await row.getByLabel(`Role of ${email}`).selectOption("instructor");
    await expect(row.getByLabel(`Role of ${email}`)).toHaveValue("instructor");
  });

  test("users: the last enabled admin cannot be demoted", async ({ page }) => {
    test.skip((await enabledAdmins()) !== 1, "another spec left a second enabled admin");
    await page.goto("/settings/users");
    const row = page.locator(`tr[data-email="${E2E_ADMIN.email}"]`);
    await expect(row.getByRole("button", { name: "Disable" })).toBeDisabled();
    await expect(row).toContainText("The last enabled admin cannot be disabled or made an instructor.");
    await row.getByLabel(`Role of ${E2E_ADMIN.email}`).selectOption("instructor");
    await expect(row.getByRole("alert")).toContainText("This is the last enabled admin");
    await expect(row.getByLabel(`Role of ${E2E_ADMIN.email}`)).toHaveValue("admin");
    await shot(page, "admin-users-last-admin");
  });

  test("API tokens: create (shown once), use, revoke (refused at once); the audit log shows it all", async ({ page, request }) => {
    await page.goto("/settings/tokens");
    const name = `e2e LMS ${uid()}`;
    const form = page.getByRole("form", { name: "Create a token" });
    await form.getByRole("button", { name: "Create token" }).click();
    await expect(form.getByText("Name is required.")).toBeVisible();
    await form.getByLabel("Name").fill(name);
    await form.getByRole("button", { name: "Create token" }).click();
    const token = (await form.getByTestId("new-token").textContent())!.trim();
    expect(token).toMatch(/^cairn_/);

    const authorization = { authorization: `Bearer ${token}` };
    const me = await request.get("/api/me", { headers: authorization });
    expect(me.status()).toBe(200);
    expect(await me.json()).toMatchObject({ kind: "token", name, scope: "read" });

    await page.reload();
    const row = page.locator(`tr[data-token-name="${name}"]`);
    await expect(row).toContainText("active");
    await expect(row).not.toContainText("never"); // it was just used
    await expect(page.locator("body")).not.toContainText(token);
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByRole("button", { name: `Revoke “${name}”` }).click();
    await expect(row).toContainText("revoked");
    await shot(page, "admin-tokens");
    expect((await request.get("/api/me", { headers: authorization })).status()).toBe(401);

    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Audit log" }).click();
    await page.getByLabel("Action").selectOption("token.revoked");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/action=token\.revoked/);
    const entries = page.getByTestId("audit-table").locator("tbody tr");
    await expect(entries.first()).toContainText(`Revoked the API token “${name}”`);
    await expect(entries.first()).toContainText(E2E_ADMIN.email);
    for (const action of await entries.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-action")))) {
      expect(action).toBe("token.revoked");
    }
    await expect(page.locator("body")).not.toContainText(token);
    await shot(page, "admin-audit");
  });
});
