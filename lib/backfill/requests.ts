import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Actor } from "@/lib/audit/actor";
import { recordAudit } from "@/lib/audit/log";
import { db } from "@/lib/db/client";
import { savedCredentials } from "@/lib/enrichment/settings";
import { AppError, notFound } from "@/lib/http/errors";
import { isUuid } from "@/lib/http/ids";
import { activeTeamSlug } from "@/lib/instruqt/team-slug";
import { enqueueJob, findJob, type JobRow } from "@/lib/jobs/queue";
import { wakeJobRunner } from "@/lib/jobs/runner";

/**
 * Backfills as admins ask for them (Settings → Backfill, POST /api/settings/backfill) and as they
 * are reported back (GET /api/settings/backfill/[id]): a `backfill` row for what was asked, and
 * one job on Cairn's queue (kind "backfill", key = the backfill's id) whose payload carries the
 * page cursor and counters (./job.ts).
 */

export const BACKFILL_JOB_KIND = "backfill";

export interface BackfillProgress {
  backfillId: string;
  /** Items to skip on the next page: the cursor a resumed run starts from. */
  skip: number;
  pagesDone: number;
  playsSeen: number;
  playsAdded: number;
  /** What Instruqt last said the range holds. */
  totalItems: number | null;
}

export const initialProgress = (backfillId: string): BackfillProgress => ({
  backfillId,
  skip: 0,
  pagesDone: 0,
  playsSeen: 0,
  playsAdded: 0,
  totalItems: null,
});

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** "<ISO date>": a day (UTC; `from` at its start, `to` at its end) or a date-time with an offset. */
const isoDate = (edge: "start" | "end") =>
  z
    .string({ error: "must be an ISO date (2026-11-01) or date-time (2026-11-01T09:00:00Z)" })
    .trim()
    .refine(
      (value) => (DATE_ONLY.test(value) ? z.iso.date().safeParse(value).success : z.iso.datetime({ offset: true }).safeParse(value).success),
      "must be an ISO date (2026-11-01) or date-time (2026-11-01T09:00:00Z)",
    )
    .transform((value) => (DATE_ONLY.test(value) ? new Date(`${value}T${edge === "start" ? "00:00:00.000" : "23:59:59.999"}Z`) : new Date(value)));

const ids = (what: string) =>
  z
    .array(z.string({ error: `each ${what} must be a string` }).trim().min(1, `each ${what} must be a non-empty string`).max(200, `each ${what} must be at most 200 characters`), {
      error: `must be an array of ${what} ids`,
    })
    .max(100, `at most 100 ${what}s`)
    .default([])
    .transform((list) => [...new Set(list)]);

export const backfillRequest = z
  .strictObject(
    {
      from: isoDate("start"),
      to: isoDate("end"),
      tracks: ids("track"),
      invites: ids("invite"),
    },
    { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : undefined) },
  )
  .superRefine((value, context) => {
    if (value.from > value.to) context.addIssue({ code: "custom", path: ["from"], message: "must not be after to" });
  });

export type BackfillRequest = z.infer<typeof backfillRequest>;

/**
 * Why a backfill cannot run now, or null. Refused with 409 (the request is fine, Cairn is not
 * connected yet) rather than queued to fail later.
 */
export function missingPrerequisite(apiKey: string | null, teamSlug: string | null): string | null {
  if (!apiKey) return "Cairn has no Instruqt API key: save one in Settings → Enrichment (enrichment itself may stay off) before starting a backfill.";
  if (!teamSlug) return "Cairn does not know your Instruqt team slug: set INSTRUQT_TEAM_SLUG before starting a backfill.";
  return null;
}

/** Records the request, queues its job (one transaction, audited) and wakes this instance's runner. */
export async function startBackfill(actor: Actor, input: unknown): Promise<{ id: string }> {
  const request = backfillRequest.parse(input);
  const problem = missingPrerequisite((await savedCredentials()).apiKey, await activeTeamSlug());
  if (problem) throw new AppError(409, "not_configured", problem);
  const id = randomUUID();
  await db().$transaction(async (tx) => {
    await tx.backfill.create({
      data: { id, from: request.from, to: request.to, tracks: request.tracks, invites: request.invites, requestedBy: actor.label },
    });
    await enqueueJob(tx, { kind: BACKFILL_JOB_KIND, key: id, payload: initialProgress(id) });
    await recordAudit(tx, actor, "backfill.started", id, {
      from: request.from.toISOString(),
      to: request.to.toISOString(),
      tracks: request.tracks,
      invites: request.invites,
    });
  });
  wakeJobRunner();
  return { id };
}

export type BackfillState = "pending" | "running" | "done" | "failed";

export interface BackfillStatus {
  id: string;
  status: BackfillState;
  pages_done: number;
  plays_seen: number;
  plays_added: number;
  error: string | null;
}

export interface BackfillSummary extends BackfillStatus {
  from: Date;
  to: Date;
  tracks: string[];
  invites: string[];
  requestedBy: string | null;
  createdAt: Date;
  totalItems: number | null;
  /** Instruqt's raw answer when it did not match the expected shape. */
  mismatch: unknown;
}

function progressOf(job: JobRow<Partial<BackfillProgress>> | null): Pick<BackfillStatus, "pages_done" | "plays_seen" | "plays_added"> & { totalItems: number | null } {
  const payload = job?.payload ?? {};
  const count = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : 0);
  return {
    pages_done: count(payload.pagesDone),
    plays_seen: count(payload.playsSeen),
    plays_added: count(payload.playsAdded),
    totalItems: typeof payload.totalItems === "number" ? payload.totalItems : null,
  };
}

/** The contract of GET /api/settings/backfill/[id]; the error is the job's last one unless it finished. */
export function statusOf(id: string, job: JobRow<Partial<BackfillProgress>> | null): BackfillStatus {
  const { pages_done, plays_seen, plays_added } = progressOf(job);
  const status = job?.status ?? "pending";
  return { id, status, pages_done, plays_seen, plays_added, error: status === "done" ? null : (job?.lastError ?? null) };
}

export async function backfillStatus(id: string): Promise<BackfillStatus> {
  if (!isUuid(id)) throw new AppError(400, "invalid_parameter", "id: is not a backfill id (a UUID)", "id");
  const row = await db().backfill.findUnique({ where: { id }, select: { id: true } });
  if (!row) throw notFound(`backfill ${id}`);
  return statusOf(id, await findJob<Partial<BackfillProgress>>(BACKFILL_JOB_KIND, id));
}

/** The newest backfills with their progress, for the settings page. */
export async function recentBackfills(limit = 20): Promise<BackfillSummary[]> {
  const rows = await db().backfill.findMany({ orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit });
  const jobs = await db().job.findMany({
    where: { kind: BACKFILL_JOB_KIND, key: { in: rows.map((row) => row.id) } },
    select: { key: true, payload: true, status: true, attempts: true, runAt: true, lastError: true, note: true, finishedAt: true, createdAt: true, updatedAt: true, id: true },
  });
  const byKey = new Map(jobs.map((job) => [job.key, job as JobRow<Partial<BackfillProgress>>]));
  return rows.map((row) => {
    const job = byKey.get(row.id) ?? null;
    return {
      ...statusOf(row.id, job),
      totalItems: progressOf(job).totalItems,
      from: row.from,
      to: row.to,
      tracks: row.tracks,
      invites: row.invites,
      requestedBy: row.requestedBy,
      createdAt: row.createdAt,
      mismatch: row.mismatch,
    };
  });
}
