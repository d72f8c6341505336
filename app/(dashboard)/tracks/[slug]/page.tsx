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
import { exportHref, funnelHref, pageQuery, parseTrackPageParams } from "@/lib/dashboard/page-params";
import { listPlays } from "@/lib/dashboard/plays";
import { PLAY_STATUSES, selectionOf } from "@/lib/plays/filter";
import { PLAY_STATUS_LABELS } from "@/lib/plays/labels";
import type { RawSearchParams } from "@/lib/dashboard/query-params";
import { trackFilterOptions, trackFunnel, type AttemptsBucket, type ChallengeStep } from "@/lib/dashboard/track-funnel";
import { findTrack, trackPath } from "@/lib/dashboard/tracks";
import { trackName } from "@/lib/catalogue/names";
import { shownChallengeTitles, trackCatalogue, type ChallengeCatalogueEntry } from "@/lib/catalogue/read";
import { TitlesForm, type ChallengeTitleRow } from "./titles-form";

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

const challengeName = (step: ChallengeStep, titles: Map<string, string>) => {
  const title = step.challengeId ? (titles.get(step.challengeId) ?? null) : null;
  return (
    <>
      {step.position}
      {title ? (
        <>
          {" · "}
          <OutsideText value={title} maxWidth="max-w-[14rem]" />
        </>
      ) : null}
      {step.challengeId ? (
        <>
          {" · "}
          <OutsideText value={step.challengeId} mono={Boolean(title)} maxWidth="max-w-[14rem]" className={title ? "text-xs text-slate-600" : ""} />
        </>
      ) : null}
    </>
  );
};
/** Every challenge the catalogue lists or plays reached, in track order, for the titles form. */
function titleRows(catalogue: ChallengeCatalogueEntry[], steps: ChallengeStep[]): ChallengeTitleRow[] {
  const rows = new Map<string, ChallengeTitleRow>();
  for (const step of steps) {
    if (step.challengeId) rows.set(step.challengeId, { challengeId: step.challengeId, position: step.position, catalogueTitle: null, displayTitle: null });
  }
  for (const challenge of catalogue) {
    const known = rows.get(challenge.challengeId);
    rows.set(challenge.challengeId, {
      challengeId: challenge.challengeId,
      position: known?.position ?? (challenge.index === null ? null : challenge.index + 1),
      catalogueTitle: challenge.title,
      displayTitle: challenge.displayTitle,
    });
  }
  return [...rows.values()].sort((a, b) => (a.position ?? Infinity) - (b.position ?? Infinity) || (a.challengeId < b.challengeId ? -1 : 1));
}

const bucketLabel = (bucket: AttemptsBucket) => `${bucket.failedBefore}${bucket.orMore ? "+" : ""}`;

