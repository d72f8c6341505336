import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ChartFigure, ChartTable } from "@/components/chart-figure";
import { splitFirstTry } from "@/components/chart-data";
import { AttemptsChart } from "@/components/charts/attempts-chart";
import { FunnelChart } from "@/components/charts/funnel-chart";
import { EmptyState } from "@/components/connect-instruqt";
import { TableFrame, Td, Th } from "@/components/data-table";
import { DownloadLinks } from "@/components/download-links";
import { DateField, FilterForm, SelectField, TextField } from "@/components/filter-form";
import { formatDuration, formatNumber, formatRate } from "@/components/format";
import { IgnoredParams } from "@/components/ignored-params";
import { LiveRefresh } from "@/components/live-refresh";
import { isolate, LongText, OutsideText } from "@/components/outside-text";
import { PageHeader, Section } from "@/components/page-header";
import { PlaysTable } from "@/components/plays-table";
import { StatCard, StatGrid } from "@/components/stat-card";
import { requireUser } from "@/lib/auth/guard";
import { exportHref, parseTrackPageParams, trackPageFilters } from "@/lib/dashboard/page-params";
import { PLAY_STATUSES, PLAY_STATUS_LABELS } from "@/lib/dashboard/play-filters";
import { listPlays } from "@/lib/dashboard/plays";
import type { RawSearchParams } from "@/lib/dashboard/query-params";
import { trackFilterOptions, trackFunnel, type AttemptsBucket, type ChallengeStep } from "@/lib/dashboard/track-funnel";
import { findTrack, trackPath } from "@/lib/dashboard/tracks";

export const dynamic = "force-dynamic";

type Params = Promise<{ slug: string }>;

