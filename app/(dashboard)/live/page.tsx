import type { Metadata } from "next";
import { LiveBoard } from "@/components/live-board";
import { PageHeader } from "@/components/page-header";
import { requireUser } from "@/lib/auth/guard";
import { listOpenAlerts } from "@/lib/alerts/open";
import { readBoard } from "@/lib/live/board";
import { parseLiveQuery, resolveLiveScope } from "@/lib/live/scope";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Live" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Who needs help right now (lib/live): rendered once, then kept current by the live stream. */
export default async function LivePage({ searchParams }: { searchParams: SearchParams }) {
  const { query } = parseLiveQuery(await searchParams);
  await requireUser({ callbackUrl: `/live${Object.keys(query).length > 0 ? `?${new URLSearchParams(query)}` : ""}` });
  const liveScope = await resolveLiveScope(query);
  const [board, alerts] = await Promise.all([readBoard(liveScope), listOpenAlerts(liveScope)]);
  const scope = [query.track ? `track ${query.track}` : null, query.invite ? `invite ${query.invite}` : null].filter(Boolean);
  return (
    <>
      <PageHeader
        title="Live"
        description={
          <>
            Who needs help right now{scope.length > 0 ? <> — <bdi>{scope.join(", ")}</bdi></> : null}: stuck, failing checks, a
            failed sandbox or idle, needs-help first. Alerts raised by the alert rules (Settings → Alerts) wait above the board until acknowledged.
          </>
        }
      />
      <LiveBoard initial={board.map((entry) => entry.play)} alerts={alerts} query={new URLSearchParams(query).toString()} />
    </>
  );
}
