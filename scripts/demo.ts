// `npm run demo`: fills a running Cairn (by default `npm start` on http://localhost:3000) with a
// few hundred learners' activity over the last days, so a newcomer sees a living dashboard.
import { z } from "zod";
import { isValidSigningSecret } from "@/lib/webhooks/secret-format";
import { arg, formatSummary, generateSigningSecret, loopbackUrl, parseArgs, randomSeed, runMain, UsageError, validateArgs, webhookEndpoint } from "@/lib/simulate/cli";
import { runSimulation } from "@/lib/simulate/run";

const USAGE = `usage: npm run demo -- [--url http://localhost:3000] [--secret whsec_…] [--learners 200]

The signing secret must be the one Cairn verifies with: pass --secret, or set
INSTRUQT_WEBHOOK_SECRET (the same variable that configures Cairn at its first start).`;

const Args = z.object({
  url: arg.string().default("http://localhost:3000"),
  secret: arg.string().optional(),
  learners: arg.int(1, 100_000).default(200),
  tracks: arg.int(1, 100).default(6),
  rate: arg.number(1, 10_000).default(200),
  concurrency: arg.int(1, 200).default(10),
  seed: arg.string().optional(),
  days: arg.number(0.01, 365).default(3),
});

function missingSecret(): never {
  const example = generateSigningSecret();
  throw new UsageError(
    [
      "npm run demo needs the webhook signing secret Cairn verifies with.",
      "",
      "If Cairn has none yet, start it with one and pass the same one to the demo:",
      `  INSTRUQT_WEBHOOK_SECRET=${example} npm start`,
      `  INSTRUQT_WEBHOOK_SECRET=${example} npm run demo`,
      "",
      "If Cairn has one (Settings → Webhook), pass it: npm run demo -- --secret whsec_…",
    ].join("\n"),
  );
}

runMain(USAGE, async () => {
  const args = validateArgs(Args, parseArgs(process.argv.slice(2)));
  const base = loopbackUrl(args.url);
  const secret = args.secret ?? process.env.INSTRUQT_WEBHOOK_SECRET ?? missingSecret();
  if (!isValidSigningSecret(secret)) throw new UsageError("the signing secret must be whsec_ followed by base64 of 24 to 64 bytes");

  const health = await fetch(new URL("/api/health", base)).catch(() => null);
  if (!health) throw new UsageError(`nothing answers at ${base.origin}: start Cairn first (npm start), or pass --url`);
  if (health.status !== 200) throw new UsageError(`${base.origin}/api/health answers ${health.status}: Cairn is up but its database is not`);

  const seed = args.seed ?? randomSeed();
  const spreadSeconds = Math.round(args.days * 86_400);
  const { summary, traffic } = await runSimulation({
    endpoint: webhookEndpoint(base),
    secret,
    seed,
    learners: args.learners,
    tracks: args.tracks,
    rate: args.rate,
    concurrency: args.concurrency,
    duplicates: 0.02,
    reorder: 0.05,
    // The last plays start about an hour ago and run into the present: a live-looking cohort.
    startMs: Date.now() - spreadSeconds * 1000 - 3_600_000,
    spreadSeconds,
    maxDurationMs: 15 * 60_000,
    log: (line) => console.log(line),
  });
  console.log(formatSummary(summary));
  if (summary.finalStatus["401"]) {
    console.log("\nCairn refused the signatures (401): the secret is not the one it verifies with. Check Settings → Webhook.");
    return 1;
  }
  if (summary.failed > 0) return 1;
  console.log(`\nDone: ${traffic.plays.length} plays by ${args.learners} learners on ${traffic.world.tracks.length} tracks. Open ${base.origin} and sign in.`);
  return 0;
});
