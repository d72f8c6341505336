import { randomBytes, randomUUID } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { hashToken } from "@/lib/auth/api-tokens";
import { hashPassword } from "@/lib/auth/password";
import { withClient } from "../support/database";
import { TEST_ADMIN } from "../support/integration-setup";
import { signIn, withSession } from "../support/session";

/**
 * Who may download the exports: instructors and admins signed in, and API tokens (for LMS and
 * CRM jobs). Everyone else gets a 401 JSON answer and not a byte of CSV.
 */

const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");
const FILES = ["progress", "challenges"] as const;
const url = (file: string, query = "track=no-such-track-expa") => `${baseUrl}/api/export/${file}.csv?${query}`;

async function insertToken({ revoked = false } = {}): Promise<string> {
  const token = `cairn_${randomBytes(32).toString("base64url")}`;
  await withClient(databaseUrl, (client) =>
    client.query(
      `INSERT INTO api_token (id, name, token_hash, prefix, scope, revoked_at)
       VALUES ($1, $2, $3, $4, 'read', $5)`,
      [`expa_${randomUUID()}`, "export test", hashToken(token), token.slice(0, 12), revoked ? new Date() : null],
    ),
  );
  return token;
}

async function insertInstructor(): Promise<{ email: string; password: string }> {
  const email = `expa-${randomUUID().slice(0, 8)}@cairn.test`;
  const password = "instructor password 1";
  await withClient(databaseUrl, async (client) =>
    client.query(
      `INSERT INTO app_user (id, email, password_hash, role, updated_at) VALUES ($1, $2, $3, 'instructor', now())`,
      [`expa_${randomUUID()}`, email, await hashPassword(password)],
    ),
  );
  return { email, password };
}

async function expectUnauthorized(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(response.headers.get("content-disposition")).toBeNull();
  expect(await response.json()).toMatchObject({ error: "unauthorized" });
}

async function expectCsv(response: Response): Promise<void> {
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
  expect(await response.text()).toMatch(/^participant_id,user_id,/);
}

describe("export authorization", () => {
  let validToken: string;
  let revokedToken: string;
  beforeAll(async () => {
    validToken = await insertToken();
    revokedToken = await insertToken({ revoked: true });
  });

  it.each(FILES)("%s.csv: 401 without a session or token", async (file) => {
    await expectUnauthorized(await fetch(url(file)));
  });

  it.each(FILES)("%s.csv: 401 with a token that is not one", async (file) => {
    await expectUnauthorized(await fetch(url(file), { headers: { authorization: "Bearer not-a-cairn-token" } }));
    await expectUnauthorized(
      await fetch(url(file), { headers: { authorization: `Bearer cairn_${randomBytes(32).toString("base64url")}` } }),
    );
    await expectUnauthorized(await fetch(url(file), { headers: { authorization: "Basic YWRtaW46YWRtaW4=" } }));
  });

  it.each(FILES)("%s.csv: 401 with a revoked token", async (file) => {
    await expectUnauthorized(await fetch(url(file), { headers: { authorization: `Bearer ${revokedToken}` } }));
  });

  it.each(FILES)("%s.csv: 401 before the parameters are even looked at", async (file) => {
    await expectUnauthorized(await fetch(url(file, "status=nonsense&from=never")));
  });

  it.each(FILES)("%s.csv: an API token may download", async (file) => {
    await expectCsv(await fetch(url(file), { headers: { authorization: `Bearer ${validToken}` } }));
  });

  it.each(FILES)("%s.csv: an admin's session may download", async (file) => {
    const session = withSession(await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password));
    await expectCsv(await session(url(file)));
  });

  it("an instructor's session may download both; a disabled instructor's may not", async () => {
    const instructor = await insertInstructor();
    const session = withSession(await signIn(baseUrl, instructor.email, instructor.password));
    for (const file of FILES) await expectCsv(await session(url(file)));

    const leaver = await insertInstructor();
    const leaverSession = withSession(await signIn(baseUrl, leaver.email, leaver.password));
    await withClient(databaseUrl, (client) => client.query("UPDATE app_user SET disabled_at = now() WHERE email = $1", [leaver.email]));
    for (const file of FILES) await expectUnauthorized(await leaverSession(url(file)));
  });

  it("a revoked token stops working at once", async () => {
    const token = await insertToken();
    await expectCsv(await fetch(url("progress"), { headers: { authorization: `Bearer ${token}` } }));
    await withClient(databaseUrl, (client) =>
      client.query("UPDATE api_token SET revoked_at = now() WHERE token_hash = $1", [hashToken(token)]),
    );
    await expectUnauthorized(await fetch(url("progress"), { headers: { authorization: `Bearer ${token}` } }));
  });
});
