import { test as base, type Page } from "@playwright/test";

export const E2E_ADMIN = { email: "admin@cairn.e2e", password: "e2e admin password 42" };
export const E2E_AUTH_SECRET = "e2e-auth-secret-0123456789abcdef0123456789";

/** `baseURL` comes from the app that global-setup started. */
export const test = base.extend({
  baseURL: async ({}, provide) => {
    const url = process.env.CAIRN_E2E_BASE_URL;
    if (!url) throw new Error("CAIRN_E2E_BASE_URL is not set: run through playwright.config.ts");
    await provide(url);
  },
});

export { expect } from "@playwright/test";

/** Signs in through the form and waits for the overview. */
export async function signIn(page: Page, who: { email: string; password: string } = E2E_ADMIN): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === "/");
}

/** The page's width beyond the viewport, in CSS pixels (0 when nothing scrolls sideways). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}
