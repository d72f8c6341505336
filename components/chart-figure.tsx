/**
 * A chart with its words: a caption saying what it shows, and the same numbers as a table (in a
 * disclosure) for screen readers, keyboard users and anyone who wants the exact values.
 */
export function ChartFigure({
  id,
  title,
  description,
  chart,
  table,
}: {
  id: string;
  title: string;
  description?: React.ReactNode;
  chart: React.ReactNode;
  table: React.ReactNode;
}) {
  return (
    <figure aria-labelledby={`${id}-caption`} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <figcaption id={`${id}-caption`} className="mb-3">
        <span className="block text-base font-semibold text-slate-900">{title}</span>
        {description ? <span className="mt-0.5 block text-sm text-slate-600">{description}</span> : null}
      </figcaption>
      {chart}
      <details className="mt-3 text-sm">
        <summary className="cursor-pointer rounded text-indigo-800 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500">
          Show the numbers as a table
        </summary>
        <div className="relative mt-2 overflow-x-auto" role="group" aria-label={`${title}: the numbers`} tabIndex={0}>
          {table}
        </div>
      </details>
    </figure>
  );
}

/** The plain table inside a chart's disclosure. */
export function ChartTable({ caption, headers, rows }: { caption: string; headers: string[]; rows: React.ReactNode[][] }) {
  return (
    <table className="min-w-full text-sm">
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          {headers.map((header, i) => (
            <th key={header} scope="col" className={`border-b border-slate-200 px-2 py-1 font-semibold text-slate-700 ${i === 0 ? "text-left" : "text-right"}`}>
              {header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, r) => (
          <tr key={r} className="border-b border-slate-100">
            {row.map((cell, i) =>
              i === 0 ? (
                <th key={i} scope="row" className="px-2 py-1 text-left font-normal text-slate-800">
                  {cell}
                </th>
              ) : (
                <td key={i} className="px-2 py-1 text-right tabular-nums text-slate-800">
                  {cell}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
