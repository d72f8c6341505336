import { createHash } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { TEST_ADMIN } from "../support/integration-setup";
import { signIn } from "../support/session";
import { adminClient, createUser, query, settingsClient, tableText, uid, type SettingsClient } from "./admin-helpers";

const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");

let admin: SettingsClient;

beforeAll(async () => {
  admin = await adminClient(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
});

const asToken = (token: string) => fetch(`${baseUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });

interface CreatedToken {
  token: string;
  record: { id: string; name: string; prefix: string; scope: string; createdBy: string | null; revokedAt: string | null; lastUsedAt: string | null };
}

describe("API tokens", () => {
  it("creates a read-only token, shown once and stored only as a hash", async () => {
    const name = `LMS sync ${uid()}`;
    const answer = await admin.post<CreatedToken>("/api/settings/tokens", { name: `  ${name} ` });
    expect(answer.status).toBe(201);
    const { token, record } = answer.body;
    expect(token).toMatch(/^cairn_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({ name, scope: "read", createdBy: TEST_ADMIN.email, revokedAt: null, lastUsedAt: null });
    expect(token.startsWith(record.prefix)).toBe(true);

    const [row] = await query<{ token_hash: string }>(databaseUrl, "SELECT token_hash FROM api_token WHERE id = $1", [record.id]);
    expect(row!.token_hash).toBe(createHash("sha256").update(token).digest("hex"));
    for (const table of ["api_token", "audit_log", "setting"]) expect(await tableText(databaseUrl, table)).not.toContain(token);

    const list = await admin.get<{ tokens: Record<string, unknown>[] }>("/api/settings/tokens");
    expect(JSON.stringify(list.body)).not.toContain(token);
    const listed = list.body.tokens.find((t) => t.id === record.id)!;
    expect(Object.keys(listed).sort()).toEqual(["createdAt", "createdBy", "id", "lastUsedAt", "name", "prefix", "revokedAt", "scope"]);
  });

  it("authenticates read APIs, records its use, and is refused at once once revoked", async () => {
    const name = `revocable ${uid()}`;
    const { body } = await admin.post<CreatedToken>("/api/settings/tokens", { name });
    const before = await asToken(body.token);
    expect(before.status).toBe(200);
    expect(await before.json()).toEqual({ kind: "token", id: body.record.id, name, scope: "read" });
    const [used] = await query<{ last_used_at: Date | null }>(databaseUrl, "SELECT last_used_at FROM api_token WHERE id = $1", [body.record.id]);
    expect(used!.last_used_at).not.toBeNull();

    const revoked = await admin.delete<{ token: { revokedAt: string | null } }>(`/api/settings/tokens/${body.record.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.token.revokedAt).not.toBeNull();

    const after = await asToken(body.token);
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error: "unauthorized" });

    // Revoking again changes nothing and logs nothing more.
    expect((await admin.delete(`/api/settings/tokens/${body.record.id}`)).status).toBe(200);
    const entries = await query<{ action: string; actor_email: string; details: Record<string, unknown> }>(
      databaseUrl,
      "SELECT action, actor_email, details FROM audit_log WHERE target = $1 ORDER BY id",
      [`api_token:${body.record.id}`],
    );
    expect(entries.map((e) => e.action)).toEqual(["token.created", "token.revoked"]);
    expect(entries[1]).toMatchObject({ actor_email: TEST_ADMIN.email, details: { name, prefix: body.record.prefix } });
  });

  it("cannot change anything, and a token created by an admin keeps working when used by scripts", async () => {
    const { body } = await admin.post<CreatedToken>("/api/settings/tokens", { name: `read only ${uid()}` });
    const answer = await fetch(`${baseUrl}/api/settings/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${body.token}`, "content-type": "application/json", origin: baseUrl },
      body: JSON.stringify({ name: "escalation" }),
    });
    expect(answer.status).toBe(403);
    expect((await asToken(body.token)).status).toBe(200);
  });

  it("refuses unknown, malformed and missing credentials on /api/me", async () => {
    expect((await asToken("cairn_not-a-real-token-at-all-not-a-real-token-xx")).status).toBe(401);
    expect((await fetch(`${baseUrl}/api/me`, { headers: { authorization: "Basic abc" } })).status).toBe(401);
    expect((await fetch(`${baseUrl}/api/me`)).status).toBe(401);
  });

  it("/api/me names a signed-in user", async () => {
    const user = await createUser(admin, "instructor", "me");
    const client = await adminClient(baseUrl, user.email, user.password);
    const answer = await client.get("/api/me");
    expect(answer).toEqual({ status: 200, body: { kind: "user", id: user.id, email: user.email, name: null, role: "instructor" } });
  });

  it("refuses a missing or overlong name, and an unknown token id", async () => {
    for (const [body, message] of [
      [{}, "is required"],
      [{ name: "   " }, "is required"],
      [{ name: "n".repeat(101) }, "must be at most 100 characters"],
      [{ name: 42 }, "must be text"],
    ] as const) {
      const answer = await admin.post("/api/settings/tokens", body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body, JSON.stringify(body)).toMatchObject({ fields: { name: message } });
    }
    expect((await admin.delete("/api/settings/tokens/no-such-token")).status).toBe(404);
  });

  it("is listed with its creator, use and status", async () => {
    const name = `listed ${uid()}`;
    const { body } = await admin.post<CreatedToken>("/api/settings/tokens", { name });
    await asToken(body.token);
    await admin.delete(`/api/settings/tokens/${body.record.id}`);
    const page = await settingsClient(baseUrl, null).get("/api/settings/tokens");
    expect(page.status).toBe(401);
    const cookie = await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
    const html = await (await fetch(`${baseUrl}/settings/tokens`, { headers: { cookie } })).text();
    expect(html).toContain(name);
    expect(html).toContain(body.record.prefix);
    expect(html).toMatch(/revoked \d{4}-\d{2}-\d{2}/);
    expect(html).not.toContain(body.token);
  });
});

