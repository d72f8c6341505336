import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppServer } from "../support/app-server";
import { Cluster } from "./support/cluster";
import { expectProjectionsMatch, faultTraffic, isAck, pool, Sender, startAppOn, storedIds, waitForHealth, type Delivered } from "./support/harness";

/**
 * PostgreSQL crashes (pg_ctl stop -m immediate) while deliveries stream in. Cairn must answer 503
 * with Retry-After for whatever it could not commit, never 2xx for an event that is not durably
 * stored; after the restart, Svix's redeliveries of the refused messages land exactly once.
 */

let cluster: Cluster;
let app: AppServer;

beforeAll(async () => {
  cluster = await Cluster.create();
  app = await startAppOn(cluster);
});

afterAll(async () => {
  await app?.stop();
  await cluster?.destroy();
});

describe("PostgreSQL stopped mid-stream", () => {
  it("refuses with 503 + Retry-After while down, loses nothing, and lands every redelivery once", async () => {
    const traffic = faultTraffic("db-crash", 60);
    const events = traffic.events;
    expect(events.length).toBeGreaterThan(1_000);
    const bodies = new Map(events.map((e) => [e.svixId, JSON.stringify(e.payload)]));
    const sender = new Sender(app.baseUrl, 8);

    // The stream: 8 senders; PostgreSQL is killed a third of the way in and restarted after a
    // few seconds of refusals, while the senders keep going.
    const crashAt = Math.floor(events.length / 3);
    let crash: Promise<void> | undefined;
    let downSince = 0;
    const results = await pool(events, 8, async (event, index) => {
      if (index === crashAt) {
        crash = (async () => {
          await cluster.stop("immediate");
          downSince = Date.now();
          await waitForHealth(app.baseUrl, 503, 30_000);
          await new Promise((resolve) => setTimeout(resolve, 3_000));
          await cluster.start();
        })();
      }
      // While the database is down, keep the refusals coming but do not rush through the stream.
      if (downSince && !(await Promise.race([crash!.then(() => true), Promise.resolve(false)]))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return sender.send(event.svixId, bodies.get(event.svixId)!);
    });
    await crash;
    await waitForHealth(app.baseUrl, 200);

    const byStatus = (status: number | "error") => results.filter((r) => r.status === status);
    const refused = results.filter((r) => !isAck(r.status));
    console.log(`stream: ${results.length} deliveries: ${byStatus(201).length} × 201, ${byStatus(200).length} × 200, ${byStatus(503).length} × 503, ${byStatus("error").length} without answer`);

    // Every answer is an acknowledgement or a 503 that says when to come back.
    expect(refused.length).toBeGreaterThan(0);
    for (const result of refused) {
      expect(result.status, `${result.svixId}: ${result.status} ${result.body ?? ""}`).toBe(503);
      expect(Number(result.headers?.["retry-after"])).toBeGreaterThan(0);
    }
    expect(byStatus(200)).toEqual([]); // nothing was sent twice yet

    // Nothing acknowledged was lost in the crash.
    const afterCrash = await storedIds(cluster);
    const lost = results.filter((r) => isAck(r.status) && afterCrash.get(r.svixId) !== 1).map((r) => r.svixId);
    expect(lost).toEqual([]);

    // Svix redelivers what was refused: each lands once (201, or 200 if its commit had in fact
    // made it before the connection died).
    const redelivered: Delivered[] = await pool(refused, 8, (r) => sender.send(r.svixId, bodies.get(r.svixId)!));
    for (const result of redelivered) expect(isAck(result.status), `${result.svixId}: ${result.status}`).toBe(true);
    // A redelivery of an acknowledged message changes nothing.
    const again = await pool(results.filter((r) => isAck(r.status)).slice(0, 50), 8, (r) => sender.send(r.svixId, bodies.get(r.svixId)!));
    expect(again.map((r) => r.status)).toEqual(again.map(() => 200));
    sender.close();

    const stored = await storedIds(cluster);
    expect(stored.size).toBe(events.length);
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
    for (const event of events) expect(stored.has(event.svixId)).toBe(true);
    await expectProjectionsMatch(cluster, traffic.plays);
  });
});
