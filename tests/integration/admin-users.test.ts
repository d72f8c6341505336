import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startApp, type AppServer } from "../support/app-server";
import { createDatabase, dropDatabase } from "../support/database";
import { TEST_ADMIN } from "../support/integration-setup";
import { signIn, SignInFailed, withSession } from "../support/session";
import { adminClient, createUser, query, settingsClient, tableText, uid, type SettingsClient } from "./admin-helpers";

const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");

let admin: SettingsClient;
/** Every password this file types or is given: none may appear in the audit log. */
const passwords: string[] = [];

beforeAll(async () => {
  admin = await adminClient(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
});

const me = async (cookie: string) => {
  const response = await withSession(cookie)(`${baseUrl}/api/me`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("creating users", () => {
  it("creates an instructor with a typed password, who can sign in with it", async () => {
    const email = `typed-${uid()}@cairn.test`;
    const password = "typed password 1234";
    passwords.push(password);
    const answer = await admin.post<{ user: Record<string, unknown>; generatedPassword: string | null }>("/api/settings/users", {
      email: email.toUpperCase(),
      name: "  Ada Typed  ",
      role: "instructor",
      password,
    });
    expect(answer.status).toBe(201);
    expect(answer.body.generatedPassword).toBeNull();
    expect(answer.body.user).toMatchObject({ email, name: "Ada Typed", role: "instructor", disabledAt: null });
    expect(JSON.stringify(answer.body)).not.toContain("passwordHash");

    const cookie = await signIn(baseUrl, email, password);
    expect(await me(cookie)).toMatchObject({ status: 200, body: { kind: "user", email, role: "instructor", name: "Ada Typed" } });
  });

  it("generates a password when none is given, returns it once, and it works", async () => {
    const email = `generated-${uid()}@cairn.test`;
    const answer = await admin.post<{ user: { id: string }; generatedPassword: string }>("/api/settings/users", { email, role: "admin", password: "" });
    expect(answer.status).toBe(201);
    const { generatedPassword } = answer.body;
    passwords.push(generatedPassword);
    expect(generatedPassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const cookie = await signIn(baseUrl, email, generatedPassword);
    expect((await me(cookie)).body).toMatchObject({ role: "admin" });

    // Never again: the list has no password nor hash.
    const list = await admin.get<{ users: Record<string, unknown>[] }>("/api/settings/users");
    const listed = list.body.users.find((u) => u.email === email)!;
    expect(listed).toBeDefined();
    expect(Object.keys(listed).sort()).toEqual(["createdAt", "disabledAt", "email", "id", "lastSignInAt", "name", "role"]);
    expect(JSON.stringify(list.body)).not.toContain(generatedPassword);
  });

  it("refuses a second user with the same email, whatever its case", async () => {
    const user = await createUser(admin, "instructor", "dup");
    const answer = await admin.post("/api/settings/users", { email: user.email.toUpperCase(), role: "admin", password: "another password" });
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ error: "email_taken", fields: { email: expect.stringContaining("already exists") } });
  });

  it("refuses bad input, naming each field", async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ role: "instructor" }, "email", "is required"],
      [{ email: 42, role: "instructor" }, "email", "must be text"],
      [{ email: "a b@c", role: "instructor" }, "email", "must be an email address"],
      [{ email: `r-${uid()}@cairn.test`, role: "owner" }, "role", "must be admin or instructor"],
      [{ email: `r-${uid()}@cairn.test` }, "role", "must be admin or instructor"],
      [{ email: `p-${uid()}@cairn.test`, role: "instructor", password: "123456789" }, "password", "must be at least 10 characters"],
      [{ email: `p-${uid()}@cairn.test`, role: "instructor", password: 1234567890123 }, "password", "must be text"],
      [{ email: `n-${uid()}@cairn.test`, role: "instructor", name: "n".repeat(201) }, "name", "must be at most 200 characters"],
    ];
    for (const [body, field, message] of cases) {
      const answer = await admin.post<{ fields: Record<string, string> }>("/api/settings/users", body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.fields[field], JSON.stringify(body)).toBe(message);
    }
  });
});

