/** A play's progress as a bar with its numbers beside it (the numbers are the accessible part). */
export function ProgressBar({
  completed,
  total,
  percent,
}: {
  completed: number;
  total: number | null;
  percent: number | null;
}) {
  const width = percent === null ? 0 : Math.max(0, Math.min(100, percent));
  return (
    <div className="flex min-w-36 items-center gap-2">
      <div className="h-2 w-20 shrink-0 overflow-hidden rounded-full bg-slate-200" aria-hidden="true">
        <div className="h-full rounded-full bg-indigo-600" style={{ width: `${width}%` }} />
      </div>
      <span className="whitespace-nowrap text-xs tabular-nums text-slate-700">
        {completed}/{total ?? "?"}
        {percent === null ? "" : ` · ${percent}%`}
      </span>
    </div>
  );
}
