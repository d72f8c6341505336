import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { FlagBadge, StatusBadge } from "@/components/badges";
import { SourceBadge } from "@/components/source-badge";
import { EmptyState } from "@/components/connect-instruqt";
import { DownloadLinks } from "@/components/download-links";
import { formatDateTime, formatDuration, learnerLabel } from "@/components/format";
import { describeSources, IdentityDetails } from "@/components/learner-identity";
import { isolate, LongText, OutsideText } from "@/components/outside-text";
import { titled } from "@/lib/catalogue/names";
import { PageHeader, Section } from "@/components/page-header";
import { ProgressBar } from "@/components/progress-bar";
import { ProgressStrip, ProgressStripLegend } from "@/components/progress-strip";
import { Timeline } from "@/components/timeline";
import { requireUser } from "@/lib/auth/guard";
import { learnerDetail, TIMELINE_LIMIT, type LearnerPlay } from "@/lib/dashboard/learner-detail";
import { exportHref } from "@/lib/dashboard/page-params";
import { trackPath } from "@/lib/dashboard/tracks";

export const dynamic = "force-dynamic";

type Params = Promise<{ userId: string }>;

/** Instruqt user ids are opaque strings; a route segment arrives percent-encoded or not. */
function userIdFrom(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Learner ${isolate(userIdFrom((await params).userId).slice(0, 80))}` };
}

export default async function LearnerPage({ params }: { params: Params }) {
  await requireUser();
  const userId = userIdFrom((await params).userId);
  if (userId.length === 0 || userId.length > 300) notFound();
  const learner = await learnerDetail(userId);
  if (!learner) notFound();

  const name = learnerLabel(learner);
  const sandboxFailures = learner.plays.reduce((sum, play) => sum + play.sandboxFailures, 0);

  return (
    <>
      <PageHeader
        eyebrow={
          <Link href="/learners" className="text-indigo-800 hover:underline">
            ← Learners
          </Link>
        }
        title={<LongText value={name} limit={200} />}
        description={
          <>
            {name !== learner.userId ? <LongText value={learner.userId} limit={200} mono /> : null}
            {learner.email && learner.email !== name ? (
              <>
                {" · "}
                <LongText value={learner.email} limit={200} />
              </>
            ) : null}
            <span className="mt-1 block text-xs text-slate-600">
              {describeSources(learner)
                ? `${isolate(capitalize(describeSources(learner)!))}${learner.enrichedAt ? ` (enriched ${formatDateTime(learner.enrichedAt)})` : ""}.`
                : "Not identified: Instruqt's webhooks carry no name or email; enrichment adds them for learners who claimed an invite, and identity parameters (Settings → Identity) from custom parameters."}
            </span>
            <IdentityDetails identity={{ ...learner, nameSource: null, emailSource: null }} className="mt-1" />
          </>
        }
        actions={
          <DownloadLinks links={[{ href: exportHref("progress", { user: learner.userId }), label: "Progress CSV" }]} />
        }
      />

      <dl className="mb-6 grid grid-cols-2 gap-3 text-sm sm:grid-cols-4" aria-label="Summary">
        <Fact label="Plays" value={String(learner.plays.length)} />
        <Fact label="Completed" value={String(learner.plays.filter((play) => play.status === "completed").length)} />
        <Fact label="First seen" value={formatDateTime(learner.firstSeenAt)} />
        <Fact label="Last seen" value={formatDateTime(learner.lastSeenAt)} />
      </dl>

      {sandboxFailures > 0 || learner.reviews.length > 0 ? (
        <div className="mb-6 flex flex-wrap gap-2" aria-label="Flags">
          {sandboxFailures > 0 ? (
            <FlagBadge tone="danger">
              {sandboxFailures} sandbox failure{sandboxFailures === 1 ? "" : "s"}
            </FlagBadge>
          ) : null}
          {learner.reviews.length > 0 ? (
            <FlagBadge tone="info">
              {learner.reviews.length} review{learner.reviews.length === 1 ? "" : "s"}
            </FlagBadge>
          ) : null}
        </div>
      ) : null}

      <Section id="plays" title="Plays" description="One card per track run, newest activity first." actions={<ProgressStripLegend />}>
        {learner.plays.length > 0 ? (
          <ul className="grid gap-3 lg:grid-cols-2">
            {learner.plays.map((play) => (
              <PlayCard key={play.participantId} play={play} />
            ))}
          </ul>
        ) : (
          <EmptyState title="No plays">This learner has events (an invite claim or a review) but has not started a track.</EmptyState>
        )}
      </Section>

      {learner.reviews.length > 0 ? (
        <Section id="reviews" title="Reviews">
          <ul className="space-y-2">
            {learner.reviews.map((review) => (
              <li key={review.id} className="rounded-lg border border-indigo-200 bg-indigo-50/50 p-3 text-sm">
                <p className="font-medium text-slate-900">
                  {review.score !== null ? `Score ${review.score}` : "No score"}
                  {review.trackLabel ? (
                    <span className="font-normal text-slate-700">
                      {" · "}
                      <OutsideText value={titled(review.trackTitle, review.trackLabel)} maxWidth="max-w-[20rem]" />
                    </span>
                  ) : null}
                  <span className="font-normal text-slate-600"> · {formatDateTime(review.occurredAt)}</span>
                </p>
                {review.content ? (
                  <p className="mt-1 text-slate-800" data-testid="review-content">
                    <LongText value={review.content} limit={1000} preserveLines />
                  </p>
                ) : null}
              </li>
            ))}
          </ul>
        </Section>
      ) : null}

      {learner.invites.length > 0 ? (
        <Section id="invites" title="Invites claimed">
          <ul className="flex flex-wrap gap-2 text-sm">
            {learner.invites.map((claim) => (
              <li key={claim.inviteId} className="rounded-md border border-slate-200 bg-white px-2 py-1">
                <Link href={`/learners?invite=${encodeURIComponent(claim.inviteId)}`} className="text-indigo-800 hover:underline">
                  <OutsideText value={claim.inviteId} mono maxWidth="max-w-[14rem]" />
                </Link>
                {claim.teamSlug ? (
                  <span className="text-slate-600">
                    {" · "}
                    <OutsideText value={claim.teamSlug} maxWidth="max-w-[10rem]" />
                  </span>
                ) : null}
                <span className="text-slate-600"> · {formatDateTime(claim.claimedAt)}</span>
              </li>
            ))}
          </ul>
        </Section>
      ) : null}

      <Section
        id="timeline"
        title="Timeline"
        description={
          learner.timelineTruncated
            ? `The first ${TIMELINE_LIMIT.toLocaleString("en-US")} events, oldest first.`
            : "Every event, oldest first. Sandbox failures, failed attempts and reviews are flagged."
        }
      >
        {learner.timeline.length > 0 ? <Timeline events={learner.timeline} /> : <EmptyState title="No events" />}
      </Section>
    </>
  );
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3">
      <dt className="text-xs font-medium text-slate-600">{label}</dt>
      <dd className="mt-0.5 font-medium tabular-nums text-slate-900">{value}</dd>
    </div>
  );
}

function PlayCard({ play }: { play: LearnerPlay }) {
  const parameters = play.customParameters ? Object.entries(play.customParameters) : [];
  return (
    <li
      id={`play-${play.participantId}`}
      className="min-w-0 scroll-mt-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm target:ring-2 target:ring-indigo-500"
      data-participant={play.participantId}
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 className="font-semibold text-slate-900">
            {play.trackKey ? (
              <Link href={trackPath(play.trackKey)} className="text-indigo-800 hover:underline">
                <LongText value={titled(play.trackTitle, play.trackLabel ?? play.trackKey)} limit={200} />
              </Link>
            ) : play.trackLabel ? (
              <LongText value={titled(play.trackTitle, play.trackLabel)} limit={200} />
            ) : (
              "Unknown track"
            )}
          </h3>
          <p className="text-xs text-slate-500">
            play <LongText value={play.participantId} limit={200} mono />
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <StatusBadge status={play.status} inactive={play.inactive} />
          <SourceBadge source={play.source} />
          {play.sandboxFailures > 0 ? (
            <FlagBadge tone="danger">
              {play.sandboxFailures} sandbox failure{play.sandboxFailures === 1 ? "" : "s"}
            </FlagBadge>
          ) : null}
        </div>
      </div>
      <div className="mt-3 space-y-2">
        <ProgressBar completed={play.challengesCompleted} total={play.totalChallenges} percent={play.progressPercent} />
        <ProgressStrip cells={play.challenges} />
      </div>
      <dl className="mt-3 grid grid-cols-2 gap-x-4 gap-y-1 text-xs text-slate-700 sm:grid-cols-3">
        <PlayFact label="Started" value={formatDateTime(play.startedAt)} />
        <PlayFact label={play.status === "completed" ? "Completed" : "Last activity"} value={formatDateTime(play.completedAt ?? play.lastActivityAt)} />
        <PlayFact label="Time spent" value={formatDuration(play.timeSpentSeconds)} />
        <PlayFact label="Attempts" value={`${play.attempts} (${play.failedAttempts} failed)`} />
        <PlayFact label="Skipped" value={String(play.skippedChallenges)} />
        <PlayFact
          label="Invite · mode"
          value={
            <>
              {play.inviteId ? <OutsideText value={play.inviteId} mono maxWidth="max-w-[9rem]" /> : "none"}
              {" · "}
              {play.mode ? <OutsideText value={play.mode} maxWidth="max-w-[6rem]" /> : "?"}
            </>
          }
        />
      </dl>
      {parameters.length > 0 ? (
        <div className="mt-2 text-xs text-slate-600">
          <h4 className="font-medium">Custom parameters</h4>
          <dl className="mt-1 space-y-0.5" data-testid="custom-parameters">
            {parameters.map(([key, value]) => (
              <div key={key} className="min-w-0">
                <dt className="inline font-mono text-slate-700">
                  <OutsideText value={key} maxWidth="max-w-[12rem]" />
                </dt>{" "}
                <dd className="inline font-mono text-slate-800">
                  <LongText value={typeof value === "string" ? value : JSON.stringify(value)} limit={120} />
                </dd>
              </div>
            ))}
          </dl>
        </div>
      ) : null}
    </li>
  );
}

function PlayFact({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div>
      <dt className="text-slate-500">{label}</dt>
      <dd className="font-medium text-slate-800">{value}</dd>
    </div>
  );
}
