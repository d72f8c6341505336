import { planDeliveries } from "./delivery";
import { sendDeliveries, type SendSummary } from "./sender";
import { generateTraffic, splitAtNow, stampAt, type Traffic } from "./traffic";

/** Generates traffic, plans its delivery and posts it: what `npm run simulate` and `npm run demo` do. */

export interface SimulationOptions {
  endpoint: URL;
  secret: string;
  seed: string;
  learners: number;
  tracks: number;
  /** Deliveries per second. */
  rate: number;
  concurrency: number;
  duplicates: number;
  reorder: number;
  /** Event time of the earliest play start (epoch ms) and how far play starts spread after it. */
  startMs: number;
  spreadSeconds: number;
  maxDurationMs: number;
  /** Plays that carry on live after the bulk (see splitAtNow); 0 for none. */
  livePlays?: number;
  liveSeconds?: number;
  retryDelaysMs?: readonly number[];
  log?: (line: string) => void;
  /** The clock (tests pass their own). */
  now?: () => number;
}

export interface SimulationResult {
  traffic: Traffic;
  deliveries: number;
  summary: SendSummary;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const traffic = generateTraffic(options);
  // No event is ever sent with a time after the moment it is sent: what lies beyond now is cut,
  // but for a few plays that go on live.
  const split = splitAtNow(traffic, now(), { livePlays: options.livePlays, liveSeconds: options.liveSeconds });
  const plan = planDeliveries(split.bulk, { seed: options.seed, duplicates: options.duplicates, reorder: options.reorder });
  const duplicates = plan.filter((d) => d.duplicate).length;
  log(
    `${traffic.world.learners.length} learners, ${traffic.world.tracks.length} tracks, ${traffic.plays.length} plays: ` +
      `${split.bulk.length} events so far, ${plan.length} deliveries (${duplicates} duplicates) at ${options.rate}/s, ${options.concurrency} at once`,
  );
  const send = (deliveries: typeof plan, rate: number, maxDurationMs: number) =>
    sendDeliveries({
      url: options.endpoint.toString(),
      secret: options.secret,
      deliveries,
      rate,
      concurrency: options.concurrency,
      maxDurationMs,
      retryDelaysMs: options.retryDelaysMs,
      // A wrong secret makes every delivery a 401: say so at once rather than after the whole run.
      stopOnStatus: 401,
      onProgress: ({ started, total, elapsedMs }) => log(`  ${started}/${total} sent after ${(elapsedMs / 1000).toFixed(0)} s`),
    });
  let summary = await send(plan, options.rate, options.maxDurationMs);
  if (split.live.length === 0 || summary.stopped) return { traffic, deliveries: plan.length, summary };

  const liveFor = Math.ceil(split.live[split.live.length - 1]!.offsetMs / 1000);
  log(`${split.livePlays.length} plays carry on live for about ${liveFor} s (${split.live.length} events, each sent when it happens)…`);
  const liveStart = now();
  for (const { offsetMs, event } of split.live) {
    const wait = liveStart + offsetMs - now();
    if (wait > 0) await sleep(wait);
    const sent = stampAt(event, now());
    const one = await send([{ svixId: sent.svixId, body: JSON.stringify(sent.payload), duplicate: false }], Infinity, Infinity);
    summary = mergeSummaries(summary, one);
    if (one.stopped) break;
  }
  return { traffic, deliveries: plan.length + split.live.length, summary };
}

/** Two runs' counts as one (latencies stay the bulk's: the live phase is a handful of requests). */
export function mergeSummaries(a: SendSummary, b: SendSummary): SendSummary {
  const add = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [key, n] of Object.entries(y)) out[key] = (out[key] ?? 0) + n;
    return out;
  };
  const elapsedMs = a.elapsedMs + b.elapsedMs;
  const acknowledged = a.acknowledged + b.acknowledged;
  return {
    sent: a.sent + b.sent,
    acknowledged,
    failed: a.failed + b.failed,
    requests: a.requests + b.requests,
    retries: a.retries + b.retries,
    finalStatus: add(a.finalStatus, b.finalStatus),
    requestStatus: add(a.requestStatus, b.requestStatus),
    latencyMs: a.latencyMs,
    elapsedMs,
    throughput: acknowledged / (elapsedMs / 1000),
    acknowledgedIds: new Map([...a.acknowledgedIds, ...b.acknowledgedIds]),
    failedIds: [...a.failedIds, ...b.failedIds],
    stopped: a.stopped || b.stopped,
  };
}
