// `npm run demo`: fills a running Cairn (by default `npm start` on http://localhost:3000) with a
// few hundred learners' activity over the last days, so a newcomer sees a living dashboard; a
// few plays then carry on live for a minute or two. No event is sent with a time after its
// sending.
import { z } from "zod";
import { isValidSigningSecret } from "@/lib/webhooks/secret-format";
import { arg, formatSummary, generateSigningSecret, loopbackUrl, parseArgs, randomSeed, runMain, UsageError, validateArgs, webhookEndpoint } from "@/tools/simulate/cli";
import { runSimulation } from "@/tools/simulate/run";

const USAGE = `usage: npm run demo -- [options]

Fills a running Cairn with ~200 learners' activity over the last days (a few minutes at the
default rate), then keeps a handful of plays going live for a minute or two.

  --url URL           Cairn on this machine (default http://localhost:3000), e.g. --url http://localhost:3100
  --secret whsec_…    the signing secret Cairn verifies with (default: $INSTRUQT_WEBHOOK_SECRET)
  --learners N        learners, each playing 1-3 tracks (default 200)
  --tracks N          tracks (default 6)
  --days N            plays start over this many days up to now (default 3)
  --live N            plays that carry on live after the bulk (default 5, 0 for none)
  --rate R            deliveries per second (default 200)
  --concurrency C     requests in flight at most (default 10)
  --seed S            makes the data reproducible (default random)
  --help              this text

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
  live: arg.int(0, 100).default(5),
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
    // Plays start up to now: the latest are mid-track, a few of them carry on live.
    startMs: Date.now() - spreadSeconds * 1000,
    spreadSeconds,
    livePlays: args.live,
    liveSeconds: 90,
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