export default async function TrackPage({ params, searchParams }: { params: Params; searchParams: Promise<RawSearchParams> }) {
  const user = await requireUser();
  const key = keyFrom((await params).slug);
  if (key.length === 0 || key.length > 300) notFound();
  const track = await findTrack(key);
  if (!track) notFound();

  const now = new Date();
  const pageParams = parseTrackPageParams(await searchParams);
  const { filter } = pageParams;
  const selection = await selectionOf(filter, { trackId: track.id });
  const [funnel, plays, options] = await Promise.all([
    trackFunnel(track, selection, now),
    listPlays({ filters: selection, sort: pageParams.sort, direction: pageParams.dir, page: pageParams.page, now }),
    trackFilterOptions(track.id),
  ]);
  const catalogue = await trackCatalogue(track.id);
  const titles = shownChallengeTitles(catalogue);
  const name = trackName({ id: track.id, slug: track.slug, title: catalogue.shownTitle });

  const pathname = trackPath(track.key);
  const query = pageQuery(pageParams);
  // The track of the path, then every filter of the page: the downloads hold exactly these plays.
  const exportFilter = { ...filter, track: track.key };
  const totalWorking = funnel.challenges.reduce((sum, step) => sum + step.working, 0);
  const totalGaveUp = funnel.challenges.reduce((sum, step) => sum + step.gaveUp, 0);
  const ofStarters = (count: number) => (funnel.starters > 0 ? count / funnel.starters : null);
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
        title={<LongText value={name.primary} limit={200} />}
        description={
          <>
            {catalogue.shownTitle && track.slug ? (
              <>
                <LongText value={track.slug} limit={200} mono />
                {" · "}
              </>
            ) : null}
            <LongText value={track.id} limit={200} mono />
            {track.totalChallenges !== null ? ` · ${track.totalChallenges} challenges` : ""}
          </>
        }
        actions={
          <>
            <LiveRefresh renderedAt={now.toISOString()} scope={{ track: track.id, invite: filter.invite }} />
            <Link
              href={`/live?${new URLSearchParams({ track: track.key, ...(filter.invite ? { invite: filter.invite } : {}) })}`}
              className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm text-indigo-800 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
            >
              Live board
            </Link>
            <DownloadLinks
              links={[
                { href: exportHref("progress", exportFilter), label: "Progress CSV" },
                { href: exportHref("challenges", exportFilter), label: "Challenges CSV" },
                { href: funnelHref(track.key, filter), label: "Funnel JSON" },
              ]}
            />
          </>
        }
      />
      <IgnoredParams problems={pageParams.problems} />
      <FilterForm action={pathname} label="Filter this track's plays" resetHref={pathname} hidden={{ sort: query.sort, dir: query.dir }}>
        <SelectField name="invite" label="Invite" value={filter.invite} options={options.invites.map((v) => ({ value: v, label: v }))} />
        <SelectField name="mode" label="Mode" value={filter.mode} options={options.modes.map((v) => ({ value: v, label: v }))} />
        <SelectField
          name="status"
          label="Status"
          value={filter.statuses?.length === 1 ? filter.statuses[0] : undefined}
          options={PLAY_STATUSES.map((status) => ({ value: status, label: PLAY_STATUS_LABELS[status] }))}
        />
        <DateField name="from" label="Active from (UTC)" value={filter.from} />
        <DateField name="to" label="Active until (UTC)" value={filter.to} />
        <SelectField
          name="param"
          label="Custom parameter"
          value={filter.param}
          options={options.customParameterKeys.map((v) => ({ value: v, label: v }))}
          anyLabel="None"
        />
        <TextField name="value" label="equals" value={filter.value} placeholder="Any value" className="w-32" />
      </FilterForm>

      <StatGrid label="This track">
        <StatCard label="Plays" value={formatNumber(funnel.plays)} detail={`${formatNumber(totalWorking)} working, ${formatNumber(totalGaveUp)} gave up`} />
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
              description="Per challenge: plays that reached it, completed it, are working on it, and gave up there (stopped, or no event for a while)."
              chart={
                <FunnelChart
                  data={funnel.challenges.map((step) => ({
                    label: `#${step.position}`,
                    reached: step.reached,
                    completed: step.completed,
                    working: step.working,
                    gaveUp: step.gaveUp,
                  }))}
                />
              }
              table={
                <ChartTable
                  caption="Challenge funnel"
                  headers={["Challenge", "Reached", "Completed", "Working", "Gave up"]}
                  rows={funnel.challenges.map((step) => [challengeName(step, titles), step.reached, step.completed, step.working, step.gaveUp])}
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
            description={`Every play is in one place: ${formatNumber(funnel.completed)} completed the track; each other play stands at its first challenge not completed, working there or gave up there (stopped, or no event for a while). Percentages are of the ${formatNumber(funnel.starters)} starters.`}
          >
            {reachedAny ? (
              <TableFrame caption="Challenges with where plays stand, time and attempts">
                <thead>
                  <tr>
                    <Th>Challenge</Th>
                    <Th numeric>Reached</Th>
                    <Th numeric>Completed</Th>
                    <Th numeric>Working</Th>
                    <Th numeric>Gave up</Th>
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
                        {step.challengeId && titles.get(step.challengeId) ? (
                          <OutsideText value={titles.get(step.challengeId)!} maxWidth="max-w-[14rem]" className="font-medium text-slate-900" block />
                        ) : null}
                        {step.challengeId ? (
                          <OutsideText value={step.challengeId} mono maxWidth="max-w-[14rem]" className="text-xs text-slate-600" />
                        ) : null}
                      </Td>
                      <Td numeric label="Reached">{formatNumber(step.reached)}</Td>
                      <Td numeric label="Completed">{formatNumber(step.completed)}</Td>
                      <Td numeric label="Working">
                        {formatNumber(step.working)} <span className="text-xs text-slate-600">({formatRate(ofStarters(step.working))})</span>
                      </Td>
                      <Td numeric label="Gave up" className={(ofStarters(step.gaveUp) ?? 0) >= 0.1 ? "font-semibold text-rose-700" : ""}>
                        {formatNumber(step.gaveUp)}{" "}
                        <span className="text-xs font-normal text-slate-600">({formatRate(ofStarters(step.gaveUp))})</span>
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
                      {step.challengeId && titles.get(step.challengeId) ? (
                        <>
                          {" · "}
                          <OutsideText value={titles.get(step.challengeId)!} maxWidth="max-w-[16rem]" className="font-medium text-slate-900" />
                        </>
                      ) : null}
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

      {user.role === "admin" ? (
        <Section id="titles" title="Titles" description="Titles shown for this track and its challenges. Instruqt's come from the catalogue (Settings → Enrichment); a title set here wins and no refresh overwrites it. Leave a field empty to show Instruqt's again.">
          <TitlesForm
            trackKey={track.key}
            track={{ catalogueTitle: catalogue.title, displayTitle: catalogue.displayTitle }}
            challenges={titleRows(catalogue.challenges, funnel.challenges)}
          />
        </Section>
      ) : null}

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
