import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { withClient } from "../support/database";
import { TEST_ADMIN } from "../support/integration-setup";
import { signIn, SignInFailed, withSession } from "../support/session";

const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");

describe("sign-in", () => {
  it("the first admin from CAIRN_ADMIN_EMAIL/PASSWORD can sign in and gets the admin role", async () => {
    const cookie = await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
    const session = await (await withSession(cookie)(`${baseUrl}/api/auth/session`)).json();
    expect(session.user).toMatchObject({ email: TEST_ADMIN.email, role: "admin" });
  });

  it("stores the password as a scrypt hash, never in clear", async () => {
    const [row] = await withClient(databaseUrl, async (c) =>
      (await c.query("SELECT password_hash FROM app_user WHERE email = $1", [TEST_ADMIN.email])).rows);
    expect(row.password_hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$/);
    expect(row.password_hash).not.toContain(TEST_ADMIN.password);
  });

  it("refuses a wrong password and an unknown account", async () => {
    await expect(signIn(baseUrl, TEST_ADMIN.email, "wrong password!")).rejects.toThrow(SignInFailed);
    await expect(signIn(baseUrl, "nobody@cairn.test", "whatever password")).rejects.toThrow(SignInFailed);
  });

  it("rate-limits sign-in attempts per account", async () => {
    const email = `victim-${randomUUID().slice(0, 6)}@cairn.test`;
    const address = { "x-forwarded-for": `198.51.100.${Math.floor(Math.random() * 200)}` };
    const errors: string[] = [];
    for (let i = 0; i < 12; i++) {
      try {
        await signIn(baseUrl, email, "wrong password", address);
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
    expect(errors.slice(0, 10).every((m) => m.includes("CredentialsSignin"))).toBe(true);
    expect(errors.slice(10).every((m) => m.includes("RateLimited"))).toBe(true);
  });

  it("pages redirect to the sign-in page without a session", async () => {
    const response = await fetch(`${baseUrl}/learners`, { redirect: "manual" });
    expect([302, 307]).toContain(response.status);
    expect(response.headers.get("location")).toMatch(/\/signin/);
  });
});
