import { db, Prisma } from "@/lib/db/client";
import { challengeTitleSql, trackTitleSql } from "@/lib/catalogue/titles";
import type { ActivityWindow } from "./time-window";
import type { RefusedDelivery, WebhookEvent } from "@/lib/generated/prisma/client";
import { EventOutcome } from "@/lib/generated/prisma/enums";

/**
 * The delivery log: every stored event as received, newest first, test deliveries included (and
 * marked), with what became of it; and the requests refused before they became events, counted
 * per hour and reason in `refused_delivery`.
 */

export const EVENT_OUTCOMES = Object.values(EventOutcome) as [EventOutcome, ...EventOutcome[]];
export type { EventOutcome };

export const OUTCOME_LABELS: Record<EventOutcome, string> = {
  projected: "Projected",
  unknown_type: "Unknown type",
  invalid_payload: "Invalid payload",
  test: "Test",
};

export const DELIVERY_PAGE_SIZE = 50;
/** Payloads can be up to 1 MiB; a page shows this much of each and links to the whole. */
export const PAYLOAD_PREVIEW_CHARS = 20_000;

export interface DeliveryLogParams {
  type?: string;
  outcome?: EventOutcome;
  /** By received_at: when Cairn stored it. */
  window?: ActivityWindow;
  /** Keyset cursor: only events with a smaller id (older). */
  before?: bigint;
  pageSize?: number;
}

/**
 * One stored event as the log shows it: the columns typed from the generated client's
 * `WebhookEvent` (not restated) and selected under those names, so raw rows need no mapper.
 */
export type DeliveryRow = Pick<
  WebhookEvent,
  | "svixId"
  | "type"
  | "outcome"
  | "occurredAt"
  | "timestampRaw"
  | "receivedAt"
  | "participantId"
  | "userId"
  | "trackId"
  | "inviteId"
  | "challengeId"
  | "error"
> & {
  /** The bigint id as text (JSON and URLs). */
  id: string;
  /** Shown titles of the event's track and challenge (lib/catalogue/titles.ts), or null. */
  trackTitle: string | null;
  challengeTitle: string | null;
  /** Pretty-printed JSON, cut at PAYLOAD_PREVIEW_CHARS. */
  payloadPreview: string;
  payloadTruncated: boolean;
};

export interface DeliveryLogPage {
  rows: DeliveryRow[];
  /** Cursor of the next (older) page, or null at the end. */
  nextBefore: string | null;
}

function deliveryConditions(params: DeliveryLogParams): Prisma.Sql {
  const conditions: Prisma.Sql[] = [];
  if (params.type !== undefined) conditions.push(Prisma.sql`e.type = ${params.type}`);
  if (params.outcome !== undefined) conditions.push(Prisma.sql`e.outcome = ${params.outcome}::"EventOutcome"`);
  if (params.window?.start) conditions.push(Prisma.sql`e.received_at >= ${params.window.start}`);
  if (params.window?.end) conditions.push(Prisma.sql`e.received_at < ${params.window.end}`);
  if (params.before !== undefined) conditions.push(Prisma.sql`e.id < ${params.before}`);
  return conditions.length === 0 ? Prisma.sql`TRUE` : Prisma.join(conditions, " AND ");
}

// Pretty-printing happens after the page is cut (in the outer query), so a filtered scan that
// sorts its matches does not print every matching payload first.
const rowColumns = (previewChars: number) => Prisma.sql`
  e.id::text AS "id", e.svix_id AS "svixId", e.type AS "type", e.outcome::text AS "outcome",
  e.occurred_at AS "occurredAt", e.timestamp_raw AS "timestampRaw", e.received_at AS "receivedAt",
  e.participant_id AS "participantId", e.user_id AS "userId", e.track_id AS "trackId",
  e.invite_id AS "inviteId", e.challenge_id AS "challengeId", e.error AS "error",
  CASE WHEN e.track_id IS NULL THEN NULL ELSE ${trackTitleSql(Prisma.sql`e.track_id`)} END AS "trackTitle",
  CASE WHEN e.challenge_id IS NULL THEN NULL ELSE ${challengeTitleSql(Prisma.sql`e.track_id`, Prisma.sql`e.challenge_id`)} END AS "challengeTitle",
  left(j.pretty, ${previewChars}::int) AS "payloadPreview",
  length(j.pretty) > ${previewChars}::int AS "payloadTruncated"`;

