import { beforeAll, describe, expect, inject, it } from "vitest";
import { TEST_ADMIN } from "../support/integration-setup";
import { signIn } from "../support/session";
import { adminClient, uid, type SettingsClient } from "./admin-helpers";

const baseUrl = inject("baseUrl");

interface AuditPage {
  entries: { id: string; action: string; actor: string; details: Record<string, unknown>; createdAt: string }[];
  page: number;
  pageSize: number;
  total: number;
  pageCount: number;
}

let admin: SettingsClient;
const tag = uid();

beforeAll(async () => {
  admin = await adminClient(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
  // 55 token creations, 5 revocations: more than one page of one action.
  for (let i = 0; i < 55; i++) {
    const { body } = await admin.post<{ record: { id: string } }>("/api/settings/tokens", { name: `audit ${tag} ${i}` });
    if (i < 5) await admin.delete(`/api/settings/tokens/${body.record.id}`);
  }
});

describe("GET /api/settings/audit", () => {
  it("lists newest first, 50 a page, filtered by action", async () => {
    const first = await admin.get<AuditPage>("/api/settings/audit?action=token.created");
    expect(first.status).toBe(200);
    expect(first.body.pageSize).toBe(50);
    expect(first.body.entries).toHaveLength(50);
    expect(first.body.total).toBeGreaterThanOrEqual(55);
    expect(first.body.entries.every((e) => e.action === "token.created")).toBe(true);
    expect(first.body.entries[0]!.details).toMatchObject({ name: `audit ${tag} 54`, scope: "read" });
    expect(first.body.entries[0]!.actor).toBe(TEST_ADMIN.email);

    const second = await admin.get<AuditPage>("/api/settings/audit?action=token.created&page=2");
    expect(second.body.page).toBe(2);
    expect(second.body.entries.length).toBeGreaterThanOrEqual(5);
    const ids = (page: AuditPage) => page.entries.map((e) => BigInt(e.id));
    const lowestFirst = ids(first.body).reduce((a, b) => (a < b ? a : b));
    expect(ids(second.body).every((id) => id < lowestFirst)).toBe(true);

    const revoked = await admin.get<AuditPage>("/api/settings/audit?action=token.revoked");
    expect(revoked.body.entries.every((e) => e.action === "token.revoked")).toBe(true);
    expect(revoked.body.entries.slice(0, 5).map((e) => e.details.name)).toEqual([4, 3, 2, 1, 0].map((i) => `audit ${tag} ${i}`));

    const all = await admin.get<AuditPage>("/api/settings/audit");
    expect(all.body.total).toBeGreaterThanOrEqual(first.body.total + revoked.body.total);

    const beyond = await admin.get<AuditPage>(`/api/settings/audit?action=token.created&page=${first.body.pageCount + 1}`);
    expect(beyond.status).toBe(200);
    expect(beyond.body.entries).toEqual([]);
  });

  it("refuses an unknown action or a bad page, naming the parameter", async () => {
    for (const [search, field, message] of [
      ["action=secret.stolen", "action", "is not a known action"],
      ["page=0", "page", "must be 1 or more"],
      ["page=abc", "page", "must be a page number"],
      ["page=1.5", "page", "must be a whole number"],
    ] as const) {
      const answer = await admin.get<{ fields: Record<string, string> }>(`/api/settings/audit?${search}`);
      expect(answer.status, search).toBe(400);
      expect(answer.body.fields[field], search).toBe(message);
    }
  });
});

describe("the audit log page", () => {
  it("shows entries, pages through them, and says when a filter was ignored", async () => {
    const cookie = await signIn(baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
    const get = async (search: string) => (await fetch(`${baseUrl}/settings/audit${search}`, { headers: { cookie } })).text();

    const first = await get("?action=token.created");
    expect(first).toContain(`Created the read API token “audit ${tag} 54”`);
    expect(first).toMatch(/Page 1 of \d+/);
    expect(first).toContain('href="/settings/audit?action=token.created&amp;page=2"');

    const second = await get("?action=token.created&page=2");
    expect(second).toContain("Page 2 of");
    expect(second).not.toContain(`“audit ${tag} 54”`);

    const bad = await get("?page=-3");
    expect(bad).toContain("Ignored an invalid filter (page: must be 1 or more)");
  });
});
