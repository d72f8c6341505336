import type { ChallengeCell } from "@/lib/dashboard/learner-detail";
import type { ChallengeStatus } from "@/lib/generated/prisma/enums";
import { formatDuration } from "./format";

const cellStyles: Record<ChallengeStatus, string> = {
  completed: "bg-emerald-600 border-emerald-700",
  in_progress: "bg-sky-400 border-sky-600",
  skipped: "bg-[repeating-linear-gradient(45deg,#fde68a,#fde68a_4px,#f59e0b_4px,#f59e0b_6px)] border-amber-600",
  not_started: "bg-white border-slate-300",
};

const stateLabels: Record<ChallengeStatus, string> = {
  completed: "completed",
  in_progress: "in progress",
  skipped: "skipped",
  not_started: "not started",
};

function describe(cell: ChallengeCell): string {
  const name = cell.title ? `${cell.title} (${cell.challengeId})` : cell.challengeId;
  const parts = [`Challenge ${cell.position}${name ? ` ${cell.title ? name : `(${name})`}` : ""}: ${stateLabels[cell.status]}`];
  if (cell.attempts > 0) parts.push(`${cell.attempts} attempt${cell.attempts === 1 ? "" : "s"}, ${cell.failedAttempts} failed`);
  if (cell.status === "completed" && cell.secondsInChallenge !== null) parts.push(`took ${formatDuration(cell.secondsInChallenge)}`);
  return parts.join("; ");
}

/** One cell per challenge of the play's track, coloured by where the learner is in it. */
export function ProgressStrip({ cells }: { cells: ChallengeCell[] }) {
  if (cells.length === 0) return <p className="text-xs text-slate-600">No challenge reported yet.</p>;
  return (
    <ol aria-label="Challenges" className="flex flex-wrap gap-1">
      {cells.map((cell) => (
        <li
          key={cell.index}
          title={describe(cell)}
          data-status={cell.status}
          className={`relative flex h-7 min-w-7 items-center justify-center rounded border px-1 text-[11px] font-semibold ${cellStyles[cell.status]} ${cell.status === "completed" ? "text-white" : "text-slate-800"}`}
        >
          <span aria-hidden="true">{cell.position}</span>
          {cell.failedAttempts > 0 ? (
            <span aria-hidden="true" className="absolute -right-1 -top-1 h-2.5 w-2.5 rounded-full border border-white bg-rose-600" />
          ) : null}
          <span className="sr-only">{describe(cell)}</span>
        </li>
      ))}
    </ol>
  );
}

export function ProgressStripLegend() {
  return (
    <ul className="flex flex-wrap gap-3 text-xs text-slate-700" aria-label="Legend">
      {(["completed", "in_progress", "skipped", "not_started"] as const).map((state) => (
        <li key={state} className="flex items-center gap-1">
          <span aria-hidden="true" className={`inline-block h-3 w-3 rounded border ${cellStyles[state]}`} />
          {stateLabels[state]}
        </li>
      ))}
      <li className="flex items-center gap-1">
        <span aria-hidden="true" className="inline-block h-2.5 w-2.5 rounded-full bg-rose-600" />
        had failed attempts
      </li>
    </ul>
  );
}
