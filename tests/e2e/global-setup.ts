import { startApp } from "../support/app-server";
import { createDatabase, dropDatabase } from "../support/database";
import { TEST_WEBHOOK_SECRET } from "../support/webhooks";
import { E2E_ADMIN, E2E_AUTH_SECRET } from "./fixtures";

/** The real app (npm start's path) over a fresh database, for the whole browser suite. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const database = await createDatabase("cairn_e2e");
  const app = await startApp({
    DATABASE_URL: database.url,
    NEXTAUTH_SECRET: E2E_AUTH_SECRET,
    INSTRUQT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    CAIRN_ADMIN_EMAIL: E2E_ADMIN.email,
    CAIRN_ADMIN_PASSWORD: E2E_ADMIN.password,
    CAIRN_WORKER: "projector",
    // Settings → Backfill needs a team slug to accept a backfill (tests/e2e/backfill.spec.ts).
    INSTRUQT_TEAM_SLUG: "cairn-e2e-team",
  });
  process.env.CAIRN_E2E_BASE_URL = app.baseUrl;
  process.env.CAIRN_E2E_DATABASE_URL = database.url;
  return async () => {
    await app.stop();
    await dropDatabase(database.name);
  };
}
