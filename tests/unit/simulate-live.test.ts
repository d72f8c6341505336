import { createServer } from "node:http";
import { Webhook } from "svix";
import { describe, expect, it } from "vitest";
import { wantsHelp } from "@/tools/simulate/cli";
import { runSimulation } from "@/tools/simulate/run";
import { generateTraffic, splitAtNow, stampAt } from "@/tools/simulate/traffic";

/**
 * The demo's and the simulator's traffic, split at "now": nothing is ever sent with a time after
 * its sending, and a handful of running plays carry on live for a minute or two.
 */

const HOUR = 3_600_000;
const NOW = Date.UTC(2024, 2, 1, 12);
// Plays start over the last two hours up to now, so many are still running at NOW.
const traffic = generateTraffic({ seed: "live", learners: 200, tracks: 5, startMs: NOW - 2 * HOUR, spreadSeconds: 2 * 3600 });

describe("splitAtNow", () => {
  const split = splitAtNow(traffic, NOW, { livePlays: 5, liveSeconds: 90 });

  it("sends in bulk only what happened by now", () => {
    expect(traffic.events.some((event) => event.ms > NOW)).toBe(true); // the case that matters
    expect(split.bulk.length).toBeGreaterThan(0);
    expect(split.bulk.every((event) => event.ms <= NOW)).toBe(true);
    expect(split.bulk).toEqual(traffic.events.filter((event) => event.ms <= NOW));
  });

  it("keeps five running plays going live, within the minute and a half, in their own order", () => {
    expect(split.livePlays).toHaveLength(5);
    expect(split.live.length).toBeGreaterThan(0);
    expect(split.live.every(({ offsetMs }) => offsetMs >= 0 && offsetMs <= 90_000)).toBe(true);
    const offsets = split.live.map(({ offsetMs }) => offsetMs);
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
    for (const participantId of split.livePlays) {
      const mine = split.live.filter(({ event }) => event.payload.participant_id === participantId).map(({ event }) => event.ms);
      expect([...mine].sort((a, b) => a - b)).toEqual(mine);
      // Each live play was running: it began by now (its invite claim, or its first own event).
      const play = traffic.plays.find((p) => p.participantId === participantId)!;
      const bulkIds = new Set(split.bulk.map((event) => event.svixId));
      expect([...play.events, ...play.related].some((event) => bulkIds.has(event.svixId))).toBe(true);
    }
  });

  it("accounts for every event: bulk, live, or left out of a play that is still going", () => {
    expect(split.bulk.length + split.live.length + split.dropped).toBe(traffic.events.length);
    const liveIds = new Set(split.live.map(({ event }) => event.svixId));
    expect(split.bulk.some((event) => liveIds.has(event.svixId))).toBe(false);
  });

  it("has nothing live when no play runs past now, and none when asked for none", () => {
    const past = splitAtNow(traffic, NOW + 365 * 24 * HOUR);
    expect(past.live).toEqual([]);
    expect(past.bulk).toHaveLength(traffic.events.length);
    expect(splitAtNow(traffic, NOW, { livePlays: 0 }).live).toEqual([]);
  });

  it("stamps a live event with the moment it is sent", () => {
    const { event } = split.live[0]!;
    const sentAt = NOW + 42_123;
    const sent = stampAt(event, sentAt);
    expect(sent.payload.timestamp).toBe(new Date(sentAt).toISOString());
    expect(sent.svixId).toBe(event.svixId);
    expect(event.payload.timestamp).not.toBe(sent.payload.timestamp); // the original is untouched
  });
});

describe("wantsHelp", () => {
  it("finds --help and -h anywhere, and nothing else", () => {
    expect(wantsHelp(["--help"])).toBe(true);
    expect(wantsHelp(["--url", "http://localhost:3000", "-h"])).toBe(true);
    expect(wantsHelp(["--url", "http://localhost:3000"])).toBe(false);
    expect(wantsHelp(["--helpful"])).toBe(false);
  });
});

describe("runSimulation over HTTP", () => {
  it("never delivers an event whose time is after its arrival, and live plays arrive after the bulk", async () => {
    const secret = "whsec_" + Buffer.from("simulate-live-unit-test-secret!!!!").toString("base64");
    const webhook = new Webhook(secret);
    const arrivals: { at: number; timestamp: number; svixId: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const at = Date.now();
        const body = Buffer.concat(chunks).toString("utf8");
        const headers = { "svix-id": String(req.headers["svix-id"]), "svix-timestamp": String(req.headers["svix-timestamp"]), "svix-signature": String(req.headers["svix-signature"]) };
        try {
          webhook.verify(body, headers);
        } catch {
          res.writeHead(401).end();
          return;
        }
        const payload = JSON.parse(body) as { timestamp?: string };
        arrivals.push({ at, timestamp: payload.timestamp ? Date.parse(payload.timestamp) : 0, svixId: headers["svix-id"] });
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as { port: number };
      const started = Date.now();
      const result = await runSimulation({
        endpoint: new URL(`http://127.0.0.1:${port}/api/webhooks/instruqt`),
        secret,
        seed: "live-http",
        learners: 30,
        tracks: 3,
        rate: Infinity,
        concurrency: 8,
        duplicates: 0,
        reorder: 0,
        // Plays start over the last hour up to now: many are still running when the run begins.
        startMs: started - 3_600_000,
        spreadSeconds: 3_600,
        maxDurationMs: 60_000,
        livePlays: 3,
        liveSeconds: 2,
      });
      expect(result.summary.failed).toBe(0);
      expect(arrivals.length).toBe(result.deliveries);
      // Timestamps have millisecond precision at most; arrival is measured after the send.
      expect(arrivals.filter((a) => a.timestamp > a.at)).toEqual([]);
      const split = splitAtNow(result.traffic, started, { livePlays: 3, liveSeconds: 2 });
      expect(split.live.length).toBeGreaterThan(0);
      const liveIds = new Set(split.live.map(({ event }) => event.svixId));
      const lastBulk = Math.max(...arrivals.filter((a) => !liveIds.has(a.svixId)).map((a) => a.at));
      const liveArrivals = arrivals.filter((a) => liveIds.has(a.svixId));
      expect(liveArrivals.length).toBe(split.live.length);
      expect(liveArrivals.every((a) => a.at >= lastBulk && a.timestamp >= started)).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
