/** One headline number with what it means. */
export function StatCard({ label, value, detail }: { label: string; value: string; detail?: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <dt className="text-sm font-medium text-slate-600">{label}</dt>
      <dd className="mt-1">
        <span className="text-3xl font-semibold tabular-nums text-slate-900" data-stat={label}>
          {value}
        </span>
        {detail ? <span className="mt-1 block text-xs text-slate-600">{detail}</span> : null}
      </dd>
    </div>
  );
}

export function StatGrid({ children, label }: { children: React.ReactNode; label: string }) {
  return (
    <dl aria-label={label} className="grid grid-cols-2 gap-3 lg:grid-cols-4">
      {children}
    </dl>
  );
}
