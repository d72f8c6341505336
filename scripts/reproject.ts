// `npm run reproject [-- --restart] [--batch-plays N] [--batch-events N]`: rebuilds every
// projection (plays, challenge progress, tracks, learners, invite claims, reviews) from the event
// log of DATABASE_URL with the projector's own functions (lib/progress/reproject.ts). Resumable:
// the cursor is saved with each batch; run it again after an interruption. Safe while ingest goes
// on: plays are rewritten under the projector's locks.
import { z } from "zod";
import { db } from "@/lib/db/client";
import { reprojectAll, type ReprojectProgress } from "@/lib/progress/reproject";
import { arg, parseArgs, runMain, validateArgs } from "@/tools/simulate/cli";

const USAGE = `usage: npm run reproject [-- options]

Rebuilds every projection from the event log of DATABASE_URL (after projection rules change).
Progress goes to stderr. Interrupted runs resume where they stopped; ingest may go on meanwhile.

  --restart           start over instead of resuming a saved cursor
  --batch-plays N     plays recomputed per transaction (default 1000)
  --batch-events N    events per transaction in the directory pass (default 10000)
  --help              this text`;

const Args = z.object({
  restart: arg.flag(),
  "batch-plays": arg.int(1, 100_000).default(1_000),
  "batch-events": arg.int(1, 1_000_000).default(10_000),
});

const WIDTH = 30;

/** A bar redrawn in place on a terminal; a line every few seconds when stderr is a file or pipe. */
function progressReporter(started: number): (progress: ReprojectProgress) => void {
  let lastLine = 0;
  return ({ phase, events, totalEvents, plays }) => {
    const fraction = totalEvents > 0 ? Math.min(1, events / totalEvents) : 1;
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(events / seconds) : 0;
    const figures = `${events.toLocaleString("en")}/${totalEvents.toLocaleString("en")} events, ${plays.toLocaleString("en")} plays, ${rate.toLocaleString("en")} events/s (${phase})`;
    if (process.stderr.isTTY) {
      const filled = Math.round(fraction * WIDTH);
      process.stderr.write(`\r[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${figures}\u001b[K`);
    } else if (Date.now() - lastLine > 5_000) {
      lastLine = Date.now();
      process.stderr.write(`${(fraction * 100).toFixed(0)}% ${figures}\n`);
    }
  };
}

runMain(USAGE, async () => {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const args = validateArgs(Args, parseArgs(argv));
  const started = Date.now();
  try {
    const result = await reprojectAll(db(), {
      restart: args.restart,
      batchPlays: args["batch-plays"],
      batchEvents: args["batch-events"],
      onProgress: progressReporter(started),
    });
    if (process.stderr.isTTY) process.stderr.write("\n");
    const seconds = result.elapsedMs / 1000;
    console.log(
      `${result.resumed ? "resumed and finished" : "reprojected"}: ${result.plays.toLocaleString("en")} plays` +
        `${result.resumed ? " in this run" : ""}, ${result.events.toLocaleString("en")} events in ${seconds.toFixed(1)} s` +
        ` (${Math.round(result.events / Math.max(seconds, 0.001)).toLocaleString("en")} events/s)`,
    );
    return 0;
  } finally {
    await db().$disconnect();
  }
});
