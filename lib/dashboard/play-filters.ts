import { db, Prisma } from "@/lib/db/client";
import type { ActivityWindow } from "./time-window";

/**
 * The filters every list of plays shares (learners page, track page, and the CSV links built
 * from them), and their SQL. Conditions are written against the alias `p` for `participant`.
 */

export const PLAY_STATUSES = ["started", "in_progress", "completed", "stopped"] as const;
export type PlayStatus = (typeof PLAY_STATUSES)[number];

/** A play's progress figures as the pages show them (the projection's meanings). */
export interface PlayFigures {
  status: PlayStatus;
  challengesCompleted: number;
  totalChallenges: number | null;
  progressPercent: number | null;
  attempts: number;
  failedAttempts: number;
  skippedChallenges: number;
  sandboxFailures: number;
  startedAt: Date | null;
  completedAt: Date | null;
  lastActivityAt: Date | null;
  timeSpentSeconds: number;
}

/** The same figures as the participant table's columns, the way raw queries return them. */
export interface PlayFiguresRow {
  status: PlayStatus;
  challenges_completed: number;
  total_challenges: number | null;
  progress_percent: number | null;
  attempts: number;
  failed_attempts: number;
  skipped_challenges: number;
  sandbox_failures: number;
  started_at: Date | null;
  completed_at: Date | null;
  last_activity_at: Date | null;
  time_spent_seconds: number;
}

export function toPlayFigures(row: PlayFiguresRow): PlayFigures {
  return {
    status: row.status,
    challengesCompleted: row.challenges_completed,
    totalChallenges: row.total_challenges,
    progressPercent: row.progress_percent,
    attempts: row.attempts,
    failedAttempts: row.failed_attempts,
    skippedChallenges: row.skipped_challenges,
    sandboxFailures: row.sandbox_failures,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    lastActivityAt: row.last_activity_at,
    timeSpentSeconds: row.time_spent_seconds,
  };
}

export const PLAY_STATUS_LABELS: Record<PlayStatus, string> = {
  started: "Started",
  in_progress: "In progress",
  completed: "Completed",
  stopped: "Stopped",
};

/** Learners a search matched: their ids when few, else the text to match in SQL. */
export type LearnerMatch = { kind: "ids"; ids: string[] } | { kind: "text"; text: string };

export interface PlayFilters {
  trackId?: string;
  inviteId?: string;
  status?: PlayStatus;
  mode?: string;
  /** Plays with activity inside the window: [first_activity_at, last_activity_at] overlaps it. */
  window?: ActivityWindow;
  /** Plays whose custom_parameters[key] equals value (any value when value is absent). */
  customParameter?: { key: string; value?: string };
  learners?: LearnerMatch;
}

// Above this many matching learners, the id list stops being the cheaper plan: the matches are
// then dense, and scanning plays in the requested order finds a page of them quickly.
const MAX_SEARCH_IDS = 2_000;

/** The text a search compares against: a learner's id, email and names, case-insensitively. */
const learnerSearchText = Prisma.sql`lower(concat_ws(' ', l.id, l.email, l.first_name, l.last_name))`;

/**
 * Resolves a search to the learners it matches. Learners are searched first (one pass over
 * `learner`, with no trigram index, which the embedded PostgreSQL lacks) and plays are then
 * found by `user_id` through its index; a filter over both tables at once leads the planner to
 * walk every play in page order, probing learners one by one (measured: 270 ms vs 65 ms on 100k).
 */
export async function matchLearners(search: string): Promise<LearnerMatch> {
  const text = search.toLowerCase();
  const rows = await db().$queryRaw<{ id: string }[]>`
    SELECT l.id FROM learner l
    WHERE strpos(${learnerSearchText}, ${text}) > 0
    LIMIT ${MAX_SEARCH_IDS + 1}`;
  if (rows.length > MAX_SEARCH_IDS) return { kind: "text", text };
  return { kind: "ids", ids: rows.map((row) => row.id) };
}

export function playConditions(filters: PlayFilters): Prisma.Sql {
  const conditions: Prisma.Sql[] = [];
  if (filters.trackId !== undefined) conditions.push(Prisma.sql`p.track_id = ${filters.trackId}`);
  if (filters.inviteId !== undefined) conditions.push(Prisma.sql`p.invite_id = ${filters.inviteId}`);
  if (filters.status !== undefined) conditions.push(Prisma.sql`p.status = ${filters.status}::"PlayStatus"`);
  if (filters.mode !== undefined) conditions.push(Prisma.sql`p.mode = ${filters.mode}`);
  if (filters.window?.start) conditions.push(Prisma.sql`p.last_activity_at >= ${filters.window.start}`);
  if (filters.window?.end) conditions.push(Prisma.sql`p.first_activity_at < ${filters.window.end}`);
  const parameter = filters.customParameter;
  if (parameter) {
    conditions.push(
      parameter.value === undefined
        ? Prisma.sql`p.custom_parameters ->> ${parameter.key} IS NOT NULL`
        : Prisma.sql`p.custom_parameters ->> ${parameter.key} = ${parameter.value}`,
    );
  }
  const learners = filters.learners;
  if (learners?.kind === "ids") conditions.push(Prisma.sql`p.user_id = ANY(${learners.ids}::text[])`);
  if (learners?.kind === "text") {
    conditions.push(
      Prisma.sql`p.user_id IN (SELECT l.id FROM learner l WHERE strpos(${learnerSearchText}, ${learners.text}) > 0)`,
    );
  }
  return conditions.length === 0 ? Prisma.sql`TRUE` : Prisma.join(conditions, " AND ");
}