describe("resetting passwords", () => {
  it("sets a typed password: the old one stops working, the new one works", async () => {
    const user = await createUser(admin, "instructor", "reset-typed");
    passwords.push(user.password, "brand new password");
    const answer = await admin.post(`/api/settings/users/${user.id}/password`, { password: "brand new password" });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ generatedPassword: null });
    await expect(signIn(baseUrl, user.email, user.password)).rejects.toThrow(SignInFailed);
    await signIn(baseUrl, user.email, "brand new password");
  });

  it("generates a password when none is typed", async () => {
    const user = await createUser(admin, "instructor", "reset-generated");
    const answer = await admin.post<{ generatedPassword: string }>(`/api/settings/users/${user.id}/password`, {});
    expect(answer.status).toBe(200);
    passwords.push(user.password, answer.body.generatedPassword);
    await signIn(baseUrl, user.email, answer.body.generatedPassword);
    await expect(signIn(baseUrl, user.email, user.password)).rejects.toThrow(SignInFailed);
  });

  it("refuses a short password and an unknown user", async () => {
    const user = await createUser(admin, "instructor", "reset-bad");
    const short = await admin.post(`/api/settings/users/${user.id}/password`, { password: "short" });
    expect(short.status).toBe(400);
    expect(short.body).toMatchObject({ fields: { password: "must be at least 10 characters" } });
    const unknown = await admin.post("/api/settings/users/no-such-user/password", {});
    expect(unknown.status).toBe(404);
  });
});

