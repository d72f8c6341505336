import { Agent } from "node:http";
import { Webhook } from "svix";
import { expect } from "vitest";
import { parseInstruqtTimestamp, type PlayEvent } from "@/lib/instruqt/events";
import { projectPlay } from "@/lib/progress/projection";
import { post, signDelivery, type HttpResult } from "@/tools/simulate/sender";
import { generateTraffic, type SimPlay, type Traffic } from "@/tools/simulate/traffic";
import { startApp, type AppServer } from "../../support/app-server";
import { waitForProjection } from "../../support/projection";
import { TEST_WEBHOOK_SECRET } from "../../support/webhooks";
import { Cluster } from "./cluster";

export const FAULT_AUTH_SECRET = "fault-test-auth-secret-0123456789abcdef0123";

export function startAppOn(cluster: Cluster, env: Record<string, string> = {}): Promise<AppServer> {
  return startApp({
    DATABASE_URL: cluster.url,
    NEXTAUTH_SECRET: FAULT_AUTH_SECRET,
    INSTRUQT_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    CAIRN_WORKER: "projector",
    ...env,
  });
}

/** Small, reproducible traffic for one test. */
export function faultTraffic(seed: string, learners: number): Traffic {
  return generateTraffic({ seed, learners, tracks: 4, startMs: Date.UTC(2024, 5, 1, 9), spreadSeconds: 4 * 3600 });
}

export interface Delivered extends HttpResult {
  svixId: string;
}

/** Signs (now) and posts one delivery of `body` under `svixId`. */
export class Sender {
  private readonly webhook = new Webhook(TEST_WEBHOOK_SECRET);
  readonly agent: Agent;
  constructor(
    private readonly baseUrl: string,
    concurrency = 10,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  }

  async send(svixId: string, body: string): Promise<Delivered> {
    const url = new URL("/api/webhooks/instruqt", this.baseUrl);
    const result = await post(url, body, signDelivery(this.webhook, svixId, body), { agent: this.agent, timeoutMs: 30_000 });
    return { svixId, ...result };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `work` over `items` with at most `concurrency` at once, in order of start. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}

export const isAck = (status: number | "error") => status === 200 || status === 201;

/** svix-id → how many rows webhook_event holds for it. */
export async function storedIds(cluster: Cluster): Promise<Map<string, number>> {
  const rows = await cluster.query<{ svix_id: string; n: string }>("SELECT svix_id, count(*) AS n FROM webhook_event GROUP BY svix_id");
  return new Map(rows.map((row) => [row.svix_id, Number(row.n)]));
}

/**
 * Every play's stored progress equals the pure projection of its simulated events: whatever was
 * interrupted, every stored event was (or is, once the projectors catch up) projected.
 */
export async function expectProjectionsMatch(cluster: Cluster, plays: readonly SimPlay[]): Promise<void> {
  // Projection follows the acknowledgement: compare once the projectors have caught up.
  await waitForProjection(cluster.url, 60_000);
  const rows = await cluster.query<{ id: string; status: string; event_count: number; attempts: number; challenges_completed: number; last_activity_at: Date | null }>(
    "SELECT id, status, event_count, attempts, challenges_completed, last_activity_at FROM participant",
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  const mismatches: string[] = [];
  for (const play of plays) {
    const expected = projectPlay(
      play.participantId,
      play.events.map((e) => ({ svixId: e.svixId, occurredAt: parseInstruqtTimestamp(e.payload.timestamp)!, event: e.payload as unknown as PlayEvent })),
    );
    const row = byId.get(play.participantId);
    const actual = row && {
      status: row.status,
      eventCount: row.event_count,
      attempts: row.attempts,
      challengesCompleted: row.challenges_completed,
      lastActivityAt: row.last_activity_at?.toISOString() ?? null,
    };
    const wanted = {
      status: expected.status,
      eventCount: expected.eventCount,
      attempts: expected.attempts,
      challengesCompleted: expected.challengesCompleted,
      lastActivityAt: expected.lastActivityAt?.toISOString() ?? null,
    };
    if (JSON.stringify(actual) !== JSON.stringify(wanted)) mismatches.push(`${play.participantId}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(wanted)}`);
  }
  expect(mismatches.slice(0, 10)).toEqual([]);
  expect(byId.size).toBe(plays.length);
}

export async function waitForHealth(baseUrl: string, status: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: number | string = "none";
  while (Date.now() < deadline) {
    last = await fetch(`${baseUrl}/api/health`).then((r) => r.status, () => "error");
    if (last === status) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`/api/health did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}
