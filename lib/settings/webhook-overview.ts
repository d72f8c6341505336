import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { eventTypes } from "@/lib/instruqt/events";
import { publicBaseUrl, webhookEndpointUrl } from "@/lib/webhooks/endpoint";
import { listActiveSecrets, MAX_GRACE_HOURS, type SecretView } from "./webhook-secrets";
import { testEventTargetUrl } from "./test-event";

/** Everything Settings → Webhook shows, for the page and for GET /api/settings/webhook. */

export interface WebhookOverview {
  endpoint: { url: string; source: "configured" | "request" } | null;
  secrets: SecretView[];
  defaultGraceHours: number;
  maxGraceHours: number;
  eventTypes: readonly string[];
  testTargets: { local: string; public: string | null };
  /** Requests refused in the last 24 hours, by reason: a wrong secret shows up here first. */
  refusedLastDay: { reason: string; count: number; lastSeenAt: Date }[];
  lastDelivery: { receivedAt: Date; type: string; outcome: string } | null;
}

export async function webhookOverview(headers: { get(name: string): string | null }): Promise<WebhookOverview> {
  const { CAIRN_PUBLIC_URL, CAIRN_SECRET_GRACE_HOURS } = env();
  const base = publicBaseUrl(CAIRN_PUBLIC_URL, headers);
  const since = new Date(Date.now() - 24 * 3_600_000);
  const [secrets, refused, last] = await Promise.all([
    listActiveSecrets(),
    db().refusedDelivery.groupBy({
      by: ["reason"],
      where: { hour: { gte: new Date(since.getTime() - 3_600_000) }, lastSeenAt: { gte: since } },
      _sum: { count: true },
      _max: { lastSeenAt: true },
    }),
    db().webhookEvent.findFirst({ orderBy: { receivedAt: "desc" }, select: { receivedAt: true, type: true, outcome: true } }),
  ]);
  return {
    endpoint: base ? { url: webhookEndpointUrl(base.url), source: base.source } : null,
    secrets,
    defaultGraceHours: CAIRN_SECRET_GRACE_HOURS,
    maxGraceHours: MAX_GRACE_HOURS,
    eventTypes,
    testTargets: { local: testEventTargetUrl("local"), public: CAIRN_PUBLIC_URL ? testEventTargetUrl("public") : null },
    refusedLastDay: refused
      .map((row) => ({ reason: row.reason, count: row._sum.count ?? 0, lastSeenAt: row._max.lastSeenAt ?? since }))
      .sort((a, b) => b.count - a.count),
    lastDelivery: last,
  };
}
