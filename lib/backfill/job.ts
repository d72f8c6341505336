import { db } from "@/lib/db/client";
import { DEFAULT_BACKOFF, type BackoffPolicy } from "@/lib/enrichment/backoff";
import { savedCredentials } from "@/lib/enrichment/settings";
import { env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { InstruqtAuthError, InstruqtRateLimitedError } from "@/lib/instruqt/graphql";
import { fetchPlayReports, PlayReportsMismatch } from "@/lib/instruqt/play-reports";
import { activeTeamSlug } from "@/lib/instruqt/team-slug";
import type { JobHandler } from "@/lib/jobs/runner";
import { TRANSACTION_OPTIONS } from "@/lib/progress/projector";
import { BACKFILL_JOB_KIND, initialProgress, missingPrerequisite, type BackfillProgress } from "./requests";
import { storeReportPage } from "./reported-plays";

/**
 * A backfill as one job on Cairn's queue: it pages through playReports with skip/take and, after
 * each page is stored (one transaction: raw reports, plays, tracks, learners, reviews), saves its
 * cursor and counters as the job's payload — so a crash, a shutdown or a 429 resumes at the page
 * it was on, never from scratch, and a page stored twice adds nothing the second time.
 *
 * Failures: 429 waits for Retry-After without using an attempt (and holds every backfill, since
 * the limit is the API key's); a refused key (401/403) or a missing key or team slug fails the
 * backfill with the reason, since retrying cannot fix them; an answer of another shape (Instruqt's
 * schema changed) fails it with the mismatch named and the raw answer kept on the backfill row;
 * anything else (5xx, timeouts, the network) is retried with backoff.
 */

export const DEFAULT_PAGE_SIZE = 100;
/** When Instruqt rate limits without saying for how long. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

class BackfillNotConfigured extends Error {}

export interface BackfillJobOptions {
  pageSize?: number;
  maxAttempts?: number;
  backoff?: BackoffPolicy;
}

export function backfillJobHandler(options: BackfillJobOptions = {}): JobHandler<BackfillProgress> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  return {
    kind: BACKFILL_JOB_KIND,
    // One at a time: they share the API key's rate limit.
    concurrency: 1,
    // Renewed by every saved page: one request (bounded by its timeout) plus one page's writes.
    leaseMs: Math.max(5 * 60_000, env().CAIRN_ENRICHMENT_TIMEOUT_SECONDS * 1000 * 4),
    maxAttempts: options.maxAttempts ?? 8,
    backoff: options.backoff ?? DEFAULT_BACKOFF,

    async run(job, { signal, saveProgress, log }) {
      const backfill = await db().backfill.findUnique({ where: { id: job.key } });
      if (!backfill) return { note: "the backfill was deleted before it ran" };
      const { url, apiKey } = await savedCredentials();
      const teamSlug = await activeTeamSlug();
      const problem = missingPrerequisite(apiKey, teamSlug);
      if (problem) throw new BackfillNotConfigured(problem);

      let progress: BackfillProgress = { ...initialProgress(backfill.id), ...(job.payload ?? {}), backfillId: backfill.id };
      for (;;) {
        let page;
        try {
          page = await fetchPlayReports(
            { teamSlug: teamSlug!, from: backfill.from, to: backfill.to, trackIds: backfill.tracks, trackInviteIds: backfill.invites, skip: progress.skip, take: pageSize },
            { url, apiKey: apiKey!, timeoutMs: env().CAIRN_ENRICHMENT_TIMEOUT_SECONDS * 1000, signal },
          );
        } catch (error) {
          if (error instanceof PlayReportsMismatch) {
            await db().backfill.update({ where: { id: backfill.id }, data: { mismatch: { message: error.message, answer: (error.raw ?? null) as Prisma.InputJsonValue } } });
          }
          throw error;
        }
        const items = page.items;
        const { added } = await db().$transaction((tx) => storeReportPage(tx, backfill.id, items), TRANSACTION_OPTIONS);
        progress = {
          ...progress,
          skip: progress.skip + items.length,
          pagesDone: progress.pagesDone + 1,
          playsSeen: progress.playsSeen + items.length,
          playsAdded: progress.playsAdded + added,
          totalItems: page.totalItems,
        };
        await saveProgress(progress);
        log(`page ${progress.pagesDone}: ${items.length} reports, ${added} plays added`);
        const reachedTotal = page.totalItems !== null && progress.skip >= page.totalItems;
        if (items.length < pageSize || reachedTotal) break;
      }
      return { payload: progress, note: `${progress.playsAdded} of ${progress.playsSeen} reported plays added` };
    },

    planFailure(error) {
      if (error instanceof InstruqtRateLimitedError) {
        const waitMs = error.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS;
        return { action: "release", delayMs: waitMs, throttleMs: waitMs, error: error.message };
      }
      if (error instanceof InstruqtAuthError) {
        return { action: "fail", error: `${error.message}: check the API key in Settings → Enrichment, then start the backfill again` };
      }
      // AppError: the saved API key cannot be decrypted (the encryption key changed) — saving it again fixes it, waiting does not.
      if (error instanceof PlayReportsMismatch || error instanceof BackfillNotConfigured || error instanceof AppError) return { action: "fail", error: error.message };
      return null;
    },
  };
}
