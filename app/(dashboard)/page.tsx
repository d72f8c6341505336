import type { Metadata } from "next";
import Link from "next/link";
import { ChartFigure, ChartTable } from "@/components/chart-figure";
import { fromFirstActiveDay } from "@/components/chart-data";
import { EventsPerDayChart } from "@/components/charts/events-per-day-chart";
import { ConnectInstruqt, EmptyState } from "@/components/connect-instruqt";
import { formatDay, formatNumber, formatRate } from "@/components/format";
import { LiveRefresh } from "@/components/live-refresh";
import { PageHeader, Section } from "@/components/page-header";
import { RecentActivity } from "@/components/recent-activity";
import { StatCard, StatGrid } from "@/components/stat-card";
import { TrackTable } from "@/components/track-table";
import { requireUser } from "@/lib/auth/guard";
import { ACTIVE_WINDOW_MINUTES, EVENTS_PER_DAY_DAYS, overview } from "@/lib/dashboard/overview";
import type { RawSearchParams } from "@/lib/dashboard/query-params";
import { webhookEndpointUrl } from "@/lib/dashboard/webhook-endpoint";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const user = await requireUser();
  const now = new Date();
  // Recent activity hides environment set-up and clean-up unless asked (?housekeeping=1).
  const housekeeping = (await searchParams).housekeeping === "1";
  const data = await overview(now, { housekeeping });
  const eventsInPeriod = data.eventsPerDay.reduce((sum, day) => sum + day.events, 0);
  const chartDays = fromFirstActiveDay(data.eventsPerDay);
  const chartTitle =
    chartDays.length === data.eventsPerDay.length
      ? `Events per day, last ${EVENTS_PER_DAY_DAYS} days`
      : `Events per day since ${formatDay(chartDays[0]!.day)}`;

  return (
    <>
      <PageHeader
        title="Overview"
        description="Who is where, where learners get stuck, who finished: across every track."
        actions={
          <>
            <LiveRefresh renderedAt={now.toISOString()} />
            <Link
              href="/live"
              className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm text-indigo-800 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
            >
              Live board
            </Link>
          </>
        }
      />

      {data.plays === 0 ? (
        <div className="mb-8">
          <ConnectInstruqt endpointUrl={await webhookEndpointUrl()} isAdmin={user.role === "admin"} />
          {data.anyDelivery ? (
            <p className="mt-3 text-sm text-slate-700">
              Deliveries have arrived, but none of them is a learner&apos;s play yet (test events are never counted). See
              the{" "}
              <Link href="/events" className="text-indigo-800 underline">
                delivery log
              </Link>
              .
            </p>
          ) : null}
        </div>
      ) : null}

      <StatGrid label="Totals">
        <StatCard label="Learners" value={formatNumber(data.learners)} detail="Instruqt users seen in any event" />
        <StatCard
          label="Plays"
          value={formatNumber(data.plays)}
          detail={`${formatNumber(data.activeNow)} active in the last ${ACTIVE_WINDOW_MINUTES} min`}
        />
        <StatCard label="Completions" value={formatNumber(data.completions)} detail="Plays that completed their track" />
        <StatCard label="Completion rate" value={formatRate(data.completionRate)} detail="Completions ÷ plays" />
      </StatGrid>

      <div className="mt-8 grid gap-8 xl:grid-cols-3">
        <div className="min-w-0 xl:col-span-2">
          <ChartFigure
            id="events-per-day"
            title={chartTitle}
            description={`${formatNumber(eventsInPeriod)} events in the last ${EVENTS_PER_DAY_DAYS} days, by when they happened (UTC days); test deliveries excluded.`}
            chart={<EventsPerDayChart data={chartDays} />}
            table={
              <ChartTable
                caption="Events per day"
                headers={["Day (UTC)", "Events"]}
                rows={chartDays.map((day) => [`${formatDay(day.day)} (${day.day})`, formatNumber(day.events)])}
              />
            }
          />
        </div>
        <div className="min-w-0">
          <Section
            id="recent"
            title="Recent activity"
            description={housekeeping ? "Every event, environment set-up and clean-up included." : "What learners did; environment set-up and clean-up hidden."}
            actions={
              <Link
                href={housekeeping ? "/" : "/?housekeeping=1"}
                className="text-sm text-indigo-800 underline hover:text-indigo-950"
                data-testid="housekeeping-toggle"
              >
                {housekeeping ? "Hide set-up and clean-up" : "Show set-up and clean-up"}
              </Link>
            }
          >
            {data.recent.length > 0 ? (
              <RecentActivity events={data.recent} now={now} />
            ) : (
              <EmptyState title="Nothing yet">Learner events show up here as they arrive.</EmptyState>
            )}
          </Section>
        </div>
      </div>

      <div className="mt-8">
        <Section id="tracks" title="Tracks" description="Every play is one start; median time runs from start to completion.">
          {data.tracks.length > 0 ? (
            <TrackTable tracks={data.tracks} now={now} caption="Tracks with starts, completions and median time" />
          ) : (
            <EmptyState title="No tracks yet">Tracks appear with their first play.</EmptyState>
          )}
        </Section>
      </div>
    </>
  );
}
