import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TEST_DELIVERY_PREFIX } from "@/lib/webhooks/endpoint";
import { sendRaw } from "../support/webhooks";
import { deliverPayload, eventually } from "./dashboard-support";

/**
 * deliveryLog, deliveryEvent, eventTypesSeen and refusedDeliveries. Event types are unique to
 * this file (ddl.*), so filters select exactly what it sent.
 */

process.env.DATABASE_URL = inject("databaseUrl");
const baseUrl = inject("baseUrl");
const { deliveryLog, deliveryEvent, eventTypesSeen, refusedDeliveries, PAYLOAD_PREVIEW_CHARS } = await import(
  "@/lib/dashboard/delivery-log"
);
const { db } = await import("@/lib/db/client");

const timestamp = () => new Date().toISOString();
const pageIds: string[] = [];

beforeAll(async () => {
  for (let i = 1; i <= 5; i++) {
    await deliverPayload(baseUrl, { type: "ddl.page", n: i, timestamp: timestamp() }, `msg_ddl_page_${i}_${randomUUID()}`);
  }
  await deliverPayload(baseUrl, { type: "ddl.ping", timestamp: timestamp() }, `${TEST_DELIVERY_PREFIX}ddl_${randomUUID()}`);
  await deliverPayload(baseUrl, { type: "ddl.ping", timestamp: timestamp() }, `msg_ddl_ping_${randomUUID()}`);
  await deliverPayload(baseUrl, { type: "ddl.big", blob: "x".repeat(30_000), timestamp: timestamp() }, `msg_ddl_big_${randomUUID()}`);
  const page = await deliveryLog({ type: "ddl.page" });
  pageIds.push(...page.rows.map((row) => row.id));
});

afterAll(async () => {
  await db().$disconnect();
});

describe("deliveryLog", () => {
  it("lists stored events newest first, filtered by type", async () => {
    const page = await deliveryLog({ type: "ddl.page" });
    expect(page.rows.map((row) => JSON.parse(row.payloadPreview).n)).toEqual([5, 4, 3, 2, 1]);
    expect(page.rows.every((row) => row.type === "ddl.page" && row.outcome === "unknown_type")).toBe(true);
    expect(page.nextBefore).toBeNull();
  });

  it("pages backwards with a keyset cursor", async () => {
    const first = await deliveryLog({ type: "ddl.page", pageSize: 2 });
    expect(first.rows.map((row) => row.id)).toEqual(pageIds.slice(0, 2));
    expect(first.nextBefore).toBe(pageIds[1]);
    const second = await deliveryLog({ type: "ddl.page", pageSize: 2, before: BigInt(first.nextBefore!) });
    expect(second.rows.map((row) => row.id)).toEqual(pageIds.slice(2, 4));
    const third = await deliveryLog({ type: "ddl.page", pageSize: 2, before: BigInt(second.nextBefore!) });
    expect(third.rows.map((row) => row.id)).toEqual(pageIds.slice(4));
    expect(third.nextBefore).toBeNull();
  });

  it("shows test deliveries, marked, and filters by outcome", async () => {
    const all = await deliveryLog({ type: "ddl.ping" });
    expect(all.rows.map((row) => row.outcome).sort()).toEqual(["test", "unknown_type"]);
    const tests = await deliveryLog({ type: "ddl.ping", outcome: "test" });
    expect(tests.rows).toHaveLength(1);
    expect(tests.rows[0]!.svixId.startsWith(TEST_DELIVERY_PREFIX)).toBe(true);
    expect((await deliveryLog({ type: "ddl.ping", outcome: "projected" })).rows).toHaveLength(0);
  });

  it("filters by when the event was received", async () => {
    const tomorrow = new Date(Date.now() + 86_400_000);
    const yesterday = new Date(Date.now() - 86_400_000);
    expect((await deliveryLog({ type: "ddl.page", window: { start: tomorrow } })).rows).toHaveLength(0);
    expect((await deliveryLog({ type: "ddl.page", window: { end: yesterday } })).rows).toHaveLength(0);
    expect((await deliveryLog({ type: "ddl.page", window: { start: yesterday, end: tomorrow } })).rows).toHaveLength(5);
  });

  it("cuts a big payload short in the list and gives it whole by id", async () => {
    const [row] = (await deliveryLog({ type: "ddl.big" })).rows;
    expect(row!.payloadTruncated).toBe(true);
    expect(row!.payloadPreview).toHaveLength(PAYLOAD_PREVIEW_CHARS);
    const whole = await deliveryEvent(BigInt(row!.id));
    expect(whole!.payloadTruncated).toBe(false);
    expect(JSON.parse(whole!.payloadPreview).blob).toHaveLength(30_000);
    expect(await deliveryEvent(999_999_999_999n)).toBeNull();
  });

  it("knows every type stored, known or not", async () => {
    const types = await eventTypesSeen();
    expect(types).toEqual(expect.arrayContaining(["ddl.page", "ddl.ping", "ddl.big"]));
    expect([...types].sort()).toEqual(types);
  });
});

describe("refusedDeliveries", () => {
  it("counts refused requests by reason over the window", async () => {
    const count = (rows: { reason: string; count: number }[], reason: string) => rows.find((r) => r.reason === reason)?.count ?? 0;
    const before = await refusedDeliveries(24);
    const wrongSecret = "whsec_" + Buffer.alloc(32, 9).toString("base64");
    for (let i = 0; i < 3; i++) expect((await sendRaw(baseUrl, "{}", { secret: wrongSecret })).status).toBe(401);
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${baseUrl}/api/webhooks/instruqt`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
      expect(response.status).toBe(401);
    }
    // The server flushes its counters about once a second.
    const after = await eventually(
      () => refusedDeliveries(24),
      (rows) => {
        expect(count(rows, "bad_signature") - count(before, "bad_signature")).toBe(3);
        expect(count(rows, "missing_headers") - count(before, "missing_headers")).toBe(2);
      },
    );
    const badSignature = after.find((r) => r.reason === "bad_signature")!;
    expect(Date.now() - badSignature.lastSeenAt.getTime()).toBeLessThan(60_000);
  });

  it("leaves out hours before the window", async () => {
    const longAgo = new Date("2020-01-01T10:00:00Z");
    const now = new Date("2020-01-02T10:30:00Z");
    await db().$executeRaw`
      INSERT INTO refused_delivery (hour, reason, count, last_seen_at) VALUES
        (${new Date("2020-01-01T09:00:00Z")}, 'ddl_old_reason', 7, ${longAgo}),
        (${new Date("2020-01-02T10:00:00Z")}, 'ddl_old_reason', 2, ${now}),
        (${new Date("2020-01-01T11:00:00Z")}, 'ddl_old_reason', 5, ${now})`;
    // The last 24 hours of 2020-01-02 10:30 are the hours from 2020-01-01 11:00 on.
    const rows = await refusedDeliveries(24, now);
    expect(rows.find((r) => r.reason === "ddl_old_reason")?.count).toBe(7);
    const week = await refusedDeliveries(24 * 7, now);
    expect(week.find((r) => r.reason === "ddl_old_reason")?.count).toBe(14);
  });
});
