import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppServer } from "../support/app-server";
import { Cluster } from "./support/cluster";
import { expectProjectionsMatch, faultTraffic, isAck, pool, Sender, startAppOn, storedIds, type Delivered } from "./support/harness";
import { killTree, waitUntilGone } from "./support/processes";

/**
 * Two app instances on one PostgreSQL, each acknowledging deliveries and each running the
 * projector: deliveries are split across both, some sent to both at once (Svix retrying on
 * another connection), and one instance is SIGKILLed mid-stream — its batch in flight, if any,
 * rolls back and the survivor takes the markers over. Afterwards every acknowledged event is
 * stored exactly once, and every play's progress equals the projection of its event set.
 */

let cluster: Cluster;
let a: AppServer | undefined;
let b: AppServer | undefined;

beforeAll(async () => {
  cluster = await Cluster.create();
  // One after the other: the first start builds the app if needed, the second reuses the build.
  a = await startAppOn(cluster);
  b = await startAppOn(cluster);
});

afterAll(async () => {
  if (b?.process.pid) killTree(b.process.pid);
  await a?.stop();
  await b?.stop();
  await cluster?.destroy();
});

describe("two instances, one killed mid-stream", () => {
  it("store every acknowledged event once and project every play from its full event set", async () => {
    const traffic = faultTraffic("scale-out", 50);
    const events = traffic.events;
    const bodies = new Map(events.map((e) => [e.svixId, JSON.stringify(e.payload)]));
    const toA = new Sender(a!.baseUrl, 8);
    const toB = new Sender(b!.baseUrl, 8);

    const killAt = Math.floor(events.length / 2);
    let killed: number[] = [];
    const results: Delivered[][] = await pool(events, 12, async (event, index) => {
      if (index === killAt) killed = killTree(b!.process.pid!);
      const body = bodies.get(event.svixId)!;
      // Every fourth delivery goes to both instances at once; the others alternate.
      if (index % 4 === 0) return Promise.all([toA.send(event.svixId, body), toB.send(event.svixId, body)]);
      return [await (index % 2 === 0 ? toA : toB).send(event.svixId, body)];
    });
    toA.close();
    toB.close();
    await waitUntilGone(killed);

    const all = results.flat();
    const acknowledged = all.filter((r) => isAck(r.status));
    const created = all.filter((r) => r.status === 201);
    console.log(`${acknowledged.length} acknowledged, ${all.filter((r) => r.status === "error").length} without answer, of ${all.length} deliveries`);
    expect(all.filter((r) => r.status === "error").length).toBeGreaterThan(0);
    for (const r of all) expect(isAck(r.status) || r.status === "error", `${r.svixId}: ${r.status}`).toBe(true);
    // A svix id is created once, however many instances it reached.
    expect(new Set(created.map((r) => r.svixId)).size).toBe(created.length);

    const stored = await storedIds(cluster);
    expect(acknowledged.filter((r) => stored.get(r.svixId) !== 1).map((r) => r.svixId)).toEqual([]);

    // Svix retries what was never acknowledged; the survivor takes it.
    const acked = new Set(acknowledged.map((r) => r.svixId));
    const retry = new Sender(a!.baseUrl, 8);
    const retried = await pool(events.filter((e) => !acked.has(e.svixId)), 8, (e) => retry.send(e.svixId, bodies.get(e.svixId)!));
    retry.close();
    for (const r of retried) expect(isAck(r.status), `${r.svixId}: ${r.status}`).toBe(true);

    const final = await storedIds(cluster);
    expect(final.size).toBe(events.length);
    expect([...final.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    // The survivor's projector finishes whatever the killed one had claimed or not reached.
    await expectProjectionsMatch(cluster, traffic.plays);
  });
});
