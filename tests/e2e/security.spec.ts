import { createServer, type Server } from "node:http";
import type { Page } from "@playwright/test";
import { E2E_ADMIN, expect, test } from "./fixtures";

/**
 * Issue 11's browser attacks, in a real browser: a sibling origin framing a settings page (to
 * borrow an admin's clicks), and sign-in redirect targets that browsers read as another host.
 */

async function signIn(page: Page, path = "/signin") {
  await page.goto(path);
  await page.getByLabel("Email").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

let attacker: Server;
let attackerUrl = "";

test.beforeAll(async ({ baseURL }) => {
  // Another port on the same host: a sibling origin, same site, so the session cookie goes along.
  attacker = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end(`<!doctype html><title>attacker</title>
      <iframe id="victim" src="${baseURL}/settings/tokens" width="800" height="600"></iframe>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as { port: number }).port}/`;
});

test.afterAll(async () => {
  await new Promise((resolve) => attacker?.close(resolve));
});

test("a sibling origin cannot frame a settings page of a signed-in admin", async ({ page, baseURL }) => {
  await signIn(page);
  await expect(page).toHaveURL(`${baseURL}/`);
  await page.goto("/settings/tokens");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();

  await page.goto(attackerUrl);
  const frameUrl = () => page.frames().find((candidate) => candidate !== page.mainFrame())?.url() ?? "";
  // Wait until the frame has navigated somewhere (Cairn's page, or the browser's error page).
  await expect.poll(frameUrl).not.toMatch(/^(about:blank)?$/);
  // Blocked by frame-ancestors / X-Frame-Options: the frame holds Chromium's error page, not Cairn.
  expect(frameUrl().startsWith(baseURL!)).toBe(false);
});

for (const callbackUrl of ["/%5Cevil.example/x", "/%09/evil.example/x", "/%5C%5Cevil.example/x", "//evil.example/x"]) {
  test(`signing in with callbackUrl=${callbackUrl} stays on Cairn`, async ({ page, baseURL }) => {
    await signIn(page, `/signin?callbackUrl=${callbackUrl}`);
    await page.waitForURL((url) => url.pathname !== "/signin");
    expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
    expect(new URL(page.url()).pathname).toBe("/");
  });
}
