import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { Webhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startApp, type AppServer } from "../support/app-server";
import { embeddedDatabaseUrl, withClient } from "../support/database";
import { PlayBuilder } from "../support/events-factory";
import { eventually } from "../support/eventually";
import { sendEvent, TEST_WEBHOOK_SECRET } from "../support/webhooks";
import { adminClient, type SettingsClient } from "./admin-helpers";

/**
 * Alert rules on the embedded PGlite that `npm start` runs without DATABASE_URL: the evaluation
 * job, the partial unique index behind "one notification per (rule, play, challenge)", the
 * encrypted webhook URL and the delivery job, end to end against a real receiver. (Concurrency is
 * the PostgreSQL tests' job: PGlite is one session.)
 */

const ADMIN = { email: "admin@alerts-embedded.test", password: "alerts embedded admin password" };
const dataDir = mkdtempSync(join(tmpdir(), "cairn-alerts-embedded-"));
let app: AppServer | undefined;
let admin: SettingsClient;
let dbPort: number;
let receiver: Server;
let receiverUrl: string;
const received: { headers: Record<string, string>; body: string }[] = [];

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(embeddedDatabaseUrl(dbPort), async (client) => (await client.query(text, params)).rows as T[]);

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])), body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/embedded-secret-path`;
  dbPort = await freePort();
  app = await startApp({
    DATABASE_URL: undefined,
    CAIRN_DATA_DIR: dataDir,
    CAIRN_EMBEDDED_DB_PORT: String(dbPort),
    NEXTAUTH_SECRET: undefined,
    INSTRUQT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    CAIRN_ADMIN_EMAIL: ADMIN.email,
    CAIRN_ADMIN_PASSWORD: ADMIN.password,
    CAIRN_WORKER: "on",
    CAIRN_ALERT_EVALUATE_SECONDS: "1",
  });
  admin = await adminClient(app.baseUrl, ADMIN.email, ADMIN.password);
}, 240_000);

afterAll(async () => {
  await app?.stop();
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  rmSync(dataDir, { recursive: true, force: true });
});

describe("alert rules on the embedded database", () => {
  it("a failing play notifies the rule's receiver once, signed, and the alert resolves when the play moves on", async () => {
    const rule = await admin.post<{ id: string; signing_secret: string }>("/api/settings/alerts", {
      kind: "failing",
      threshold: 2,
      webhook_url: receiverUrl,
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);

    const start = new Date(Date.now() - 5 * 60_000);
    const builder = new PlayBuilder({
      participantId: "p_alert_embedded",
      userId: "u_alert_embedded",
      trackId: "trk_alert_embedded",
      trackSlug: "alerts-embedded",
      challengeIds: ["c_ae_0", "c_ae_1"],
      start,
      svixPrefix: `msg_ae_${randomUUID().slice(0, 8)}_`,
    })
      .trackStarted()
      .after(30).challengeStarted(0)
      .after(30).attempt(0, false)
      .after(30).attempt(0, false)
      .after(30).attempt(0, false);
    for (const event of builder.build()) {
      const response = await sendEvent(app!.baseUrl, event.payload, { svixId: event.svixId });
      expect(response.status).toBe(201);
    }

    await eventually(() => received.length, (count) => count >= 1, "the webhook", 30_000);
    const [hook] = received;
    expect(() => new Webhook(rule.body.signing_secret).verify(hook!.body, hook!.headers)).not.toThrow();
    expect(JSON.parse(hook!.body)).toMatchObject({ alert: { rule_id: rule.body.id, kind: "failing", participant_id: "p_alert_embedded", challenge_number: 1 } });
    // The URL is stored encrypted on PGlite too.
    expect(JSON.stringify(await sql("SELECT * FROM alert_rule"))).not.toContain("embedded-secret-path");

    // Further evaluations send nothing more while the condition holds.
    const evaluated = async () => (await sql<{ finished_at: Date | null }>("SELECT finished_at FROM job WHERE kind = 'alert_evaluation'"))[0]?.finished_at ?? null;
    const since = new Date();
    await eventually(evaluated, (at) => at !== null && at > since, "another evaluation", 30_000);
    expect(received).toHaveLength(1);

    // Completing the challenge ends the condition: the alert is resolved.
    const sent = builder.build().length;
    builder.after(30).attempt(0, true).challengeCompleted(0).after(10).challengeStarted(1);
    for (const event of builder.build().slice(sent)) {
      const response = await sendEvent(app!.baseUrl, event.payload, { svixId: event.svixId });
      expect(response.status).toBe(201);
    }
    await eventually(
      () => sql<{ resolved: boolean }>("SELECT resolved_at IS NOT NULL AS resolved FROM alert WHERE rule_id = $1", [rule.body.id]),
      (rows) => rows.length === 1 && rows[0]!.resolved,
      "the alert resolved",
      30_000,
    );
    expect(received).toHaveLength(1);
  });
});
