import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { SendSummary } from "./sender";

/**
 * Command-line plumbing shared by scripts/simulate.ts, demo.ts, seed.ts and bench/run.ts:
 * `--name value` / `--flag` arguments validated with zod, and the loopback rule.
 */

export class UsageError extends Error {}

/** Parses `--name value`, `--name=value` and bare `--flag` (true) into a record. */
export function parseArgs(argv: readonly string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") continue;
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf("=");
    if (eq > 0) {
      out[arg.slice(2, eq)] = arg.slice(eq + 1);
      continue;
    }
    const name = arg.slice(2);
    const value = argv[i + 1];
    if (value !== undefined && !value.startsWith("--")) {
      out[name] = value;
      i++;
    } else {
      out[name] = true;
    }
  }
  return out;
}

/** Validates parsed arguments; unknown options and bad values become one readable message. */
export function validateArgs<S extends z.ZodObject>(schema: S, args: Record<string, string | true>): z.infer<S> {
  const result = schema.strict().safeParse(args);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      if (issue.code === "unrecognized_keys") return `  unknown option ${issue.keys.map((k) => `--${k}`).join(", ")}`;
      return `  --${issue.path.join(".")}: ${issue.message}`;
    });
    throw new UsageError(problems.join("\n"));
  }
  // strict() only adds the unknown-key check; the output is the schema's own.
  return result.data as z.infer<S>;
}

const numberArg = z.union([z.string(), z.literal(true)]).transform((value, ctx) => {
  const n = value === true ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: "custom", message: "must be a number" });
    return z.NEVER;
  }
  return n;
});

export const arg = {
  int: (min: number, max: number) => numberArg.pipe(z.number().int(`must be a whole number`).min(min).max(max)),
  number: (min: number, max: number) => numberArg.pipe(z.number().min(min).max(max)),
  string: () => z.string({ error: "needs a value" }),
  flag: () => z.literal(true, { error: "takes no value" }).optional().transform(Boolean),
  date: () =>
    z.string({ error: "needs a date" }).transform((value, ctx) => {
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) {
        ctx.addIssue({ code: "custom", message: "must be a date, e.g. 2024-03-01T09:00:00Z" });
        return z.NEVER;
      }
      return ms;
    }),
};

/** The simulator posts forged learner traffic: it only ever targets this machine. */
export function loopbackUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url: "${value}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError("--url must be http:// or https://");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!(host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host))) {
    throw new UsageError(`--url must point at this machine (localhost, 127.0.0.1 or [::1]), not ${url.hostname}: simulated learners do not belong in a real deployment`);
  }
  return url;
}

/** The webhook endpoint under a base URL, unless the URL already names a path. */
export function webhookEndpoint(url: URL): URL {
  return url.pathname === "/" || url.pathname === "" ? new URL("/api/webhooks/instruqt", url) : url;
}

export const randomSeed = () => randomBytes(4).toString("hex");
export const generateSigningSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

export function formatSummary(summary: SendSummary): string {
  const statuses = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, n]) => `${status}: ${n}`)
      .join(", ") || "none";
  const { latencyMs: l } = summary;
  return [
    ...(summary.stopped ? ["stopped early: Cairn refused a delivery (see below)"] : []),
    `sent        ${summary.sent} deliveries in ${(summary.elapsedMs / 1000).toFixed(1)} s (${summary.requests} requests, ${summary.retries} retries)`,
    `final       ${statuses(summary.finalStatus)}`,
    `requests    ${statuses(summary.requestStatus)}`,
    `acked       ${summary.acknowledged} (${summary.throughput.toFixed(0)}/s), not acknowledged: ${summary.failed}`,
    `latency     p50 ${l.p50.toFixed(1)} ms, p90 ${l.p90.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms`,
  ].join("\n");
}

/** `--help` or `-h` anywhere among the arguments. */
export const wantsHelp = (argv: readonly string[]) => argv.some((a) => a === "--help" || a === "-h");

/**
 * Runs a script's main, printing usage errors without a stack and exiting non-zero; `--help`
 * prints the usage and exits 0 without running anything.
 */
export function runMain(usage: string, main: () => Promise<number | void>, argv: readonly string[] = process.argv.slice(2)): void {
  if (wantsHelp(argv)) {
    console.log(usage);
    process.exit(0);
  }
  main().then(
    (code) => process.exit(code ?? 0),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`${error.message}\n\n${usage}`);
        process.exit(2);
      }
      console.error(error);
      process.exit(1);
    },
  );
}
