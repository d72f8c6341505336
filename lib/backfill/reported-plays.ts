import type { Prisma } from "@/lib/generated/prisma/client";
import type { PlayStatus } from "@/lib/plays/filter";
import type { PlayReportItem } from "@/lib/instruqt/play-reports";
import { refreshLearnerIdentities } from "@/lib/learners/identity";
import { enqueueEnrichment } from "@/lib/progress/projector";
import { SAME_PLAY_TOLERANCE_SECONDS } from "./same-play";

type Tx = Prisma.TransactionClient;

/**
 * Plays Cairn learns of from Instruqt's playReports rather than from webhook events, and the one
 * rule for telling the two apart.
 *
 * Which play is a report? Instruqt's report `id` is the play's id, the `participant_id` of its
 * webhook events (both name one user's run of one track), so a report whose id Cairn already has
 * is that play. Because that is Instruqt's convention rather than a documented promise, a report
 * is ALSO the same play as a webhook play of the same user and track that started within
 * SAME_PLAY_TOLERANCE_SECONDS of it. Either way the play is counted once and the webhook side
 * wins: a report never overwrites a play that has events, and when events for a reported play
 * arrive later, the projector's result replaces the report's row (./same-play.ts).
 */


export interface ReportedPlay {
  id: string;
  userId: string | null;
  trackId: string | null;
  inviteId: string | null;
  mode: string | null;
  customParameters: Record<string, string> | null;
  status: PlayStatus;
  challengesCompleted: number;
  totalChallenges: number | null;
  progressPercent: number | null;
  timeSpentSeconds: number;
  startedAt: Date;
  completedAt: Date | null;
  stoppedAt: Date | null;
  lastActivityAt: Date;
}

const COMPLETED_REASON = /complet|finish/i;

/**
 * A report's figures as a play. Status: completed when the report says all is done (100 %, every
 * challenge, or a stop reason saying so), stopped when it names any other stop reason, in progress
 * once something was completed, else started. A report has no per-challenge data, so no
 * challenge rows: its play counts at the track level only.
 */
export function playFromReport(report: PlayReportItem): ReportedPlay {
  const total = report.totalChallenges !== null && report.totalChallenges > 0 ? report.totalChallenges : null;
  const completedChallenges = Math.min(report.completedChallenges ?? 0, total ?? Number.MAX_SAFE_INTEGER);
  const percent =
    report.completionPercent !== null
      ? Math.min(100, Math.max(0, Math.round(report.completionPercent)))
      : total !== null
        ? Math.round((completedChallenges / total) * 100)
        : null;
  const allDone = percent === 100 || (total !== null && completedChallenges >= total) || (report.stoppedReason !== null && COMPLETED_REASON.test(report.stoppedReason));
  const status: PlayStatus = allDone
    ? "completed"
    : report.stoppedReason !== null
      ? "stopped"
      : completedChallenges > 0 || (percent ?? 0) > 0
        ? "in_progress"
        : "started";
  // The last thing Instruqt logged; without an activity log, the start plus the time spent.
  const activityTimes = report.activity.map((entry) => entry.time?.getTime()).filter((time): time is number => typeof time === "number");
  const lastActivity = new Date(
    activityTimes.length > 0
      ? Math.max(report.startedAt.getTime(), ...activityTimes)
      : report.startedAt.getTime() + (report.timeSpent ?? 0) * 1000,
  );
  const parameters = report.customParameters.length > 0 ? Object.fromEntries(report.customParameters.map((entry) => [entry.key, entry.value ?? ""])) : null;
  return {
    id: report.id,
    userId: report.user,
    trackId: report.track,
    inviteId: report.trackInvite,
    mode: report.mode,
    customParameters: parameters,
    status,
    challengesCompleted: status === "completed" && total !== null ? total : completedChallenges,
    totalChallenges: total,
    progressPercent: status === "completed" ? 100 : percent,
    timeSpentSeconds: report.timeSpent ?? 0,
    startedAt: report.startedAt,
    completedAt: status === "completed" ? lastActivity : null,
    stoppedAt: status === "stopped" ? lastActivity : null,
    lastActivityAt: lastActivity,
  };
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);
const bySortKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface StoredPage {
  /** Plays written for the first time (not known through webhooks nor an earlier backfill). */
  added: number;
}

