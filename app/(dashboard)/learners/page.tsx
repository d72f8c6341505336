import type { Metadata } from "next";
import { ConnectInstruqt, EmptyState } from "@/components/connect-instruqt";
import { DownloadLinks } from "@/components/download-links";
import { DataList, DateField, FilterForm, SelectField, TextField } from "@/components/filter-form";
import { IgnoredParams } from "@/components/ignored-params";
import { PageHeader } from "@/components/page-header";
import { PlaysTable } from "@/components/plays-table";
import { requireUser } from "@/lib/auth/guard";
import { inviteIdsSeen } from "@/lib/dashboard/filter-options";
import { exportHref, pageQuery, parseLearnersParams } from "@/lib/dashboard/page-params";
import { listPlays } from "@/lib/dashboard/plays";
import type { RawSearchParams } from "@/lib/dashboard/query-params";
import { trackOptions } from "@/lib/dashboard/tracks";
import { PLAY_STATUSES, selectionOf } from "@/lib/plays/filter";
import { PLAY_STATUS_LABELS } from "@/lib/plays/labels";
import { webhookEndpointUrl } from "@/lib/dashboard/webhook-endpoint";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Learners" };

export default async function LearnersPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const user = await requireUser();
  const now = new Date();
  const params = parseLearnersParams(await searchParams);
  const { filter } = params;

  const [selection, tracks, invites] = await Promise.all([selectionOf(filter), trackOptions(), inviteIdsSeen()]);
  const result = await listPlays({ filters: selection, sort: params.sort, direction: params.dir, page: params.page, now });

  const query = pageQuery(params);
  const filtered = Object.values(selection).some((value) => value !== undefined);

  return (
    <>
      <PageHeader
        title="Learners"
        description="Every play, one row each: who is on which track, how far they got, and when they were last active."
        actions={
          <DownloadLinks
            links={[
              { href: exportHref("progress", filter), label: "Progress CSV" },
              { href: exportHref("challenges", filter), label: "Challenges CSV" },
            ]}
          />
        }
      />
      <IgnoredParams problems={params.problems} />
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
          value={filter.q}
          placeholder="User id, name or email"
          className="w-56"
        />
        <SelectField
          name="track"
          label="Track"
          value={filter.track}
          options={tracks.map((option) => ({ value: option.key, label: option.label }))}
          anyLabel="All tracks"
        />
        <TextField name="invite" label="Invite" value={filter.invite} placeholder="Invite id" list="invite-options" />
        <DataList id="invite-options" values={invites} />
        <SelectField
          name="status"
          label="Status"
          value={filter.statuses?.length === 1 ? filter.statuses[0] : undefined}
          options={PLAY_STATUSES.map((status) => ({ value: status, label: PLAY_STATUS_LABELS[status] }))}
        />
        <DateField name="from" label="Active from (UTC)" value={filter.from} />
        <DateField name="to" label="Active until (UTC)" value={filter.to} />
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
