import type { TestProject } from "vitest/node";
import { startApp, type AppServer } from "./app-server";
import { createDatabase, dropDatabase } from "./database";
import { TEST_WEBHOOK_SECRET } from "./webhooks";

/**
 * One app server over one fresh database for the integration suite; each test file uses its own
 * ids (participants, tracks) so files do not see each other's counts.
 */

export const TEST_ADMIN = { email: "admin@cairn.test", password: "correct horse battery staple" };
export const TEST_AUTH_SECRET = "integration-test-auth-secret-0123456789abcdef";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    databaseUrl: string;
  }
}

let app: AppServer | undefined;
let database: { name: string; url: string } | undefined;

export async function setup(project: TestProject): Promise<void> {
  database = await createDatabase("cairn_it");
  app = await startApp({
    DATABASE_URL: database.url,
    NEXTAUTH_SECRET: TEST_AUTH_SECRET,
    INSTRUQT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    CAIRN_ADMIN_EMAIL: TEST_ADMIN.email,
    CAIRN_ADMIN_PASSWORD: TEST_ADMIN.password,
    CAIRN_WORKER: "projector",
    // The test client stands in for one reverse proxy: tests pick their sign-in address with X-Forwarded-For.
    CAIRN_TRUSTED_PROXY: "1",
    // The team the fake Instruqt's playReports answers for (tests/support/fake-instruqt.ts).
    INSTRUQT_TEAM_SLUG: "cairn-test-team",
  });
  project.provide("baseUrl", app.baseUrl);
  project.provide("databaseUrl", database.url);
}

export async function teardown(): Promise<void> {
  await app?.stop();
  if (database) await dropDatabase(database.name);
}
