import Link from "next/link";
import type { RecentEvent } from "@/lib/dashboard/overview";
import { trackPath } from "@/lib/dashboard/tracks";
import { titled } from "@/lib/catalogue/names";
import { groupConsecutive } from "./activity-groups";
import { describeEventType, formatAgo, formatDateTime } from "./format";
import { OutsideText } from "./outside-text";

/** The latest learner events, newest first, consecutive ones of a learner together. */
export function RecentActivity({ events, now }: { events: RecentEvent[]; now: Date }) {
  const groups = groupConsecutive(events);
  return (
    <ol className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white shadow-sm" data-testid="recent-activity">
      {groups.map((group) => (
        <li key={group.key} className="px-3 py-2 text-sm" data-user={group.userId ?? undefined} data-events={group.events.length}>
          <div className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-0.5">
            <span className="min-w-0">
              {group.userId ? (
                <Link href={`/learners/${encodeURIComponent(group.userId)}`} className="font-medium text-indigo-800 hover:underline">
                  <OutsideText value={group.learnerName ?? group.userId} maxWidth="max-w-[12rem]" />
                </Link>
              ) : (
                <span className="font-medium text-slate-800">Unknown learner</span>
              )}
              {group.trackKey ? (
                <>
                  {" in "}
                  <Link href={trackPath(group.trackKey)} className="text-slate-800 underline decoration-slate-300 hover:decoration-slate-600">
                    <OutsideText value={titled(group.trackTitle, group.trackLabel ?? group.trackKey)} maxWidth="max-w-[14rem]" />
                  </Link>
                </>
              ) : null}
            </span>
            <Ago date={group.events[0]!.occurredAt} now={now} />
          </div>
          <ul className="mt-0.5 space-y-0.5">
            {group.events.map((event) => (
              <li key={event.id} data-type={event.type} className="flex flex-wrap items-baseline justify-between gap-x-3 text-slate-700">
                <span className="min-w-0">
                  {describeEventType(event.type)}
                  {event.challengeIndex !== null ? <> · challenge {event.challengeIndex + 1}</> : null}
                  {event.completed === false ? <span className="font-medium text-rose-700"> · failed</span> : null}
                  {event.completed === true ? <span className="font-medium text-emerald-700"> · passed</span> : null}
                  {!group.trackKey && event.trackKey ? (
                    <>
                      {" in "}
                      <Link href={trackPath(event.trackKey)} className="text-slate-800 underline decoration-slate-300 hover:decoration-slate-600">
                        <OutsideText value={titled(event.trackTitle, event.trackLabel ?? event.trackKey)} maxWidth="max-w-[14rem]" />
                      </Link>
                    </>
                  ) : null}
                </span>
                {group.events.length > 1 ? <Ago date={event.occurredAt} now={now} quiet /> : null}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}

function Ago({ date, now, quiet = false }: { date: Date | null; now: Date; quiet?: boolean }) {
  return (
    <time
      className={`whitespace-nowrap text-xs ${quiet ? "text-slate-500" : "text-slate-600"}`}
      dateTime={date?.toISOString()}
      title={formatDateTime(date, { seconds: true })}
    >
      {formatAgo(date, now)}
    </time>
  );
}
