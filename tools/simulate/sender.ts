import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { Webhook } from "svix";
import type { PlannedDelivery } from "./delivery";

/**
 * Posts planned deliveries the way Svix does: signed at send time (svix-id, svix-timestamp,
 * svix-signature over `${id}.${timestamp}.${body}`), a bounded number of senders at once, paced
 * to a rate, retrying what was not acknowledged on a schedule that starts like Svix's
 * (immediately, then after 5 s) and is cut short so a run always ends. Uses node:http with
 * keep-alive rather than fetch: on a 2-core machine the load generator shares the CPU with the
 * server it measures, and node:http costs noticeably less per request.
 */

export interface SendOptions {
  url: string;
  secret: string;
  deliveries: readonly PlannedDelivery[];
  /** Deliveries started per second; Infinity sends as fast as the senders allow. */
  rate: number;
  concurrency: number;
  /** Per-request timeout; Svix gives an endpoint 15 s. */
  timeoutMs?: number;
  /** Waits before each retry of a delivery that got a 5xx, a 429 or no answer. */
  retryDelaysMs?: readonly number[];
  /** Stop starting deliveries after this long (retries of started ones still finish). */
  maxDurationMs?: number;
  /** Called every `progressEveryMs` (default 5 s). */
  onProgress?: (progress: SendProgress) => void;
  progressEveryMs?: number;
  /** Stop starting deliveries once one is refused with this status (e.g. 401: wrong secret). */
  stopOnStatus?: number;
}

export interface SendProgress {
  started: number;
  completed: number;
  total: number;
  elapsedMs: number;
}

export interface SendSummary {
  /** Deliveries started (first attempts). */
  sent: number;
  /** Deliveries that ended with a 2xx. */
  acknowledged: number;
  /** Deliveries that never got a 2xx, after every retry. */
  failed: number;
  requests: number;
  retries: number;
  /** Final status of each delivery ("error" when no answer), counted. */
  finalStatus: Record<string, number>;
  /** Status of every request, retries included. */
  requestStatus: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  elapsedMs: number;
  /** Acknowledged deliveries per second over the run. */
  throughput: number;
  /** svix-ids that got a 2xx, with the status. */
  acknowledgedIds: Map<string, number>;
  /** svix-ids that never got one. */
  failedIds: string[];
  /** Stopped early on `stopOnStatus`. */
  stopped: boolean;
}

export const DEFAULT_RETRY_DELAYS_MS = [0, 5_000, 10_000] as const;

export interface HttpResult {
  status: number | "error";
  ms: number;
  headers?: Record<string, string | string[] | undefined>;
  body?: string;
}

/** One POST with node:http; never throws (a network error or timeout is status "error"). */
export function post(
  url: URL,
  body: string | Buffer,
  headers: Record<string, string>,
  { agent, timeoutMs = 15_000, keepBody = false }: { agent?: Agent; timeoutMs?: number; keepBody?: boolean } = {},
): Promise<HttpResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: Omit<HttpResult, "ms">) => {
      if (settled) return;
      settled = true;
      resolve({ ...result, ms: performance.now() - started });
    };
    const req = request(
      url,
      { method: "POST", agent, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => {
          if (keepBody) chunks.push(chunk);
        });
        res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body: keepBody ? Buffer.concat(chunks).toString("utf8") : undefined }));
        res.on("error", () => done({ status: "error" }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => done({ status: "error" }));
    req.end(body);
  });
}

export function signDelivery(webhook: Webhook, svixId: string, body: string, at = new Date()): Record<string, string> {
  return {
    "content-type": "application/json",
    "svix-id": svixId,
    "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
    "svix-signature": webhook.sign(svixId, at, body),
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarizeLatencies(values: number[]): SendSummary["latencyMs"] {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  const mean = list.length ? list.reduce((a, b) => a + b, 0) / list.length : 0;
  return { p50: percentile(list, 50), p90: percentile(list, 90), p99: percentile(list, 99), max: list[list.length - 1] ?? 0, mean };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const retryable = (status: number | "error") => status === "error" || status === 429 || status >= 500;

export async function sendDeliveries(options: SendOptions): Promise<SendSummary> {
  const url = new URL(options.url);
  const webhook = new Webhook(options.secret);
  const retryDelays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const interval = Number.isFinite(options.rate) && options.rate > 0 ? 1000 / options.rate : 0;
  const total = options.deliveries.length;

  const latencies: number[] = [];
  const finalStatus: Record<string, number> = {};
  const requestStatus: Record<string, number> = {};
  const acknowledgedIds = new Map<string, number>();
  const failedIds: string[] = [];
  let next = 0;
  let completed = 0;
  let retries = 0;
  let stopped = false;
  const t0 = performance.now();
  const deadline = options.maxDurationMs === undefined ? Infinity : t0 + options.maxDurationMs;

  const progressTimer = options.onProgress
    ? setInterval(() => options.onProgress!({ started: next, completed, total, elapsedMs: performance.now() - t0 }), options.progressEveryMs ?? 5_000)
    : undefined;

  // Senders: a slot is held only while a request is in flight, so a delivery waiting for its
  // retry does not slow the others down.
  let free = options.concurrency;
  const waiting: (() => void)[] = [];
  const acquire = () =>
    free > 0 ? (free--, Promise.resolve()) : new Promise<void>((resolve) => waiting.push(resolve));
  const release = () => {
    const wake = waiting.shift();
    if (wake) wake();
    else free++;
  };

  async function deliver(delivery: PlannedDelivery): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await acquire();
      let result: HttpResult;
      try {
        result = await post(url, delivery.body, signDelivery(webhook, delivery.svixId, delivery.body), { agent, timeoutMs: options.timeoutMs });
      } finally {
        release();
      }
      latencies.push(result.ms);
      const key = String(result.status);
      requestStatus[key] = (requestStatus[key] ?? 0) + 1;
      if (!retryable(result.status) || attempt >= retryDelays.length) {
        finalStatus[key] = (finalStatus[key] ?? 0) + 1;
        if (result.status === options.stopOnStatus) stopped = true;
        if (typeof result.status === "number" && result.status >= 200 && result.status < 300) {
          // A duplicate's 200 must not hide the first copy's 201.
          if (!acknowledgedIds.has(delivery.svixId) || result.status === 201) acknowledgedIds.set(delivery.svixId, result.status);
        } else {
          failedIds.push(delivery.svixId);
        }
        return;
      }
      retries++;
      await sleep(retryDelays[attempt]!);
    }
  }

  const tasks: Promise<void>[] = [];
  while (next < total && performance.now() < deadline && !stopped) {
    if (interval > 0) {
      const wait = t0 + next * interval - performance.now();
      if (wait > 1) await sleep(wait);
    }
    await acquire();
    if (stopped) {
      release();
      break;
    }
    const delivery = options.deliveries[next++]!;
    tasks.push(deliver(delivery).finally(() => void completed++));
  }
  await Promise.all(tasks);
  if (progressTimer) clearInterval(progressTimer);
  agent.destroy();

  const elapsedMs = performance.now() - t0;
  const acknowledged = Object.entries(finalStatus)
    .filter(([status]) => /^2\d\d$/.test(status))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    sent: next,
    acknowledged,
    failed: next - acknowledged,
    requests: latencies.length,
    retries,
    finalStatus,
    requestStatus,
    latencyMs: summarizeLatencies(latencies),
    elapsedMs,
    throughput: acknowledged / (elapsedMs / 1000),
    acknowledgedIds,
    failedIds,
    stopped,
  };
}
