import Link from "next/link";
import type { TimelineEvent } from "@/lib/dashboard/learner-detail";
import { FlagBadge } from "./badges";
import { TableFrame, Td, Th } from "./data-table";
import { describeEventType, formatDateTime } from "./format";
import { NameCell } from "./name-lines";
import { LongText, OutsideText } from "./outside-text";

const flagText: Record<NonNullable<TimelineEvent["flag"]>, { tone: "danger" | "warning" | "info"; label: string }> = {
  sandbox_failure: { tone: "danger", label: "Sandbox failed" },
  failed_attempt: { tone: "warning", label: "Failed attempt" },
  review: { tone: "info", label: "Review" },
  invalid: { tone: "danger", label: "Invalid payload" },
};

/** Every event of a learner in the order it happened. */
export function Timeline({ events }: { events: TimelineEvent[] }) {
  return (
    <TableFrame caption="Every event of this learner, oldest first">
      <thead>
        <tr>
          <Th>Time (UTC)</Th>
          <Th>Event</Th>
          <Th>Track</Th>
          <Th>Challenge</Th>
          <Th>Result</Th>
          <Th>Play</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {events.map((event) => {
          const flag = event.flag ? flagText[event.flag] : null;
          return (
            <tr
              key={event.id}
              data-type={event.type}
              data-flag={event.flag ?? undefined}
              className={event.flag === "sandbox_failure" || event.flag === "invalid" ? "bg-rose-50/60" : event.flag === "review" ? "bg-indigo-50/50" : ""}
            >
              <Td label="Time (UTC)" className="whitespace-nowrap font-mono text-xs text-slate-700">
                <time dateTime={(event.occurredAt ?? event.receivedAt).toISOString()}>
                  {formatDateTime(event.occurredAt ?? event.receivedAt, { seconds: true }).replace(" UTC", "")}
                </time>
              </Td>
              <Td label="Event">
                <Link href={`/events/${event.id}`} className="font-medium text-indigo-800 hover:underline">
                  {describeEventType(event.type)}
                </Link>
                <OutsideText value={event.type} mono maxWidth="max-w-[14rem]" block className="text-xs text-slate-500" />
              </Td>
              <Td label="Track" className="text-slate-700">
                {event.trackLabel ? <NameCell lines={{ primary: event.trackTitle ?? event.trackLabel, secondary: event.trackTitle ? event.trackLabel : null }} maxWidth="max-w-[12rem]" /> : "—"}
              </Td>
              <Td label="Challenge" className="text-slate-700">
                {event.challengeIndex !== null ? `#${event.challengeIndex + 1} ` : ""}
                {event.challengeTitle ? <OutsideText value={event.challengeTitle} maxWidth="max-w-[10rem]" block /> : null}
                {event.challengeId ? (
                  <OutsideText value={event.challengeId} mono maxWidth="max-w-[10rem]" className="text-xs text-slate-600" />
                ) : event.challengeIndex === null ? (
                  "—"
                ) : null}
              </Td>
              <Td label="Result">
                <span className="flex flex-wrap items-center gap-1">
                  {event.completed === true ? <span className="font-medium text-emerald-700">Passed</span> : null}
                  {event.score !== null ? <span className="text-slate-800">Score {event.score}</span> : null}
                  {flag ? <FlagBadge tone={flag.tone}>{flag.label}</FlagBadge> : null}
                  {event.error ? <LongText value={event.error} limit={160} className="text-xs text-rose-800" /> : null}
                </span>
              </Td>
              <Td label="Play" className="text-xs text-slate-500">
                {event.participantId ? (
                  <a href={`#play-${encodeURIComponent(event.participantId)}`} className="underline decoration-slate-300 hover:decoration-slate-600">
                    <OutsideText value={event.participantId} mono maxWidth="max-w-[9rem]" />
                  </a>
                ) : (
                  "—"
                )}
              </Td>
            </tr>
          );
        })}
      </tbody>
    </TableFrame>
  );
}
