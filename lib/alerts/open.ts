import { db, Prisma } from "@/lib/db/client";
import { notFound } from "@/lib/http/errors";
import { isUuid } from "@/lib/http/ids";
import { DISPLAY_IDENTITY_SQL, identityJoins } from "@/lib/learners/display-identity";
import type { LiveScope } from "@/lib/live/board";
import type { LivePlay } from "@/lib/live/play";
import type { AlertKind } from "./kinds";

/**
 * The open alerts instructors see on /live (GET /api/alerts): not resolved and not acknowledged,
 * newest first. Acknowledging one takes it off the list; it stays open (and so does not notify
 * again) until its condition ends.
 */

/** An open alert as GET /api/alerts lists it: the play as the live board names it, and why. */
export type OpenAlert = Pick<
  LivePlay,
  | "participant_id"
  | "user_id"
  | "first_name"
  | "last_name"
  | "email"
  | "track_id"
  | "track_slug"
  | "track_title"
  | "challenge_number"
  | "challenge_id"
  | "challenge_title"
> & {
  id: string;
  rule_id: string;
  kind: AlertKind;
  detail: string;
  opened_at: string;
};

/** At most this many are listed (the count says how many there are). */
export const OPEN_ALERTS_LIMIT = 100;

/** The live board's scope rule (lib/live/stream.ts inScope) on the alert's play. */
function scopeSql(scope: LiveScope): Prisma.Sql {
  const conditions: Prisma.Sql[] = [];
  if (scope.trackId === null) {
    conditions.push(scope.trackKey === undefined ? Prisma.sql`FALSE` : Prisma.sql`(p.track_id = ${scope.trackKey} OR p.track_slug = ${scope.trackKey})`);
  } else if (scope.trackId !== undefined) {
    conditions.push(Prisma.sql`p.track_id = ${scope.trackId}`);
  }
  if (scope.inviteId !== undefined) conditions.push(Prisma.sql`p.invite_id = ${scope.inviteId}`);
  return conditions.length === 0 ? Prisma.sql`TRUE` : Prisma.join(conditions, " AND ");
}

export async function listOpenAlerts(scope: LiveScope = {}): Promise<{ count: number; alerts: OpenAlert[] }> {
  const rows = await db().$queryRaw<
    { id: string; rule_id: string; kind: AlertKind; detail: string; opened_at: Date; facts: LivePlay; participant_id: string; first_name: string | null; last_name: string | null; email: string | null; total: number }[]
  >`
    SELECT a.id::text AS id, a.rule_id::text AS rule_id, a.kind::text AS kind, a.detail, a.opened_at, a.facts, a.participant_id,
           ${Prisma.raw(DISPLAY_IDENTITY_SQL.firstName)} AS first_name, ${Prisma.raw(DISPLAY_IDENTITY_SQL.lastName)} AS last_name,
           ${Prisma.raw(DISPLAY_IDENTITY_SQL.email)} AS email,
           count(*) OVER ()::int AS total
    FROM alert a
    LEFT JOIN participant p ON p.id = a.participant_id
    ${Prisma.raw(identityJoins("(a.facts->>'user_id')"))}
    WHERE a.resolved_at IS NULL AND a.acknowledged_at IS NULL AND ${scopeSql(scope)}
    ORDER BY a.opened_at DESC, a.id
    LIMIT ${OPEN_ALERTS_LIMIT}`;
  return {
    count: rows[0]?.total ?? 0,
    alerts: rows.map((row) => ({
      id: row.id,
      rule_id: row.rule_id,
      kind: row.kind,
      detail: row.detail,
      opened_at: row.opened_at.toISOString(),
      participant_id: row.participant_id,
      user_id: row.facts.user_id ?? null,
      first_name: row.first_name,
      last_name: row.last_name,
      email: row.email,
      track_id: row.facts.track_id ?? null,
      track_slug: row.facts.track_slug ?? null,
      track_title: row.facts.track_title ?? null,
      challenge_number: row.facts.challenge_number ?? null,
      challenge_id: row.facts.challenge_id ?? null,
      challenge_title: row.facts.challenge_title ?? null,
    })),
  };
}

/** Marks an alert seen by `who`; acknowledging it again changes nothing (the first one is kept). */
export async function acknowledgeAlert(who: string, id: string): Promise<{ id: string; acknowledged_at: string; acknowledged_by: string | null }> {
  if (!isUuid(id)) throw notFound("An alert with this id");
  await db().alert.updateMany({ where: { id, acknowledgedAt: null }, data: { acknowledgedAt: new Date(), acknowledgedBy: who } });
  const alert = await db().alert.findUnique({ where: { id }, select: { id: true, acknowledgedAt: true, acknowledgedBy: true } });
  if (!alert?.acknowledgedAt) throw notFound("An alert with this id");
  return { id: alert.id, acknowledged_at: alert.acknowledgedAt.toISOString(), acknowledged_by: alert.acknowledgedBy };
}
