import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppServer } from "../support/app-server";
import { waitForProjection } from "../support/projection";
import { Cluster } from "./support/cluster";
import { faultTraffic, Sender, startAppOn } from "./support/harness";

/** Svix may deliver the same message on several connections at once: it must be stored once. */

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

describe("the fault-test stack", () => {
  it("is the app on a real PostgreSQL server of its own, not the embedded PGlite", async () => {
    const [row] = await cluster.query<{ version: string; port: number }>("SELECT version(), current_setting('port')::int AS port");
    expect(row!.version).toMatch(/^PostgreSQL \d+/);
    expect(row!.version).not.toMatch(/wasm|emscripten/i);
    expect(row!.port).toBe(cluster.port);
    expect(app.output()).toContain("Using the PostgreSQL database from DATABASE_URL");
    expect(app.output()).not.toContain("PGlite");
  });
});

describe("20 concurrent deliveries of one svix-id", () => {
  it("stores one row, projects it once and acknowledges all twenty", async () => {
    const traffic = faultTraffic("duplicates", 5);
    // Play events (projected under the participant lock) and directory events (invite claims, reviews).
    const samples = [
      ...traffic.events.filter((e) => e.payload.type === "track.challenge_attempted").slice(0, 4),
      ...traffic.events.filter((e) => e.payload.type === "track.started").slice(0, 2),
      ...traffic.events.filter((e) => e.payload.type === "invite.claimed" || e.payload.type.startsWith("review.")).slice(0, 2),
    ];
    expect(samples.length).toBeGreaterThanOrEqual(6);
    const sender = new Sender(app.baseUrl, 20);
    const sentPerPlay = new Map<string, number>();
    for (const event of samples) {
      const body = JSON.stringify(event.payload);
      const results = await Promise.all(Array.from({ length: 20 }, () => sender.send(event.svixId, body)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 201), `${event.payload.type}: ${statuses.join(",")}`).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(19);
      const [row] = await cluster.query<{ n: string }>("SELECT count(*) AS n FROM webhook_event WHERE svix_id = $1", [event.svixId]);
      expect(Number(row!.n)).toBe(1);
      if (typeof event.payload.participant_id === "string") {
        // The play has seen each sampled event of its own exactly once, however often it came.
        const participant = event.payload.participant_id;
        sentPerPlay.set(participant, (sentPerPlay.get(participant) ?? 0) + 1);
        await waitForProjection(cluster.url);
        const [play] = await cluster.query<{ event_count: number }>("SELECT event_count FROM participant WHERE id = $1", [event.payload.participant_id]);
        expect(play!.event_count).toBe(sentPerPlay.get(participant));
      }
    }
    sender.close();
    const [total] = await cluster.query<{ n: string }>("SELECT count(*) AS n FROM webhook_event");
    expect(Number(total!.n)).toBe(samples.length);
  });
});
