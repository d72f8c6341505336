import { planDeliveries } from "./delivery";
import { sendDeliveries, type SendSummary } from "./sender";
import { generateTraffic, type Traffic } from "./traffic";

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
  retryDelaysMs?: readonly number[];
  log?: (line: string) => void;
}

export interface SimulationResult {
  traffic: Traffic;
  deliveries: number;
  summary: SendSummary;
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const log = options.log ?? (() => {});
  const traffic = generateTraffic(options);
  const plan = planDeliveries(traffic.events, { seed: options.seed, duplicates: options.duplicates, reorder: options.reorder });
  const duplicates = plan.filter((d) => d.duplicate).length;
  log(
    `${traffic.world.learners.length} learners, ${traffic.world.tracks.length} tracks, ${traffic.plays.length} plays: ` +
      `${traffic.events.length} events, ${plan.length} deliveries (${duplicates} duplicates) at ${options.rate}/s, ${options.concurrency} at once`,
  );
  const summary = await sendDeliveries({
    url: options.endpoint.toString(),
    secret: options.secret,
    deliveries: plan,
    rate: options.rate,
    concurrency: options.concurrency,
    maxDurationMs: options.maxDurationMs,
    retryDelaysMs: options.retryDelaysMs,
    // A wrong secret makes every delivery a 401: say so at once rather than after the whole run.
    stopOnStatus: 401,
    onProgress: ({ started, total, elapsedMs }) => log(`  ${started}/${total} sent after ${(elapsedMs / 1000).toFixed(0)} s`),
  });
  return { traffic, deliveries: plan.length, summary };
}
