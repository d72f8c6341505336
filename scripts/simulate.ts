// `npm run simulate -- --url URL --secret whsec_… [options]`: posts realistic Instruqt webhook
// traffic (tools/simulate), signed like Svix, to a Cairn on this machine, then prints what came back.
import { z } from "zod";
import { isValidSigningSecret } from "@/lib/webhooks/secret-format";
import { arg, formatSummary, loopbackUrl, parseArgs, randomSeed, runMain, UsageError, validateArgs, webhookEndpoint } from "@/tools/simulate/cli";
import { runSimulation } from "@/tools/simulate/run";

const USAGE = `usage: npm run simulate -- --url URL --secret whsec_… [options]

  --url URL            Cairn's base URL or webhook URL on this machine (e.g. http://127.0.0.1:3000)
  --secret whsec_…     the endpoint's signing secret (as configured in Cairn)
  --learners N         learners, each playing 1-3 tracks (default 50)
  --tracks M           tracks of 3-8 challenges (default 5)
  --rate R             deliveries per second (default 50)
  --concurrency C      requests in flight at most (default 10)
  --duplicates P       share of messages delivered twice, same svix-id (default 0)
  --reorder P          share of messages delivered late, out of order (default 0)
  --seed S             makes the traffic reproducible (default random, printed)
  --start ISO          event time of the first play, not in the future (default: --spread before now)
  --spread SECONDS     plays start over this span (default 7200)
  --live N             plays still running now that carry on live after the rest is sent (default 5)
  --live-seconds S     how long those live plays go on, at most (default 90)
  --max-duration SECS  stop starting deliveries after this long (default 600)
  --help               this text

No event is sent with a time after the moment it is sent: what lies beyond now is left out, but
for the --live plays, whose next events are sent (and stamped) as they happen.`;

const Args = z.object({
  url: arg.string(),
  secret: arg.string().refine(isValidSigningSecret, "must be whsec_ followed by base64 of 24 to 64 bytes"),
  learners: arg.int(1, 1_000_000).default(50),
  tracks: arg.int(1, 1_000).default(5),
  rate: arg.number(0.1, 100_000).default(50),
  concurrency: arg.int(1, 1_000).default(10),
  duplicates: arg.number(0, 1).default(0),
  reorder: arg.number(0, 1).default(0),
  seed: arg.string().optional(),
  start: arg.date().optional(),
  spread: arg.int(0, 10 * 365 * 86_400).default(7_200),
  "max-duration": arg.number(1, 24 * 3600).default(600),
  live: arg.int(0, 1_000).default(5),
  "live-seconds": arg.number(1, 3600).default(90),
});

runMain(USAGE, async () => {
  const args = validateArgs(Args, parseArgs(process.argv.slice(2)));
  const endpoint = webhookEndpoint(loopbackUrl(args.url));
  const seed = args.seed ?? randomSeed();
  if (args.start !== undefined && args.start > Date.now()) throw new UsageError("--start: must not be in the future (events are never sent before they happen)");
  const startMs = args.start ?? Date.now() - args.spread * 1000;
  console.log(`simulating with --seed ${seed} --start ${new Date(startMs).toISOString()} → ${endpoint}`);
  const { summary } = await runSimulation({
    endpoint,
    secret: args.secret,
    seed,
    learners: args.learners,
    tracks: args.tracks,
    rate: args.rate,
    concurrency: args.concurrency,
    duplicates: args.duplicates,
    reorder: args.reorder,
    startMs,
    spreadSeconds: args.spread,
    maxDurationMs: args["max-duration"] * 1000,
    livePlays: args.live,
    liveSeconds: args["live-seconds"],
    log: (line) => console.log(line),
  });
  console.log(formatSummary(summary));
  if (summary.finalStatus["401"]) console.log("401: the signing secret does not match the one configured in Cairn (Settings → Webhook).");
  return summary.failed > 0 ? 1 : 0;
});
