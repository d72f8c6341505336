import { expect, test } from "./fixtures";

test("the app serves its home page in a real browser", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.ok()).toBe(true);
  await expect(page).toHaveTitle(/Cairn/);
});
