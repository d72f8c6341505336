import type { Metadata } from "next";
import Link from "next/link";
import { ConnectInstruqt, EmptyState } from "@/components/connect-instruqt";
import { DownloadLinks } from "@/components/download-links";
import { DataList, DateField, FilterForm, SelectField, TextField } from "@/components/filter-form";
import { IgnoredParams } from "@/components/ignored-params";
import { PageHeader } from "@/components/page-header";
import { PeopleTable } from "@/components/people-table";
import { PlaysTable } from "@/components/plays-table";
import { requireUser } from "@/lib/auth/guard";
import { inviteIdsSeen } from "@/lib/dashboard/filter-options";
import { exportHref, pageQuery, parseLearnersPage, type LearnersView } from "@/lib/dashboard/page-params";
import { listPeople } from "@/lib/dashboard/people";
import { listPlays } from "@/lib/dashboard/plays";
import { queryString } from "@/lib/dashboard/query-params";
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
  const params = parseLearnersPage(await searchParams);
  const { filter, view } = params;

  const [selection, tracks, invites] = await Promise.all([selectionOf(filter), trackOptions(), inviteIdsSeen()]);
  const list =
    params.view === "plays"
      ? ({ view: "plays", result: await listPlays({ filters: selection, sort: params.sort, direction: params.dir, page: params.page, now }) } as const)
      : ({ view: "people", result: await listPeople({ filters: selection, sort: params.sort, direction: params.dir, page: params.page, now }) } as const);

  // The view is only in the URL when it is not the default.
  const viewParam = view === "plays" ? "plays" : undefined;
  const query: Record<string, string | undefined> = { ...pageQuery(params), view: viewParam };
  const filtered = Object.values(selection).some((value) => value !== undefined);
  const empty = list.view === "plays" ? list.result.total === 0 : list.result.rows.length === 0;

  return (
    <>
      <PageHeader
        title="Learners"
        description={
          view === "people"
            ? "Every learner, one row each with their plays beneath: how many they started and finished, and when they were last active."
            : "Every play, one row each: who is on which track, how far they got, and when they were last active."
        }
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
        hidden={{ sort: query.sort, dir: query.dir, view: query.view }}
      >
        <TextField
          name="q"
          type="search"
          label="Search"
          value={filter.q}
          placeholder="User id, name, email or identifier"
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

      <ViewSwitch current={view} filterQuery={pageQuery({ filter, sort: "activity", dir: "desc" })} />
      {empty ? null : list.view === "plays" ? (
        <PlaysTable result={list.result} pathname="/learners" query={query} now={now} caption="Plays of learners" />
      ) : (
        <PeopleTable result={list.result} pathname="/learners" query={query} now={now} />
      )}
      {!empty ? null : filtered ? (
        <EmptyState title="No play matches these filters">Widen the activity window or reset the filters.</EmptyState>
      ) : (
        <ConnectInstruqt endpointUrl={await webhookEndpointUrl()} isAdmin={user.role === "admin"} />
      )}
    </>
  );
}

/** People or plays: the same filters, one click apart. */
function ViewSwitch({ current, filterQuery }: { current: LearnersView; filterQuery: Record<string, string | undefined> }) {
  const views: { view: LearnersView; label: string }[] = [
    { view: "people", label: "People" },
    { view: "plays", label: "Plays" },
  ];
  return (
    <nav aria-label="Show" className="mb-3 flex gap-1 text-sm">
      {views.map(({ view, label }) => (
        <Link
          key={view}
          href={`/learners${queryString(filterQuery, { view: view === "people" ? undefined : view })}`}
          aria-current={view === current ? "page" : undefined}
          className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-slate-700 hover:bg-slate-50 aria-[current=page]:border-indigo-300 aria-[current=page]:bg-indigo-50 aria-[current=page]:font-medium aria-[current=page]:text-indigo-800"
        >
          {label}
        </Link>
      ))}
    </nav>
  );
}