/**
 * Ordered by id, which follows insertion: received_at can tie (bulk imports share one now()),
 * and a keyset on the primary key stays one index walk however deep the page.
 */
export function deliveryLogQuery(params: DeliveryLogParams): Prisma.Sql {
  const limit = (params.pageSize ?? DELIVERY_PAGE_SIZE) + 1;
  return Prisma.sql`
    SELECT ${rowColumns(PAYLOAD_PREVIEW_CHARS)}
    FROM (
      SELECT * FROM webhook_event e
      WHERE ${deliveryConditions(params)}
      ORDER BY e.id DESC
      LIMIT ${limit}
    ) e
    CROSS JOIN LATERAL (SELECT jsonb_pretty(e.payload) AS pretty) j
    ORDER BY e.id DESC`;
}

export async function deliveryLog(params: DeliveryLogParams = {}): Promise<DeliveryLogPage> {
  const pageSize = params.pageSize ?? DELIVERY_PAGE_SIZE;
  const rows = await db().$queryRaw<DeliveryRow[]>(deliveryLogQuery({ ...params, pageSize }));
  const page = rows.slice(0, pageSize);
  return { rows: page, nextBefore: rows.length > pageSize ? (page.at(-1)?.id ?? null) : null };
}

// A 1 MiB payload pretty-printed with deep nesting can grow several times; this is "no limit".
const WHOLE_PAYLOAD_CHARS = 64 * 1024 * 1024;

/** One stored event with its whole payload. */
export async function deliveryEvent(id: bigint): Promise<DeliveryRow | null> {
  const rows = await db().$queryRaw<DeliveryRow[]>`
    SELECT ${rowColumns(WHOLE_PAYLOAD_CHARS)}
    FROM webhook_event e CROSS JOIN LATERAL (SELECT jsonb_pretty(e.payload) AS pretty) j
    WHERE e.id = ${id}`;
  return rows[0] ?? null;
}

/**
 * Every event type stored so far, known or not, for the type filter. A loose index scan over
 * (type, received_at): one index probe per distinct type instead of a pass over every event.
 */
export async function eventTypesSeen(limit = 200): Promise<string[]> {
  const rows = await db().$queryRaw<{ type: string }[]>`
    WITH RECURSIVE types AS (
      (SELECT type FROM webhook_event ORDER BY type LIMIT 1)
      UNION ALL
      SELECT (SELECT w.type FROM webhook_event w WHERE w.type > types.type ORDER BY w.type LIMIT 1)
      FROM types WHERE types.type IS NOT NULL
    )
    SELECT type FROM types WHERE type IS NOT NULL LIMIT ${limit}`;
  return rows.map((row) => row.type);
}

export const REFUSED_WINDOWS = { "24h": 24, "7d": 24 * 7, "30d": 24 * 30 } as const;
export type RefusedWindow = keyof typeof REFUSED_WINDOWS;

export type RefusedCount = Pick<RefusedDelivery, "reason" | "count" | "lastSeenAt">;

/** Refused requests per reason over the last `hours` hours (whole hours, as they are counted). */
export async function refusedDeliveries(hours: number, now = new Date()): Promise<RefusedCount[]> {
  const currentHour = new Date(now);
  currentHour.setUTCMinutes(0, 0, 0);
  const since = new Date(currentHour.getTime() - (hours - 1) * 3_600_000);
  return db().$queryRaw<RefusedCount[]>`
    SELECT reason, sum(count)::int AS "count", max(last_seen_at) AS "lastSeenAt"
    FROM refused_delivery
    WHERE hour >= ${since}
    GROUP BY reason
    ORDER BY count DESC, reason`;
}
