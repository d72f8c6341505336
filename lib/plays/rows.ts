import { Prisma } from "@/lib/db/client";
import type { Participant } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";

/**
 * A play's figures as every list shows them, typed from the generated client's `Participant`
 * (not restated) and selected under those same names, so raw rows need no hand-written mapper.
 * The track's length is one rule everywhere (pages, funnel, CSV): the play's own, else the
 * track's.
 */

export type PlayFigures = Pick<
  Participant,
  | "status"
  | "challengesCompleted"
  | "totalChallenges"
  | "progressPercent"
  | "attempts"
  | "failedAttempts"
  | "skippedChallenges"
  | "sandboxFailures"
  | "startedAt"
  | "completedAt"
  | "lastActivityAt"
  | "timeSpentSeconds"
  | "source"
> & {
  /** Neither completed nor stopped, and no event for CAIRN_INACTIVE_HOURS: read as "inactive". */
  inactive: boolean;
};

/** The track's length for the play `p` and its track row `t`. */
export const TOTAL_CHALLENGES_SQL = "coalesce(p.total_challenges, t.total_challenges)";

/** The moment before which a play's last event makes it inactive, by the server's clock. */
export function inactiveCutoff(now: Date = new Date()): Date {
  return new Date(now.getTime() - env().CAIRN_INACTIVE_HOURS * 3_600_000);
}

/** Whether the play `p` is inactive: still open, and silent since `cutoff`. */
export function inactiveSql(cutoff: Date): Prisma.Sql {
  return Prisma.sql`(p.status IN ('started', 'in_progress') AND p.last_activity_at < ${cutoff})`;
}

/** The PlayFigures columns of `p` (with the track `t` joined), named as the type names them. */
export function playFiguresSql(cutoff: Date): Prisma.Sql {
  return Prisma.sql`p.status::text AS "status", p.challenges_completed AS "challengesCompleted",
    ${Prisma.raw(TOTAL_CHALLENGES_SQL)} AS "totalChallenges", p.progress_percent AS "progressPercent",
    p.attempts AS "attempts", p.failed_attempts AS "failedAttempts", p.skipped_challenges AS "skippedChallenges",
    p.sandbox_failures AS "sandboxFailures", p.started_at AS "startedAt", p.completed_at AS "completedAt",
    p.last_activity_at AS "lastActivityAt", p.time_spent_seconds AS "timeSpentSeconds", p.source::text AS "source",
    coalesce(${inactiveSql(cutoff)}, false) AS "inactive"`;
}
