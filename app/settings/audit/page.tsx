import type { Metadata } from "next";
import Link from "next/link";
import { requireUser } from "@/lib/auth/guard";
import { describeAuditEntry } from "@/lib/audit/describe";
import { auditActionLabels, auditActions, isAuditAction, listAuditEntries, type AuditAction } from "@/lib/audit/log";
import { auditQueryInput, auditQuerySchema } from "@/lib/audit/query";
import { describeIssues } from "@/lib/http/errors";
import { formatDateTime } from "../_components/format";

export const metadata: Metadata = { title: "Audit log" };

type SearchParams = Record<string, string | string[] | undefined>;

function pageHref(action: AuditAction | undefined, page: number): string {
  const params = new URLSearchParams();
  if (action) params.set("action", action);
  if (page > 1) params.set("page", String(page));
  const query = params.toString();
  return query ? `/settings/audit?${query}` : "/settings/audit";
}

export default async function AuditLogPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireUser({ role: "admin", callbackUrl: "/settings/audit" });
  const parsed = auditQuerySchema.safeParse(auditQueryInput(await searchParams));
  const query = parsed.success ? parsed.data : { action: undefined, page: 1 };
  const log = await listAuditEntries(query);

  return (
    <section aria-labelledby="audit-heading" className="rounded-lg border border-slate-200 bg-white p-5">
      <h2 id="audit-heading" className="text-base font-semibold">Audit log</h2>
      <p className="mt-1 text-sm text-slate-600">
        Who changed which setting, and when. Secret values and passwords are never recorded: secrets appear by their last characters.
      </p>

      <form method="get" action="/settings/audit" className="mt-4 flex flex-wrap items-end gap-3" aria-label="Filter the audit log">
        <div className="min-w-0 max-w-full">
          <label htmlFor="action" className="block text-sm font-medium text-slate-700">Action</label>
          {/* The longest action label is wider than a phone: the menu takes the width there is. */}
          <select id="action" name="action" defaultValue={query.action ?? ""} className="mt-1 w-full max-w-full rounded-md border border-slate-300 px-3 py-2 text-sm sm:w-auto">
            <option value="">All actions</option>
            {auditActions.map((action) => (
              <option key={action} value={action}>{auditActionLabels[action]}</option>
            ))}
          </select>
        </div>
        <button type="submit" className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-700 hover:bg-slate-50">
          Filter
        </button>
        {query.action ? <Link href="/settings/audit" className="py-2 text-sm text-indigo-700 underline">Clear</Link> : null}
      </form>
      {!parsed.success ? (
        <p role="alert" className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {`Ignored an invalid filter (${describeIssues(parsed.error).message}); showing everything.`}
        </p>
      ) : null}

      <p className="mt-4 text-sm text-slate-600" data-testid="audit-count">
        {`${log.total} ${log.total === 1 ? "entry" : "entries"}${query.action ? ` for “${auditActionLabels[query.action]}”` : ""}`}
      </p>
      {log.entries.length > 0 ? (
        <div className="mt-2 overflow-x-auto">
          <table className="stack-table w-full text-left text-sm" data-testid="audit-table">
            <thead className="border-b border-slate-200 text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2 pr-4 font-medium">When</th>
                <th className="py-2 pr-4 font-medium">Who</th>
                <th className="py-2 pr-4 font-medium">Action</th>
                <th className="py-2 font-medium">What</th>
              </tr>
            </thead>
            <tbody>
              {log.entries.map((entry) => (
                <tr key={entry.id} data-action={entry.action} className="border-b border-slate-100 align-top last:border-0">
                  <td data-label="When" className="whitespace-nowrap py-2 pr-4">{formatDateTime(entry.createdAt, { seconds: true })}</td>
                  <td data-label="Who" className="py-2 pr-4">{entry.actor ?? "—"}</td>
                  <td data-label="Action" className="whitespace-nowrap py-2 pr-4">{isAuditAction(entry.action) ? auditActionLabels[entry.action] : entry.action}</td>
                  <td data-label="What" className="py-2">{describeAuditEntry(entry)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      {log.pageCount > 1 || log.page > 1 ? (
        <nav aria-label="Audit log pages" className="mt-4 flex items-center gap-3 text-sm">
          {log.page > 1 ? <Link href={pageHref(query.action, log.page - 1)} className="text-indigo-700 underline">Newer</Link> : null}
          <span className="text-slate-600">{`Page ${log.page} of ${log.pageCount}`}</span>
          {log.page < log.pageCount ? <Link href={pageHref(query.action, log.page + 1)} className="text-indigo-700 underline">Older</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}
