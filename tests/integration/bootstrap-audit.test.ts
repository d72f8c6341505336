import { describe, expect, inject, it } from "vitest";
import { withClient } from "../support/database";
import { TEST_ADMIN } from "../support/integration-setup";
import { TEST_WEBHOOK_SECRET } from "../support/webhooks";

/**
 * What the first start creates from the environment is in the audit log from the start: the
 * bootstrap admin (CAIRN_ADMIN_EMAIL/PASSWORD) and the seeded signing secret
 * (INSTRUQT_WEBHOOK_SECRET), never a password or a secret value. The suite's app server was
 * started with both (tests/support/integration-setup.ts).
 */

const databaseUrl = inject("databaseUrl");

interface Row {
  action: string;
  actor_id: string | null;
  actor_email: string | null;
  target: string | null;
  details: Record<string, unknown>;
}

/** Start-up seeding runs beside the server's readiness: wait (with a deadline) for its entries. */
async function bootstrapEntries(timeoutMs = 30_000): Promise<Row[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await withClient(databaseUrl, async (client) =>
      (
        await client.query<Row>(
          `SELECT action, actor_id, actor_email, target, details FROM audit_log
           WHERE actor_id IS NULL AND actor_email IN ('first start (CAIRN_ADMIN_EMAIL)', 'INSTRUQT_WEBHOOK_SECRET') ORDER BY id`,
        )
      ).rows,
    );
    if (rows.length >= 2 || Date.now() > deadline) return rows;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("audit of the first start", () => {
  it("records the bootstrap admin and the signing secret seeded from the environment", async () => {
    const rows = await bootstrapEntries();
    const admin = rows.find((row) => row.action === "user.created");
    expect(admin).toMatchObject({
      actor_id: null,
      actor_email: "first start (CAIRN_ADMIN_EMAIL)",
      details: { email: TEST_ADMIN.email, role: "admin", passwordGenerated: false },
    });
    expect(admin!.target).toMatch(/^user:/);

    const secret = rows.find((row) => row.action === "webhook_secret.set");
    expect(secret).toMatchObject({
      actor_id: null,
      actor_email: "INSTRUQT_WEBHOOK_SECRET",
      details: { hint: `whsec_…${TEST_WEBHOOK_SECRET.slice(-4)}` },
    });

    // One entry each, however many times the start-up seeding ran.
    expect(rows.filter((row) => row.action === "user.created")).toHaveLength(1);
    expect(rows.filter((row) => row.action === "webhook_secret.set")).toHaveLength(1);
    const text = JSON.stringify(rows);
    expect(text).not.toContain(TEST_WEBHOOK_SECRET.slice(6));
    expect(text).not.toContain(TEST_ADMIN.password);
  });
});