function keyFrom(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Track ${isolate(keyFrom((await params).slug).slice(0, 80))}` };
}

const challengeName = (step: ChallengeStep) => (
  <>
    {step.position}
    {step.challengeId ? (
      <>
        {" · "}
        <OutsideText value={step.challengeId} maxWidth="max-w-[14rem]" />
      </>
    ) : null}
  </>
);
const bucketLabel = (bucket: AttemptsBucket) => `${bucket.failedBefore}${bucket.orMore ? "+" : ""}`;

export default async function TrackPage({ params, searchParams }: { params: Params; searchParams: Promise<RawSearchParams> }) {
  await requireUser();
  const key = keyFrom((await params).slug);
  if (key.length === 0 || key.length > 300) notFound();
  const track = await findTrack(key);
  if (!track) notFound();

  const now = new Date();
  const { values, ignored } = parseTrackPageParams(await searchParams);
  const filters = trackPageFilters(values);
  const [funnel, plays, options] = await Promise.all([
    trackFunnel(track, filters),
    listPlays({ filters: { ...filters, trackId: track.id }, sort: values.sort, direction: values.dir, page: values.page }),
    trackFilterOptions(track.id),
  ]);

  const pathname = trackPath(track.key);
  const query = {
    invite: values.invite,
    status: values.status,
    mode: values.mode,
    param: values.param,
    value: values.value,
    from: values.from,
    to: values.to,
    sort: values.sort === "activity" ? undefined : values.sort,
    dir: values.dir === "desc" ? undefined : values.dir,
  };
  const exportFilters = { track: track.key, invite: values.invite, status: values.status, from: values.from, to: values.to };
  const exportNote =
    values.mode !== undefined || values.param !== undefined
      ? "Downloads apply track, invite, status and dates; not mode or custom parameters."
      : undefined;
  const reachedAny = funnel.challenges.some((step) => step.reached > 0);
  const attempts = splitFirstTry(funnel.attemptsBeforeSuccess);

  return (
    <>
      <PageHeader
        eyebrow={
          <Link href="/tracks" className="text-indigo-800 hover:underline">
            ← Tracks
          </Link>
        }
        title={<LongText value={track.slug ?? track.id} limit={200} />}
        description={
          <>
            <LongText value={track.id} limit={200} mono />
            {track.totalChallenges !== null ? ` · ${track.totalChallenges} challenges` : ""}
          </>
        }
        actions={
          <>
            <LiveRefresh renderedAt={now.toISOString()} />
            <DownloadLinks
              links={[
                { href: exportHref("progress", exportFilters), label: "Progress CSV" },
                { href: exportHref("challenges", exportFilters), label: "Challenges CSV" },
              ]}
              note={exportNote}
            />
          </>
        }
      />
      <IgnoredParams names={ignored} />
      <FilterForm action={pathname} label="Filter this track's plays" resetHref={pathname} hidden={{ sort: query.sort, dir: query.dir }}>
        <SelectField name="invite" label="Invite" value={values.invite} options={options.invites.map((v) => ({ value: v, label: v }))} />
        <SelectField name="mode" label="Mode" value={values.mode} options={options.modes.map((v) => ({ value: v, label: v }))} />
        <SelectField
          name="status"
          label="Status"
          value={values.status}
          options={PLAY_STATUSES.map((status) => ({ value: status, label: PLAY_STATUS_LABELS[status] }))}
        />
        <DateField name="from" label="Active from (UTC)" value={values.from} />
        <DateField name="to" label="Active until (UTC)" value={values.to} />
        <SelectField
          name="param"
          label="Custom parameter"
          value={values.param}
          options={options.customParameterKeys.map((v) => ({ value: v, label: v }))}
          anyLabel="None"
        />
        <TextField name="value" label="equals" value={values.value} placeholder="Any value" className="w-32" />
      </FilterForm>

      <StatGrid label="This track">
        <StatCard label="Plays" value={formatNumber(funnel.plays)} detail={`${formatNumber(funnel.inProgress + funnel.started)} still going`} />
        <StatCard label="Completions" value={formatNumber(funnel.completions)} detail={`${formatNumber(funnel.stopped)} stopped`} />
        <StatCard label="Completion rate" value={formatRate(funnel.completionRate)} />
        <StatCard label="Median time to complete" value={formatDuration(funnel.medianCompletionSeconds)} />
      </StatGrid>

      {funnel.plays === 0 ? (
        <div className="mt-8">
          <EmptyState title="No play of this track matches these filters">Reset the filters to see every play.</EmptyState>
        </div>
      ) : (
        <>
          <div className="mt-8 grid gap-6 xl:grid-cols-2">
            <ChartFigure
              id="funnel"
              title="Challenge funnel"
              description="Per challenge: plays that reached it and plays that completed it."
              chart={
                <FunnelChart
                  data={funnel.challenges.map((step) => ({ label: `#${step.position}`, reached: step.reached, completed: step.completed }))}
                />
              }
              table={
                <ChartTable
                  caption="Challenge funnel"
                  headers={["Challenge", "Reached", "Completed"]}
                  rows={funnel.challenges.map((step) => [challengeName(step), step.reached, step.completed])}
                />
              }
            />
            <ChartFigure
              id="attempts"
              title="Failed attempts before success"
              description={
                attempts.total === 0
                  ? "No challenge completed yet."
                  : `${formatNumber(attempts.firstTry)} of ${formatNumber(attempts.total)} completed challenges (${formatRate(attempts.firstTry / attempts.total)}) passed at the first check. The bars show the rest: how many failed checks came first.`
              }
              chart={
                attempts.rest.some((bucket) => bucket.challenges > 0) ? (
                  <AttemptsChart data={attempts.rest.map((bucket) => ({ label: bucketLabel(bucket), challenges: bucket.challenges }))} />
                ) : (
                  <p className="py-6 text-center text-sm text-slate-600" data-testid="attempts-none-failed">
                    {attempts.total === 0 ? "Nothing to show yet." : "Every completed challenge passed at its first check."}
                  </p>
                )
              }
              table={
                <ChartTable
                  caption="Failed attempts before success"
                  headers={["Failed attempts first", "Completed challenges"]}
                  rows={funnel.attemptsBeforeSuccess.map((bucket) => [bucketLabel(bucket), bucket.challenges])}
                />
              }
            />
          </div>

          <Section
            id="challenges"
            title="Where learners get stuck"
            description="Drop-off: plays that reached a challenge and have not completed it (still working, or gone)."
          >
            {reachedAny ? (
              <TableFrame caption="Challenges with drop-off, time and attempts">
                <thead>
                  <tr>
                    <Th>Challenge</Th>
                    <Th numeric>Reached</Th>
                    <Th numeric>Completed</Th>
                    <Th numeric>Drop-off</Th>
                    <Th numeric>Skipped</Th>
                    <Th numeric>Median time in challenge</Th>
                    <Th numeric>Attempts</Th>
                    <Th numeric>Failed attempts</Th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {funnel.challenges.map((step) => (
                    <tr key={step.index} data-challenge-index={step.index}>
                      <Td label="Challenge">
                        <span className="font-medium text-slate-900">#{step.position}</span>{" "}
                        {step.challengeId ? (
                          <OutsideText value={step.challengeId} mono maxWidth="max-w-[14rem]" className="text-xs text-slate-600" />
                        ) : null}
                      </Td>
                      <Td numeric label="Reached">{formatNumber(step.reached)}</Td>
                      <Td numeric label="Completed">{formatNumber(step.completed)}</Td>
                      <Td numeric label="Drop-off" className={step.dropOffRate !== null && step.dropOffRate >= 0.25 ? "font-semibold text-rose-700" : ""}>
                        {formatNumber(step.dropOff)} <span className="text-xs font-normal text-slate-600">({formatRate(step.dropOffRate)})</span>
                      </Td>
                      <Td numeric label="Skipped">{formatNumber(step.skipped)}</Td>
                      <Td numeric label="Median time">{formatDuration(step.medianSecondsToComplete)}</Td>
                      <Td numeric label="Attempts">{formatNumber(step.attempts)}</Td>
                      <Td numeric label="Failed attempts">{formatNumber(step.failedAttempts)}</Td>
                    </tr>
                  ))}
                </tbody>
              </TableFrame>
            ) : (
              <EmptyState title="No challenge started yet" />
            )}
          </Section>

          <Section id="most-failed" title="Most failed challenges" description="Where checks fail most: sum of failed attempts.">
            {funnel.mostFailed.length > 0 ? (
              <ol className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white shadow-sm">
                {funnel.mostFailed.map((step) => (
                  <li key={step.index} className="flex flex-wrap items-baseline justify-between gap-2 px-3 py-2 text-sm">
                    <span className="min-w-0">
                      <span className="font-medium text-slate-900">Challenge {step.position}</span>
                      {step.challengeId ? (
                        <>
                          {" · "}
                          <OutsideText value={step.challengeId} maxWidth="max-w-[16rem]" className="font-medium text-slate-900" />
                        </>
                      ) : null}
                    </span>
                    <span className="text-slate-700">
                      <strong className="tabular-nums text-rose-700">{formatNumber(step.failedAttempts)}</strong> failed attempts by{" "}
                      {formatNumber(step.playsWithFailures)} play{step.playsWithFailures === 1 ? "" : "s"}
                    </span>
                  </li>
                ))}
              </ol>
            ) : (
              <EmptyState title="No failed attempts" />
            )}
          </Section>
        </>
      )}

      <Section id="plays" title="Plays" description="Every play of this track with its status and progress.">
        {plays.total > 0 ? (
          <PlaysTable result={plays} pathname={pathname} query={query} now={now} showTrack={false} caption="Plays of this track" />
        ) : (
          <EmptyState title="No plays" />
        )}
      </Section>
    </>
  );
}
