// `npm run seed -- --database-url URL [--events 1000000] [--plays 100000] [--tracks 20] [--seed S]`:
// writes a large realistic data set into a migrated, empty database (tools/simulate/seed.ts), then
// checks a sample against the real projection path (tools/simulate/verify-seed.ts).
import { z } from "zod";
import { arg, parseArgs, runMain, UsageError, validateArgs } from "@/tools/simulate/cli";
import { seedDatabase } from "@/tools/simulate/seed";
import { verifySeededSample } from "@/tools/simulate/verify-seed";

const USAGE = `usage: npm run seed -- --database-url URL [options]

  --database-url URL  a migrated, empty PostgreSQL database (npm run db:migrate first)
  --events N          events in all, approximately (default 1000000)
  --plays N           plays (participants) (default 100000)
  --tracks N          tracks (default 20)
  --seed S            the data set is a function of the seed and --end (default "cairn")
  --end ISO           newest event time (default: now); events spread over --days before it
  --days N            (default 90)
  --verify N          plays and learners re-checked through the real projection path (default 20, 0 skips)
  --help              this text`;

const Args = z.object({
  "database-url": arg.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// connection string"),
  events: arg.int(1, 100_000_000).default(1_000_000),
  plays: arg.int(1, 10_000_000).default(100_000),
  tracks: arg.int(1, 10_000).default(20),
  seed: arg.string().default("cairn"),
  end: arg.date().optional(),
  days: arg.number(0.01, 3650).default(90),
  verify: arg.int(0, 10_000).default(20),
});

runMain(USAGE, async () => {
  const args = validateArgs(Args, parseArgs(process.argv.slice(2)));
  if (args.plays > args.events) throw new UsageError("--plays cannot exceed --events: every play has at least one event");
  const endMs = args.end ?? Date.now();
  console.log(`seeding ${args.events.toLocaleString("en")} events / ${args.plays.toLocaleString("en")} plays / ${args.tracks} tracks (--seed ${args.seed} --end ${new Date(endMs).toISOString()})`);
  const result = await seedDatabase({
    databaseUrl: args["database-url"],
    events: args.events,
    plays: args.plays,
    tracks: args.tracks,
    seed: args.seed,
    endMs,
    spreadDays: args.days,
    log: (line) => console.log(line),
  });
  console.log(
    `seeded ${result.events.toLocaleString("en")} events, ${result.plays.toLocaleString("en")} plays, ${result.challengeRows.toLocaleString("en")} challenge rows, ` +
      `${result.tracks} tracks, ${result.learners.toLocaleString("en")} learners, ${result.inviteClaims} invite claims, ${result.reviews} reviews ` +
      `in ${(result.elapsedMs / 1000).toFixed(1)} s (${Math.round(result.events / (result.elapsedMs / 1000)).toLocaleString("en")} events/s)`,
  );
  if (args.verify > 0) {
    const verified = await verifySeededSample(args["database-url"], args.verify);
    if (verified.mismatches.length) {
      console.error(`verification FAILED:\n${verified.mismatches.join("\n")}`);
      return 1;
    }
    console.log(`verified: ${verified.plays} plays recomputed and ${verified.learners} learners replayed through lib/progress give identical rows; ${verified.tracks} tracks match their events`);
  }
  return 0;
});
