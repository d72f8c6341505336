import type { Metadata } from "next";
import { ConnectInstruqt, EmptyState } from "@/components/connect-instruqt";
import { DownloadLinks } from "@/components/download-links";
import { DataList, DateField, FilterForm, SelectField, TextField } from "@/components/filter-form";
import { IgnoredParams } from "@/components/ignored-params";
import { PageHeader } from "@/components/page-header";
import { PlaysTable } from "@/components/plays-table";
import { requireUser } from "@/lib/auth/guard";
import { inviteIdsSeen } from "@/lib/dashboard/filter-options";
import { commonPlayFilters, exportHref, parseLearnersParams } from "@/lib/dashboard/page-params";
import { matchLearners, PLAY_STATUSES, PLAY_STATUS_LABELS, type PlayFilters } from "@/lib/dashboard/play-filters";
import { listPlays } from "@/lib/dashboard/plays";
import type { RawSearchParams } from "@/lib/dashboard/query-params";
import { findTrack, trackOptions } from "@/lib/dashboard/tracks";
import { webhookEndpointUrl } from "@/lib/dashboard/webhook-endpoint";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Learners" };

export default async function LearnersPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const user = await requireUser();
  const now = new Date();
  const { values, ignored } = parseLearnersParams(await searchParams);

  const [track, learners, tracks, invites] = await Promise.all([
    values.track ? findTrack(values.track) : null,
    values.q ? matchLearners(values.q) : undefined,
    trackOptions(),
    inviteIdsSeen(),
  ]);
  // A track that does not exist matches no play, rather than silently widening to every track.
  const filters: PlayFilters = {
    ...commonPlayFilters(values),
    ...(values.track ? { trackId: track?.id ?? values.track } : {}),
    ...(learners ? { learners } : {}),
  };
  const result = await listPlays({ filters, sort: values.sort, direction: values.dir, page: values.page });

  const query = {
    q: values.q,
    track: values.track,
    invite: values.invite,
    status: values.status,
    from: values.from,
    to: values.to,
    sort: values.sort === "activity" ? undefined : values.sort,
    dir: values.dir === "desc" ? undefined : values.dir,
  };
  const exportFilters = { track: values.track, invite: values.invite, status: values.status, from: values.from, to: values.to };
  const filtered = Object.values(filters).some((value) => value !== undefined);

  return (
    <>
      <PageHeader
        title="Learners"
        description="Every play, one row each: who is on which track, how far they got, and when they were last active."
        actions={
          <DownloadLinks
            links={[
              { href: exportHref("progress", exportFilters), label: "Progress CSV" },
              { href: exportHref("challenges", exportFilters), label: "Challenges CSV" },
            ]}
            note={values.q ? "Downloads apply the filters, not the search." : undefined}
          />
        }
      />
      <IgnoredParams names={ignored} />
      <FilterForm
        action="/learners"
        label="Filter learners"
        resetHref="/learners"
        hidden={{ sort: query.sort, dir: query.dir }}
      >
        <TextField
          name="q"
          type="search"
          label="Search"
          value={values.q}
          placeholder="User id, name or email"
          className="w-56"
        />
        <SelectField
          name="track"
          label="Track"
          value={values.track}
          options={tracks.map((option) => ({ value: option.key, label: option.label }))}
          anyLabel="All tracks"
        />
        <TextField name="invite" label="Invite" value={values.invite} placeholder="Invite id" list="invite-options" />
        <DataList id="invite-options" values={invites} />
        <SelectField
          name="status"
          label="Status"
          value={values.status}
          options={PLAY_STATUSES.map((status) => ({ value: status, label: PLAY_STATUS_LABELS[status] }))}
        />
        <DateField name="from" label="Active from (UTC)" value={values.from} />
        <DateField name="to" label="Active until (UTC)" value={values.to} />
      </FilterForm>

      {result.total > 0 ? (
        <PlaysTable result={result} pathname="/learners" query={query} now={now} caption="Plays of learners" />
      ) : filtered ? (
        <EmptyState title="No play matches these filters">Widen the activity window or reset the filters.</EmptyState>
      ) : (
        <ConnectInstruqt endpointUrl={await webhookEndpointUrl()} isAdmin={user.role === "admin"} />
      )}
    </>
  );
}
