import type { EventOutcome } from "@/lib/dashboard/delivery-log";
import { OUTCOME_LABELS } from "@/lib/dashboard/delivery-log";
import type { PlayStatus } from "@/lib/generated/prisma/enums";
import { INACTIVE_LABEL, PLAY_STATUS_LABELS } from "@/lib/plays/labels";

const badge = "inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset";

// Colours pass WCAG AA for their text on their background (700/800 on 50/100).
const statusStyles: Record<PlayStatus, string> = {
  started: "bg-slate-100 text-slate-800 ring-slate-300",
  in_progress: "bg-sky-50 text-sky-800 ring-sky-200",
  completed: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  stopped: "bg-amber-50 text-amber-900 ring-amber-200",
};

/** A play's status; an open play that has gone quiet reads "Inactive" (derived, not stored). */
export function StatusBadge({ status, inactive = false }: { status: PlayStatus; inactive?: boolean }) {
  if (inactive) {
    return (
      <span className={`${badge} bg-slate-50 text-slate-700 ring-slate-300`} title={`${PLAY_STATUS_LABELS[status]}, no event for a while`}>
        {INACTIVE_LABEL}
      </span>
    );
  }
  return <span className={`${badge} ${statusStyles[status]}`}>{PLAY_STATUS_LABELS[status]}</span>;
}

const outcomeStyles: Record<EventOutcome, string> = {
  projected: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  unknown_type: "bg-slate-100 text-slate-800 ring-slate-300",
  invalid_payload: "bg-rose-50 text-rose-800 ring-rose-200",
  test: "bg-violet-50 text-violet-800 ring-violet-200",
};

export function OutcomeBadge({ outcome }: { outcome: EventOutcome }) {
  return <span className={`${badge} ${outcomeStyles[outcome]}`}>{OUTCOME_LABELS[outcome]}</span>;
}

export function FlagBadge({ tone, children }: { tone: "danger" | "warning" | "info"; children: React.ReactNode }) {
  const style =
    tone === "danger"
      ? "bg-rose-50 text-rose-800 ring-rose-200"
      : tone === "warning"
        ? "bg-amber-50 text-amber-900 ring-amber-200"
        : "bg-indigo-50 text-indigo-800 ring-indigo-200";
  return <span className={`${badge} ${style}`}>{children}</span>;
}