/**
 * Stores one page of reports inside the caller's transaction: each report raw (once per report
 * id, the newest answer kept), then the plays Cairn does not know, their tracks and learners if
 * new, reviews if new, and enrichment for their invites. A play added by an earlier backfill takes
 * the report's newer figures; a webhook play is never touched. Running it twice adds nothing.
 */
export async function storeReportPage(tx: Tx, backfillId: string, items: { raw: unknown; report: PlayReportItem }[]): Promise<StoredPage> {
  if (items.length === 0) return { added: 0 };
  // The last of several items with one id wins, as it would have in two pages.
  const byId = new Map(items.map((item) => [item.report.id, item]));
  const ids = [...byId.keys()].sort(bySortKey);
  // The projector's lock per play: a webhook batch writing the same play waits, or is waited for.
  await tx.$queryRaw`
    SELECT count(pg_advisory_xact_lock(key))::int AS locked
    FROM (SELECT DISTINCT hashtextextended(id, 0) AS key FROM unnest(${ids}::text[]) AS id ORDER BY key) AS keys`;

  await tx.$executeRaw`
    INSERT INTO play_report (id, raw, fetched_at, backfill_id)
    SELECT id, raw::jsonb, now(), ${backfillId}::uuid
    FROM unnest(${ids}::text[], ${ids.map((id) => JSON.stringify(byId.get(id)!.raw))}::text[]) AS t(id, raw)
    ON CONFLICT (id) DO UPDATE SET raw = EXCLUDED.raw, fetched_at = EXCLUDED.fetched_at, backfill_id = EXCLUDED.backfill_id`;

  const plays = ids.map((id) => playFromReport(byId.get(id)!.report));
  const col = <T>(pick: (play: ReportedPlay) => T) => plays.map(pick);
  const written = await tx.$queryRaw<{ id: string; inserted: boolean }[]>`
    INSERT INTO participant
      (id, user_id, track_id, invite_id, mode, custom_parameters, status, challenges_completed, total_challenges,
       progress_percent, time_spent_seconds, started_at, completed_at, stopped_at, first_activity_at, last_activity_at,
       event_count, source, updated_at)
    SELECT t.id, t.user_id, t.track_id, t.invite_id, t.mode, t.custom_parameters::jsonb, t.status::"PlayStatus",
           t.challenges_completed, t.total_challenges, t.progress_percent, t.time_spent_seconds, t.started_at,
           t.completed_at, t.stopped_at, t.started_at, t.last_activity_at, 0, 'report', now()
    FROM unnest(${col((p) => p.id)}::text[], ${col((p) => p.userId)}::text[], ${col((p) => p.trackId)}::text[],
                ${col((p) => p.inviteId)}::text[], ${col((p) => p.mode)}::text[],
                ${col((p) => (p.customParameters === null ? null : JSON.stringify(p.customParameters)))}::text[],
                ${col((p) => p.status)}::text[], ${col((p) => p.challengesCompleted)}::int[], ${col((p) => p.totalChallenges)}::int[],
                ${col((p) => p.progressPercent)}::int[], ${col((p) => p.timeSpentSeconds)}::int[],
                ${col((p) => iso(p.startedAt))}::timestamptz[], ${col((p) => iso(p.completedAt))}::timestamptz[],
                ${col((p) => iso(p.stoppedAt))}::timestamptz[], ${col((p) => iso(p.lastActivityAt))}::timestamptz[])
      AS t(id, user_id, track_id, invite_id, mode, custom_parameters, status, challenges_completed, total_challenges,
           progress_percent, time_spent_seconds, started_at, completed_at, stopped_at, last_activity_at)
    WHERE NOT EXISTS (
      SELECT 1 FROM participant w
      WHERE w.source = 'webhook' AND w.id <> t.id AND w.user_id = t.user_id AND w.track_id = t.track_id
        AND w.started_at BETWEEN t.started_at - make_interval(secs => ${SAME_PLAY_TOLERANCE_SECONDS}::double precision)
                             AND t.started_at + make_interval(secs => ${SAME_PLAY_TOLERANCE_SECONDS}::double precision))
    ON CONFLICT (id) DO UPDATE SET
      user_id = EXCLUDED.user_id, track_id = EXCLUDED.track_id, invite_id = EXCLUDED.invite_id, mode = EXCLUDED.mode,
      custom_parameters = EXCLUDED.custom_parameters, status = EXCLUDED.status,
      challenges_completed = EXCLUDED.challenges_completed, total_challenges = EXCLUDED.total_challenges,
      progress_percent = EXCLUDED.progress_percent, time_spent_seconds = EXCLUDED.time_spent_seconds,
      started_at = EXCLUDED.started_at, completed_at = EXCLUDED.completed_at, stopped_at = EXCLUDED.stopped_at,
      first_activity_at = EXCLUDED.first_activity_at, last_activity_at = EXCLUDED.last_activity_at, updated_at = now()
    WHERE participant.source = 'report'
    RETURNING id, (xmax = 0) AS inserted`;
  const kept = new Set(written.map((row) => row.id));
  const added = written.filter((row) => row.inserted).length;
  const reported = plays.filter((play) => kept.has(play.id));

  const tracks = new Map<string, { total: number | null; first: Date; last: Date }>();
  const learners = new Map<string, { first: Date; last: Date }>();
  const enrichment = new Map<string, Set<string>>();
  for (const play of reported) {
    if (play.trackId) {
      const seen = tracks.get(play.trackId);
      tracks.set(play.trackId, {
        total: Math.max(seen?.total ?? 0, play.totalChallenges ?? 0) || null,
        first: seen && seen.first < play.startedAt ? seen.first : play.startedAt,
        last: seen && seen.last > play.lastActivityAt ? seen.last : play.lastActivityAt,
      });
    }
    if (play.userId) {
      const seen = learners.get(play.userId);
      learners.set(play.userId, {
        first: seen && seen.first < play.startedAt ? seen.first : play.startedAt,
        last: seen && seen.last > play.lastActivityAt ? seen.last : play.lastActivityAt,
      });
      if (play.inviteId) {
        let users = enrichment.get(play.inviteId);
        if (!users) enrichment.set(play.inviteId, (users = new Set()));
        users.add(play.userId);
      }
    }
  }
  const trackRows = [...tracks.entries()].sort(([a], [b]) => bySortKey(a, b));
  if (trackRows.length > 0) {
    // A track Cairn knows keeps what its events said; a report only fills what is unknown.
    await tx.$executeRaw`
      INSERT INTO track (id, total_challenges, first_seen_at, last_seen_at)
      SELECT * FROM unnest(${trackRows.map(([id]) => id)}::text[], ${trackRows.map(([, t]) => t.total)}::int[],
                           ${trackRows.map(([, t]) => iso(t.first))}::timestamptz[], ${trackRows.map(([, t]) => iso(t.last))}::timestamptz[])
      ON CONFLICT (id) DO UPDATE SET total_challenges = COALESCE(track.total_challenges, EXCLUDED.total_challenges)`;
  }
  const learnerRows = [...learners.entries()].sort(([a], [b]) => bySortKey(a, b));
  if (learnerRows.length > 0) {
    await tx.$executeRaw`
      INSERT INTO learner (id, first_seen_at, last_seen_at)
      SELECT * FROM unnest(${learnerRows.map(([id]) => id)}::text[], ${learnerRows.map(([, l]) => iso(l.first))}::timestamptz[],
                           ${learnerRows.map(([, l]) => iso(l.last))}::timestamptz[])
      ON CONFLICT (id) DO UPDATE SET
        first_seen_at = LEAST(learner.first_seen_at, EXCLUDED.first_seen_at),
        last_seen_at = GREATEST(learner.last_seen_at, EXCLUDED.last_seen_at)`;
  }
  const reviews = ids
    .map((id) => ({ play: byId.get(id)!.report }))
    .filter(({ play }) => play.playReview !== null)
    .map(({ play }) => ({ ...play.playReview!, trackId: play.track, userId: play.user }));
  if (reviews.length > 0) {
    // A review event, when one arrives, overwrites this (its occurred_at is newer than none).
    await tx.$executeRaw`
      INSERT INTO review (id, track_id, user_id, score, content)
      SELECT * FROM unnest(${reviews.map((r) => r.id)}::text[], ${reviews.map((r) => r.trackId)}::text[], ${reviews.map((r) => r.userId)}::text[],
                           ${reviews.map((r) => r.score)}::int[], ${reviews.map((r) => r.content)}::text[])
      ON CONFLICT (id) DO NOTHING`;
  }
  // Report plays carry custom parameters too: their learners' identity is derived like the projector's.
  await refreshLearnerIdentities(tx, learnerRows.map(([id]) => id));
  await enqueueEnrichment(tx, enrichment);
  return { added };
}
