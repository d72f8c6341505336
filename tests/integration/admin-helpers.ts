import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { withClient } from "../support/database";
import { signIn } from "../support/session";

/** Shared by the admin-*.test.ts files: a settings API client that behaves like Cairn's pages. */

export const uid = () => randomUUID().slice(0, 8);

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** Calls /api/** with a session cookie and, like a browser on Cairn's own pages, an Origin header. */
export function settingsClient(baseUrl: string, cookie: string | null, { origin = baseUrl }: { origin?: string | null } = {}) {
  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer<T>> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      redirect: "manual",
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(origin && method !== "GET" ? { origin } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text for the assertion message
    }
    return { status: response.status, body: parsed as T };
  };
  return {
    get: <T = Record<string, unknown>>(path: string, headers?: Record<string, string>) => call<T>("GET", path, undefined, headers),
    post: <T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>("POST", path, body, headers),
    patch: <T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>("PATCH", path, body, headers),
    delete: <T = Record<string, unknown>>(path: string, headers?: Record<string, string>) => call<T>("DELETE", path, undefined, headers),
  };
}

export type SettingsClient = ReturnType<typeof settingsClient>;

export async function adminClient(baseUrl: string, email: string, password: string): Promise<SettingsClient> {
  return settingsClient(baseUrl, await signIn(baseUrl, email, password));
}

export interface CreatedUser {
  id: string;
  email: string;
  password: string;
}

/** Creates a user through the API (with a typed password) and returns how to sign in as them. */
export async function createUser(admin: SettingsClient, role: "admin" | "instructor", prefix = "user"): Promise<CreatedUser> {
  const email = `${prefix}-${uid()}@cairn.test`;
  const password = `pw-${randomUUID()}`;
  const answer = await admin.post<{ user: { id: string; email: string } }>("/api/settings/users", { email, role, password });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return { id: answer.body.user.id, email, password };
}

export const query = <T = Record<string, unknown>>(databaseUrl: string, sql: string, params: unknown[] = []) =>
  withClient(databaseUrl, async (client) => (await client.query(sql, params)).rows as T[]);

/** Every row of a table as text: to prove a value appears nowhere in it. */
export async function tableText(databaseUrl: string, table: string): Promise<string> {
  const rows = await query<{ row: string }>(databaseUrl, `SELECT t::text AS row FROM ${table} t`);
  return rows.map((r) => r.row).join("\n");
}
