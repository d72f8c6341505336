import Link from "next/link";
import type { PlayPage } from "@/lib/dashboard/plays";
import { trackPath } from "@/lib/dashboard/tracks";
import { titled } from "@/lib/catalogue/names";
import { StatusBadge } from "./badges";
import { SourceBadge } from "./source-badge";
import { Pagination, SortableTh, TableFrame, Td, Th, type Query } from "./data-table";
import { formatAgo, formatDateTime, formatDuration, learnerLabel } from "./format";
import { OutsideText } from "./outside-text";
import { ProgressBar } from "./progress-bar";

/** A page of plays: who, which track, where they are, and when they were last active. */
export function PlaysTable({
  result,
  pathname,
  query,
  now,
  showTrack = true,
  caption,
}: {
  result: PlayPage;
  pathname: string;
  query: Query;
  now: Date;
  showTrack?: boolean;
  caption: string;
}) {
  const sortable = { pathname, query, currentSort: result.sort, currentDirection: result.direction };
  return (
    <>
      <TableFrame caption={caption}>
        <thead>
          <tr>
            <SortableTh label="Learner" sortKey="learner" {...sortable} />
            {showTrack ? <SortableTh label="Track" sortKey="track" {...sortable} /> : null}
            <SortableTh label="Status" sortKey="status" {...sortable} />
            <SortableTh label="Progress" sortKey="progress" {...sortable} />
            <Th numeric>
              <abbr title="Attempts (failed attempts)" className="no-underline">Attempts</abbr>
            </Th>
            <SortableTh label="Started (UTC)" sortKey="started" {...sortable} />
            <SortableTh label="Last activity" sortKey="activity" {...sortable} />
            <Th numeric>Time spent</Th>
            <Th>Invite</Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {result.rows.map((play) => {
            const name = learnerLabel(play);
            return (
              <tr key={play.participantId} className="hover:bg-slate-50" data-participant={play.participantId}>
                <Td label="Learner">
                  {play.userId ? (
                    <Link href={`/learners/${encodeURIComponent(play.userId)}`} className="font-medium text-indigo-800 hover:underline">
                      <OutsideText value={name} maxWidth="max-w-[12rem]" />
                    </Link>
                  ) : (
                    <OutsideText value={name} maxWidth="max-w-[12rem]" className="font-medium text-slate-800" />
                  )}
                  {play.email && name !== play.email ? (
                    <OutsideText value={play.email} maxWidth="max-w-[12rem]" block className="text-xs text-slate-600" />
                  ) : null}
                  {play.userId && name !== play.userId ? (
                    <OutsideText value={play.userId} mono maxWidth="max-w-[12rem]" block className="text-xs text-slate-500" />
                  ) : null}
                </Td>
                {showTrack ? (
                  <Td label="Track">
                    {play.trackKey ? (
                      <Link href={trackPath(play.trackKey)} className="text-slate-800 underline decoration-slate-300 hover:decoration-slate-600">
                        <OutsideText value={titled(play.trackTitle, play.trackSlug ?? play.trackId ?? play.trackKey)} maxWidth="max-w-[14rem]" />
                      </Link>
                    ) : (
                      "—"
                    )}
                  </Td>
                ) : null}
                <Td label="Status">
                  <StatusBadge status={play.status} inactive={play.inactive} />
                  <SourceBadge source={play.source} />
                  {play.sandboxFailures > 0 ? (
                    <span className="mt-1 block text-xs font-medium text-rose-700">
                      {play.sandboxFailures} sandbox failure{play.sandboxFailures === 1 ? "" : "s"}
                    </span>
                  ) : null}
                </Td>
                <Td label="Progress">
                  <ProgressBar completed={play.challengesCompleted} total={play.totalChallenges} percent={play.progressPercent} />
                  {play.skippedChallenges > 0 ? (
                    <span className="mt-0.5 block text-xs text-slate-600">{play.skippedChallenges} skipped</span>
                  ) : null}
                </Td>
                <Td numeric label="Attempts (failed)">
                  {play.attempts}
                  <span className={play.failedAttempts > 0 ? "text-rose-700" : "text-slate-500"}> ({play.failedAttempts})</span>
                </Td>
                <Td label="Started (UTC)" className="whitespace-nowrap text-slate-700">{formatDateTime(play.startedAt).replace(" UTC", "")}</Td>
                <Td label="Last activity" className="whitespace-nowrap text-slate-700">
                  <time dateTime={play.lastActivityAt?.toISOString()} title={formatDateTime(play.lastActivityAt, { seconds: true })}>
                    {formatAgo(play.lastActivityAt, now)}
                  </time>
                </Td>
                <Td numeric label="Time spent">{formatDuration(play.timeSpentSeconds)}</Td>
                <Td label="Invite" className="text-xs text-slate-600">
                  {play.inviteId ? <OutsideText value={play.inviteId} mono maxWidth="max-w-[9rem]" /> : "—"}
                </Td>
              </tr>
            );
          })}
        </tbody>
      </TableFrame>
      <Pagination
        pathname={pathname}
        query={query}
        page={result.page}
        pageCount={result.pageCount}
        total={result.total}
        pageSize={result.pageSize}
        noun={result.total === 1 ? "play" : "plays"}
      />
    </>
  );
}