describe("disabling, enabling and changing roles", () => {
  it("a disabled user's session stops working at once and they cannot sign in; enabling lets them sign in again, without reviving the old session", async () => {
    const user = await createUser(admin, "instructor", "disable");
    passwords.push(user.password);
    const cookie = await signIn(baseUrl, user.email, user.password);
    expect((await me(cookie)).status).toBe(200);

    const disabled = await admin.patch<{ user: { disabledAt: string | null } }>(`/api/settings/users/${user.id}`, { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body.user.disabledAt).not.toBeNull();

    expect((await me(cookie)).status).toBe(401);
    const page = await withSession(cookie)(`${baseUrl}/`);
    expect([302, 307]).toContain(page.status);
    expect(page.headers.get("location")).toMatch(/\/signin/);
    await expect(signIn(baseUrl, user.email, user.password)).rejects.toThrow(SignInFailed);

    const enabled = await admin.patch<{ user: { disabledAt: string | null } }>(`/api/settings/users/${user.id}`, { disabled: false });
    expect(enabled.body.user.disabledAt).toBeNull();
    expect((await me(cookie)).status).toBe(401);
    expect((await me(await signIn(baseUrl, user.email, user.password))).status).toBe(200);
  });

  it("a role change ends the user's sessions; the next sign-in has the new role", async () => {
    const user = await createUser(admin, "instructor", "promote");
    const client = settingsClient(baseUrl, await signIn(baseUrl, user.email, user.password));
    expect((await client.get("/api/settings/users")).status).toBe(403);

    expect((await admin.patch(`/api/settings/users/${user.id}`, { role: "admin" })).status).toBe(200);
    expect((await client.get("/api/settings/users")).status).toBe(401);
    const promoted = settingsClient(baseUrl, await signIn(baseUrl, user.email, user.password));
    expect((await promoted.get("/api/settings/users")).status).toBe(200);

    expect((await admin.patch(`/api/settings/users/${user.id}`, { role: "instructor" })).status).toBe(200);
    expect((await promoted.get("/api/settings/users")).status).toBe(401);
    const demoted = settingsClient(baseUrl, await signIn(baseUrl, user.email, user.password));
    expect((await demoted.get("/api/settings/users")).status).toBe(403);
  });

  it("refuses bad changes, naming the field", async () => {
    const user = await createUser(admin, "instructor", "badpatch");
    const empty = await admin.patch(`/api/settings/users/${user.id}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ fields: { role: "give role or disabled" } });
    const role = await admin.patch(`/api/settings/users/${user.id}`, { role: "root" });
    expect(role.body).toMatchObject({ fields: { role: "must be admin or instructor" } });
    const disabled = await admin.patch(`/api/settings/users/${user.id}`, { disabled: "yes" });
    expect(disabled.status).toBe(400);
    expect(disabled.body).toMatchObject({ fields: { disabled: "must be true or false" } });
    expect((await admin.patch("/api/settings/users/nobody", { disabled: true })).status).toBe(404);
  });

  it("records every change in the audit log, by whom, without any password", async () => {
    const user = await createUser(admin, "instructor", "audited");
    passwords.push(user.password);
    await admin.patch(`/api/settings/users/${user.id}`, { role: "admin" });
    await admin.patch(`/api/settings/users/${user.id}`, { disabled: true });
    await admin.patch(`/api/settings/users/${user.id}`, { disabled: false });
    await admin.post(`/api/settings/users/${user.id}/password`, {});
    const rows = await query<{ action: string; actor_email: string; details: Record<string, unknown> }>(
      databaseUrl,
      "SELECT action, actor_email, details FROM audit_log WHERE target = $1 ORDER BY id",
      [`user:${user.id}`],
    );
    expect(rows.map((r) => r.action)).toEqual(["user.created", "user.role_changed", "user.disabled", "user.enabled", "user.password_reset"]);
    expect(rows.every((r) => r.actor_email === TEST_ADMIN.email)).toBe(true);
    expect(rows[1]!.details).toEqual({ email: user.email, from: "instructor", to: "admin" });

    const audit = await tableText(databaseUrl, "audit_log");
    for (const password of passwords) expect(audit).not.toContain(password);
  });
});

describe("the last enabled admin", () => {
  // Its own app and database: the shared one must keep TEST_ADMIN an admin for other files.
  const soleAdmin = { email: "sole-admin@cairn.test", password: "sole admin password" };
  let app: AppServer;
  let database: { name: string; url: string };
  let first: SettingsClient;
  let firstId: string;

  beforeAll(async () => {
    database = await createDatabase("cairn_it_admins");
    app = await startApp({
      DATABASE_URL: database.url,
      NEXTAUTH_SECRET: "admin-users-test-secret-0123456789abcdef",
      CAIRN_ADMIN_EMAIL: soleAdmin.email,
      CAIRN_ADMIN_PASSWORD: soleAdmin.password,
      CAIRN_WORKER: "projector",
      INSTRUQT_WEBHOOK_SECRET: undefined,
    });
    first = await adminClient(app.baseUrl, soleAdmin.email, soleAdmin.password);
    firstId = ((await first.get<{ id: string }>("/api/me")).body as { id: string }).id;
  });

  afterAll(async () => {
    await app?.stop();
    if (database) await dropDatabase(database.name);
  });

  const activeAdmins = async () =>
    (await query<{ email: string }>(database.url, "SELECT email FROM app_user WHERE role = 'admin' AND disabled_at IS NULL ORDER BY email")).map((r) => r.email);

  it("cannot be made an instructor or disabled", async () => {
    const demote = await first.patch(`/api/settings/users/${firstId}`, { role: "instructor" });
    expect(demote.status).toBe(409);
    expect(demote.body).toMatchObject({ error: "last_admin" });
    const disable = await first.patch(`/api/settings/users/${firstId}`, { disabled: true });
    expect(disable.status).toBe(409);
    expect(await activeAdmins()).toEqual([soleAdmin.email]);
  });

  it("a demotion waits for a concurrent one and then sees its result (row lock), so one admin remains", async () => {
    const second = await createUser(first, "admin", "second-admin");
    // Another transaction is demoting the second admin and holds the admins' rows meanwhile.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT id FROM app_user WHERE role = 'admin' AND disabled_at IS NULL FOR UPDATE");
      await client.query("UPDATE app_user SET role = 'instructor' WHERE id = $1", [second.id]);

      const demoteFirst = first.patch(`/api/settings/users/${firstId}`, { role: "instructor" });
      const settledEarly = await Promise.race([demoteFirst.then(() => true), new Promise((r) => setTimeout(r, 1_500, false))]);
      expect(settledEarly, "the demotion must wait for the admins' row locks").toBe(false);

      await client.query("COMMIT");
      const answer = await demoteFirst;
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ error: "last_admin" });
    } finally {
      await client.end();
    }
    expect(await activeAdmins()).toEqual([soleAdmin.email]);
  });

  it("two admins demoting or disabling each other at once leave one enabled admin", async () => {
    for (const change of [{ role: "instructor" }, { disabled: true }] as const) {
      const other = await createUser(first, "admin", "rival");
      const rival = await adminClient(app.baseUrl, other.email, other.password);
      const answers = await Promise.all([
        first.patch(`/api/settings/users/${other.id}`, change),
        rival.patch(`/api/settings/users/${firstId}`, change),
      ]);
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 200), JSON.stringify(answers)).toHaveLength(1);
      // The loser was refused: as the last admin (409), or already demoted (403) or disabled (401).
      expect([401, 403, 409]).toContain(statuses.find((s) => s !== 200));
      expect(await activeAdmins()).toHaveLength(1);

      // Restore: whoever is left makes the first admin the only admin again.
      const remaining = (await activeAdmins())[0]!;
      const survivor = remaining === soleAdmin.email ? first : rival;
      if (survivor === rival) {
        expect((await rival.patch(`/api/settings/users/${firstId}`, { role: "admin", disabled: false })).status).toBe(200);
        // The change ended the first admin's sessions: sign in again.
        first = await adminClient(app.baseUrl, soleAdmin.email, soleAdmin.password);
      }
      expect((await first.patch(`/api/settings/users/${other.id}`, { role: "instructor" })).status).toBe(200);
      expect(await activeAdmins()).toEqual([soleAdmin.email]);
    }
  });
});
