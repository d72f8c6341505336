import { test as base } from "@playwright/test";

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
