import Link from "next/link";
import type { PeoplePage, PersonPlay, PersonRow } from "@/lib/dashboard/people";
import { trackPath } from "@/lib/dashboard/tracks";
import { StatusBadge } from "./badges";
import { SourceBadge } from "./source-badge";
import { queryString } from "@/lib/dashboard/query-params";
import { SortableTh, TableFrame, Td, type Query } from "./data-table";
import { formatAgo, formatDateTime, learnerLabel } from "./format";
import { IdentityDetails } from "./learner-identity";
import { OutsideText } from "./outside-text";
import { ProgressBar } from "./progress-bar";
import { learnerPath } from "@/lib/plays/links";

/**
 * A page of people: one row per learner with their play count, completions and last activity,
 * and their (matching) plays listed in the row beneath, each a click from its timeline.
 */
export function PeopleTable({ result, pathname, query, now }: { result: PeoplePage; pathname: string; query: Query; now: Date }) {
  const sortable = { pathname, query, currentSort: result.sort, currentDirection: result.direction };
  return (
    <>
      <TableFrame caption="Learners and their plays" testId="people-table">
        <thead>
          <tr>
            <SortableTh label="Learner" sortKey="learner" {...sortable} />
            <SortableTh label="Plays" sortKey="plays" numeric {...sortable} />
            <SortableTh label="Completed" sortKey="completions" numeric {...sortable} />
            <SortableTh label="Last activity" sortKey="activity" {...sortable} />
          </tr>
        </thead>
        {result.rows.map((person) => (
          <PersonRows key={person.userId ?? `play:${person.plays[0]?.participantId}`} person={person} now={now} />
        ))}
      </TableFrame>
      <PeoplePagination pathname={pathname} query={query} page={result.page} hasNext={result.hasNext} shown={result.rows.length} pageSize={result.pageSize} />
    </>
  );
}

function PersonRows({ person, now }: { person: PersonRow; now: Date }) {
  const name = person.userId ? learnerLabel(person) : "No user id";
  const lonePlay = person.userId === null ? person.plays[0]?.participantId : undefined;
  return (
    <tbody className="border-t border-slate-200" data-person={person.userId ?? `play:${lonePlay}`}>
      <tr className="bg-slate-50/60">
        <Td label="Learner">
          {person.userId ? (
            <Link href={learnerPath(person.userId)} className="font-medium text-indigo-800 hover:underline">
              <OutsideText value={name} maxWidth="max-w-[16rem]" />
            </Link>
          ) : (
            <span className="font-medium text-slate-800" title="A play whose events carry no user id: a person of its own">
              {name}
            </span>
          )}
          {person.email && name !== person.email ? (
            <OutsideText value={person.email} maxWidth="max-w-[16rem]" block className="text-xs text-slate-600" />
          ) : null}
          {person.userId && name !== person.userId ? (
            <OutsideText value={person.userId} mono maxWidth="max-w-[16rem]" block className="text-xs text-slate-500" />
          ) : null}
          <IdentityDetails identity={person} />
        </Td>
        <Td numeric label="Plays">
          {person.playCount}
        </Td>
        <Td numeric label="Completed">
          {person.completions}
        </Td>
        <Td label="Last activity" className="whitespace-nowrap text-slate-700">
          <time dateTime={person.lastActivityAt?.toISOString()} title={formatDateTime(person.lastActivityAt, { seconds: true })}>
            {formatAgo(person.lastActivityAt, now)}
          </time>
        </Td>
      </tr>
      <tr>
        <td colSpan={4} className="px-3 pb-3 pt-1">
          <ul className="space-y-1" aria-label={`Plays of ${name}`}>
            {person.plays.map((play) => (
              <PlayLine key={play.participantId} play={play} userId={person.userId} now={now} />
            ))}
          </ul>
          {person.playCount > person.plays.length && person.userId ? (
            <Link href={learnerPath(person.userId)} className="mt-1 inline-block text-xs text-indigo-800 hover:underline">
              and {person.playCount - person.plays.length} more on their page
            </Link>
          ) : null}
        </td>
      </tr>
    </tbody>
  );
}

function PlayLine({ play, userId, now }: { play: PersonPlay; userId: string | null; now: Date }) {
  return (
    <li className="flex flex-wrap items-center gap-x-3 gap-y-1 pl-3 text-sm" data-participant={play.participantId}>
      <span className="min-w-0 basis-48">
        {play.trackKey ? (
          <Link href={trackPath(play.trackKey)} className="text-slate-800 underline decoration-slate-300 hover:decoration-slate-600">
            <OutsideText value={play.trackLabel ?? play.trackKey} maxWidth="max-w-[14rem]" />
          </Link>
        ) : (
          <span className="text-slate-600">{play.trackLabel ? <OutsideText value={play.trackLabel} maxWidth="max-w-[14rem]" /> : "Unknown track"}</span>
        )}
      </span>
      <StatusBadge status={play.status} inactive={play.inactive} />
      <SourceBadge source={play.source} />
      <ProgressBar completed={play.challengesCompleted} total={play.totalChallenges} percent={play.progressPercent} />
      <time className="text-xs text-slate-600" dateTime={play.lastActivityAt?.toISOString()} title={formatDateTime(play.lastActivityAt, { seconds: true })}>
        {formatAgo(play.lastActivityAt, now)}
      </time>
      {userId ? (
        <Link href={`${learnerPath(userId)}#play-${encodeURIComponent(play.participantId)}`} className="text-xs text-indigo-800 hover:underline">
          Timeline
        </Link>
      ) : null}
    </li>
  );
}

/**
 * First, previous and next without a total: counting people would aggregate every play, which
 * the newest-first walk avoids (see lib/dashboard/people.ts).
 */
function PeoplePagination({
  pathname,
  query,
  page,
  hasNext,
  shown,
  pageSize,
}: {
  pathname: string;
  query: Query;
  page: number;
  hasNext: boolean;
  shown: number;
  pageSize: number;
}) {
  const href = (target: number) => `${pathname}${queryString(query, { page: target === 1 ? undefined : target })}`;
  const first = (page - 1) * pageSize + 1;
  const link = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-slate-700 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500";
  const disabled = "rounded-md border border-slate-200 px-3 py-1.5 text-slate-500";
  return (
    <nav aria-label="Pagination" className="mt-3 flex flex-wrap items-center justify-between gap-3 text-sm text-slate-700">
      <p>
        Learners {first.toLocaleString("en-US")}–{(first + shown - 1).toLocaleString("en-US")}
        {hasNext ? "" : " (the last page)"}
      </p>
      <div className="flex items-center gap-2">
        {page > 1 ? <Link className={link} href={href(1)}>First</Link> : <span className={disabled}>First</span>}
        {page > 1 ? <Link className={link} href={href(page - 1)} rel="prev">Previous</Link> : <span className={disabled}>Previous</span>}
        {hasNext ? <Link className={link} href={href(page + 1)} rel="next">Next</Link> : <span className={disabled}>Next</span>}
      </div>
    </nav>
  );
}
