import Link from "next/link";
import { queryString } from "@/lib/dashboard/query-params";

/**
 * On a phone a table becomes stacked rows (app/globals.css `.stack-table`: give each Td its
 * `label`); wider, a table that still does not fit scrolls sideways inside its frame, which is
 * focusable so keyboard users can scroll it too. The caption names the table for screen readers.
 */
export function TableFrame({ caption, children, testId }: { caption: string; children: React.ReactNode; testId?: string }) {
  return (
    <div
      role="group"
      aria-label={caption}
      tabIndex={0}
      className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
    >
      <table className="stack-table min-w-full divide-y divide-slate-200 text-sm" data-testid={testId}>
        <caption className="sr-only">{caption}</caption>
        {children}
      </table>
    </div>
  );
}

const headerCell = "whitespace-nowrap bg-slate-50 px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-600";

export function Th({ children, numeric = false }: { children?: React.ReactNode; numeric?: boolean }) {
  return (
    <th scope="col" className={`${headerCell} ${numeric ? "text-right" : ""}`}>
      {children}
    </th>
  );
}

export function Td({
  children,
  numeric = false,
  className = "",
  label,
}: {
  children?: React.ReactNode;
  numeric?: boolean;
  className?: string;
  /** The column's name, shown before the value when the table is stacked on a phone. */
  label?: string;
}) {
  return (
    <td data-label={label} className={`px-3 py-2 align-top ${numeric ? "text-right tabular-nums" : ""} ${className}`}>
      {children}
    </td>
  );
}

export type Query = Record<string, string | number | undefined>;

/**
 * A column header that sorts the table by a link (works without JavaScript, keeps the filters):
 * the current column toggles its direction, another starts descending. aria-sort tells screen
 * readers the current order.
 */
export function SortableTh({
  label,
  sortKey,
  pathname,
  query,
  currentSort,
  currentDirection,
  numeric = false,
}: {
  label: string;
  sortKey: string;
  pathname: string;
  query: Query;
  currentSort: string;
  currentDirection: "asc" | "desc";
  numeric?: boolean;
}) {
  const active = currentSort === sortKey;
  const nextDirection = active && currentDirection === "desc" ? "asc" : "desc";
  const href = `${pathname}${queryString(query, { sort: sortKey, dir: nextDirection, page: undefined })}`;
  return (
    <th
      scope="col"
      aria-sort={active ? (currentDirection === "asc" ? "ascending" : "descending") : "none"}
      className={`${headerCell} ${numeric ? "text-right" : ""}`}
    >
      <Link
        href={href}
        className="inline-flex items-center gap-1 rounded hover:text-slate-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      >
        {label}
        <span aria-hidden="true" className={active ? "text-slate-900" : "text-slate-400"}>
          {active ? (currentDirection === "asc" ? "▲" : "▼") : "↕"}
        </span>
      </Link>
    </th>
  );
}

export function Pagination({
  pathname,
  query,
  page,
  pageCount,
  total,
  pageSize,
  noun,
}: {
  pathname: string;
  query: Query;
  page: number;
  pageCount: number;
  total: number;
  pageSize: number;
  noun: string;
}) {
  const href = (target: number) => `${pathname}${queryString(query, { page: target === 1 ? undefined : target })}`;
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  const link = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-slate-700 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500";
  // Unavailable steps keep 4.5:1 contrast (slate-500 on white): greyed, still readable.
  const disabled = "rounded-md border border-slate-200 px-3 py-1.5 text-slate-500";
  return (
    <nav aria-label="Pagination" className="mt-3 flex flex-wrap items-center justify-between gap-3 text-sm text-slate-700">
      <p>
        {total === 0 ? `No ${noun}` : `${first.toLocaleString("en-US")}–${last.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} ${noun}`}
      </p>
      <div className="flex items-center gap-2">
        {page > 1 ? <Link className={link} href={href(1)}>First</Link> : <span className={disabled}>First</span>}
        {page > 1 ? (
          <Link className={link} href={href(page - 1)} rel="prev">
            Previous
          </Link>
        ) : (
          <span className={disabled}>Previous</span>
        )}
        <span aria-current="page" className="px-1 tabular-nums">
          Page {page} of {pageCount}
        </span>
        {page < pageCount ? (
          <Link className={link} href={href(page + 1)} rel="next">
            Next
          </Link>
        ) : (
          <span className={disabled}>Next</span>
        )}
        {page < pageCount ? <Link className={link} href={href(pageCount)}>Last</Link> : <span className={disabled}>Last</span>}
      </div>
    </nav>
  );
}
