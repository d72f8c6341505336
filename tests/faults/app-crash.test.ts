import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppServer } from "../support/app-server";
import { Cluster } from "./support/cluster";
import { expectProjectionsMatch, faultTraffic, isAck, pool, Sender, startAppOn, storedIds } from "./support/harness";
import { descendants, killTree, nextServerPid, waitUntilGone } from "./support/processes";

/**
 * The app is SIGKILLed — start.ts and the server it spawned, at once — while deliveries
 * stream in. Whatever got a 2xx before the kill must be in the event log after the restart, with
 * its projection; what did not is redelivered and lands once.
 */

let cluster: Cluster;
let app: AppServer | undefined;

beforeAll(async () => {
  cluster = await Cluster.create();
});

afterAll(async () => {
  if (app?.process.pid) killTree(app.process.pid);
  await app?.stop();
  await cluster?.destroy();
});

describe("app killed mid-stream", () => {
  it("keeps every acknowledged event across a SIGKILL of the whole process tree", async () => {
    const traffic = faultTraffic("app-crash", 40);
    const events = traffic.events;
    const bodies = new Map(events.map((e) => [e.svixId, JSON.stringify(e.payload)]));

    app = await startAppOn(cluster);
    const first = app;
    const server = nextServerPid(first.process.pid!);
    expect(descendants(first.process.pid!)).toContain(server);
    const sender = new Sender(first.baseUrl, 8);

    const killAt = Math.floor(events.length / 2);
    let killed: number[] = [];
    const results = await pool(events.slice(0, killAt + 200), 8, async (event, index) => {
      if (index === killAt) killed = killTree(first.process.pid!);
      return sender.send(event.svixId, bodies.get(event.svixId)!);
    });
    sender.close();
    await waitUntilGone(killed);
    expect(killed).toContain(server);

    const acknowledged = results.filter((r) => isAck(r.status));
    const unanswered = results.filter((r) => r.status === "error");
    console.log(`before the kill: ${acknowledged.length} acknowledged, ${unanswered.length} without answer, of ${results.length}`);
    expect(unanswered.length).toBeGreaterThan(0);
    for (const r of results) expect(isAck(r.status) || r.status === "error", `${r.svixId}: ${r.status}`).toBe(true);

    // Every acknowledged event is in the log, checked before the app comes back.
    const stored = await storedIds(cluster);
    expect(acknowledged.filter((r) => stored.get(r.svixId) !== 1).map((r) => r.svixId)).toEqual([]);

    // Restart and let Svix redeliver everything that was not acknowledged, and send the rest.
    app = await startAppOn(cluster);
    const resender = new Sender(app.baseUrl, 8);
    const acked = new Set(acknowledged.map((r) => r.svixId));
    const remaining = events.filter((e) => !acked.has(e.svixId));
    const after = await pool(remaining, 8, (e) => resender.send(e.svixId, bodies.get(e.svixId)!));
    resender.close();
    for (const r of after) expect(isAck(r.status), `${r.svixId}: ${r.status}`).toBe(true);

    const final = await storedIds(cluster);
    expect(final.size).toBe(events.length);
    expect([...final.values()].every((n) => n === 1)).toBe(true);
    await expectProjectionsMatch(cluster, traffic.plays);
  });
});
