import Link from "next/link";
import type { RecentEvent } from "@/lib/dashboard/overview";
import { trackPath } from "@/lib/dashboard/tracks";
import { describeEventType, formatAgo, formatDateTime } from "./format";

/** The latest learner events, newest first, each linking to its learner. */
export function RecentActivity({ events, now }: { events: RecentEvent[]; now: Date }) {
  return (
    <ol className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white shadow-sm">
      {events.map((event) => (
        <li key={event.id} className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-0.5 px-3 py-2 text-sm">
          <span className="min-w-0">
            {event.userId ? (
              <Link href={`/learners/${encodeURIComponent(event.userId)}`} className="font-medium text-indigo-800 hover:underline">
                {event.learnerName ?? event.userId}
              </Link>
            ) : (
              <span className="font-medium text-slate-800">Unknown learner</span>
            )}{" "}
            <span className="text-slate-700">{describeEventType(event.type)}</span>
            {event.challengeIndex !== null ? (
              <span className="text-slate-700"> · challenge {event.challengeIndex + 1}</span>
            ) : null}
            {event.completed === false ? <span className="font-medium text-rose-700"> · failed</span> : null}
            {event.completed === true ? <span className="font-medium text-emerald-700"> · passed</span> : null}
            {event.trackKey ? (
              <>
                {" in "}
                <Link href={trackPath(event.trackKey)} className="text-slate-800 underline decoration-slate-300 hover:decoration-slate-600">
                  {event.trackLabel}
                </Link>
              </>
            ) : null}
          </span>
          <time className="whitespace-nowrap text-xs text-slate-600" dateTime={event.occurredAt?.toISOString()} title={formatDateTime(event.occurredAt, { seconds: true })}>
            {formatAgo(event.occurredAt, now)}
          </time>
        </li>
      ))}
    </ol>
  );
}
