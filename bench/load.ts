import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { summarizeLatencies, type SendSummary } from "@/tools/simulate/sender";

/**
 * A closed-loop load generator for GET endpoints: `concurrency` workers, each sending its next
 * request as soon as the previous one answered, until `count` requests or `maxDurationMs`.
 * (Webhook deliveries use tools/simulate/sender.ts, which signs each one.)
 */
export interface GetLoadResult {
  requests: number;
  ok: number;
  status: Record<string, number>;
  elapsedMs: number;
  throughput: number;
  latencyMs: SendSummary["latencyMs"];
}

export async function getLoad(url: string, { concurrency, count, maxDurationMs }: { concurrency: number; count: number; maxDurationMs: number }): Promise<GetLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const latencies: number[] = [];
  const status: Record<string, number> = {};
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + maxDurationMs;
  const one = () =>
    new Promise<void>((resolve) => {
      const begin = performance.now();
      const req = request(target, { agent, method: "GET", timeout: 15_000 }, (res) => {
        res.resume();
        res.on("end", () => {
          latencies.push(performance.now() - begin);
          status[String(res.statusCode)] = (status[String(res.statusCode)] ?? 0) + 1;
          resolve();
        });
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => {
        latencies.push(performance.now() - begin);
        status.error = (status.error ?? 0) + 1;
        resolve();
      });
      req.end();
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < count && performance.now() < deadline) {
        started++;
        await one();
      }
    }),
  );
  agent.destroy();
  const elapsedMs = performance.now() - t0;
  const ok = status["200"] ?? 0;
  return { requests: latencies.length, ok, status, elapsedMs, throughput: ok / (elapsedMs / 1000), latencyMs: summarizeLatencies(latencies) };
}
