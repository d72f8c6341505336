import type { TimelineEvent } from "@/lib/dashboard/learner-detail";
import { FlagBadge } from "./badges";
import { TableFrame, Td, Th } from "./data-table";
import { describeEventType, formatDateTime } from "./format";

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
              <Td className="whitespace-nowrap font-mono text-xs text-slate-700">
                <time dateTime={(event.occurredAt ?? event.receivedAt).toISOString()}>
                  {formatDateTime(event.occurredAt ?? event.receivedAt, { seconds: true }).replace(" UTC", "")}
                </time>
              </Td>
              <Td>
                <span className="font-medium text-slate-900">{describeEventType(event.type)}</span>
                <span className="block font-mono text-xs text-slate-500">{event.type}</span>
              </Td>
              <Td className="text-slate-700">{event.trackLabel ?? "—"}</Td>
              <Td className="text-slate-700">
                {event.challengeIndex !== null ? `#${event.challengeIndex + 1} ` : ""}
                {event.challengeId ? <span className="font-mono text-xs text-slate-600">{event.challengeId}</span> : event.challengeIndex === null ? "—" : null}
              </Td>
              <Td>
                <span className="flex flex-wrap items-center gap-1">
                  {event.completed === true ? <span className="font-medium text-emerald-700">Passed</span> : null}
                  {event.score !== null ? <span className="text-slate-800">Score {event.score}</span> : null}
                  {flag ? <FlagBadge tone={flag.tone}>{flag.label}</FlagBadge> : null}
                  {event.error ? <span className="text-xs text-rose-800">{event.error}</span> : null}
                </span>
              </Td>
              <Td className="font-mono text-xs text-slate-500">{event.participantId ?? "—"}</Td>
            </tr>
          );
        })}
      </tbody>
    </TableFrame>
  );
}
