import type { Metadata } from "next";
import { requireUser } from "@/lib/auth/guard";
import { recentBackfills, type BackfillSummary } from "@/lib/backfill/requests";
import { savedCredentials } from "@/lib/enrichment/settings";
import { activeTeamSlug } from "@/lib/instruqt/team-slug";
import { formatDateTime } from "../_components/format";
import { RefreshWhileActive, StartBackfillForm } from "./backfill-forms";

export const metadata: Metadata = { title: "Backfill" };
export const dynamic = "force-dynamic";

const statusStyles: Record<BackfillSummary["status"], string> = {
  pending: "bg-slate-100 text-slate-800",
  running: "bg-sky-50 text-sky-800",
  done: "bg-emerald-50 text-emerald-800",
  failed: "bg-rose-50 text-rose-800",
};

const day = (date: Date) => date.toISOString().slice(0, 10);

export default async function BackfillSettingsPage() {
  await requireUser({ role: "admin", callbackUrl: "/settings/backfill" });
  const [backfills, credentials, teamSlug] = await Promise.all([recentBackfills(), savedCredentials().catch(() => ({ apiKey: null })), activeTeamSlug()]);
  const active = backfills.some((backfill) => backfill.status === "pending" || backfill.status === "running");

  return (
    <div className="space-y-8">
      <RefreshWhileActive active={active} />
      <section aria-labelledby="backfill-heading" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="backfill-heading" className="text-base font-semibold">Backfill from play reports</h2>
        <p className="mt-1 text-sm text-slate-600">
          Plays from before the webhook was connected, or lost beyond Svix&apos;s retries, are fetched from Instruqt&apos;s play
          reports for a date range and added where Cairn has not seen them. A play known through webhooks is never changed and
          counted once; running the same backfill again adds nothing. Backfilled plays read <em>From report</em> on the pages: they
          have track-level figures only.
        </p>
        <dl className="mt-3 grid gap-1 text-sm sm:grid-cols-[10rem_1fr]">
          <dt className="text-slate-500">Instruqt API key</dt>
          <dd>{credentials.apiKey ? "saved (Settings → Enrichment)" : "missing: save one in Settings → Enrichment"}</dd>
          <dt className="text-slate-500">Team slug</dt>
          <dd>{teamSlug ? <code className="text-xs">{teamSlug}</code> : "missing: set INSTRUQT_TEAM_SLUG"}</dd>
        </dl>
        <StartBackfillForm />
      </section>

      <section aria-labelledby="backfills-heading" className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id="backfills-heading" className="text-base font-semibold">Backfills</h2>
        {backfills.length === 0 ? (
          <p className="mt-4 text-sm text-slate-500">No backfill yet.</p>
        ) : (
          <div className="mt-4 overflow-x-auto">
            <table className="stack-table w-full text-left text-sm" data-testid="backfills-table">
              <thead className="border-b border-slate-200 text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2 pr-4 font-medium">Range</th>
                  <th className="py-2 pr-4 font-medium">Status</th>
                  <th className="py-2 pr-4 font-medium">Pages</th>
                  <th className="py-2 pr-4 font-medium">Plays seen</th>
                  <th className="py-2 pr-4 font-medium">Plays added</th>
                  <th className="py-2 font-medium">Requested</th>
                </tr>
              </thead>
              <tbody>
                {backfills.map((backfill) => (
                  <tr key={backfill.id} data-backfill-id={backfill.id} className="border-b border-slate-100 align-top last:border-0">
                    <td data-label="Range" className="py-2 pr-4">
                      {day(backfill.from)} – {day(backfill.to)}
                      {backfill.tracks.length > 0 ? <span className="block text-xs text-slate-500">tracks: {backfill.tracks.join(", ")}</span> : null}
                      {backfill.invites.length > 0 ? <span className="block text-xs text-slate-500">invites: {backfill.invites.join(", ")}</span> : null}
                    </td>
                    <td data-label="Status" className="py-2 pr-4">
                      <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${statusStyles[backfill.status]}`} data-status={backfill.status}>
                        {backfill.status}
                      </span>
                      {backfill.error ? (
                        <span role={backfill.status === "failed" ? "alert" : undefined} className="mt-1 block max-w-md text-xs text-rose-800" data-testid="backfill-error">
                          {backfill.error}
                        </span>
                      ) : null}
                      {backfill.mismatch ? (
                        <details className="mt-1 max-w-md text-xs">
                          <summary className="cursor-pointer text-slate-700">Instruqt&apos;s answer, as received</summary>
                          <pre className="mt-1 max-h-64 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2">
                            {JSON.stringify(backfill.mismatch, null, 2)}
                          </pre>
                        </details>
                      ) : null}
                    </td>
                    <td data-label="Pages" className="py-2 pr-4 tabular-nums">{backfill.pages_done}</td>
                    <td data-label="Plays seen" className="py-2 pr-4 tabular-nums">
                      {backfill.plays_seen}
                      {backfill.totalItems !== null ? <span className="text-slate-500"> of {backfill.totalItems}</span> : null}
                    </td>
                    <td data-label="Plays added" className="py-2 pr-4 tabular-nums">{backfill.plays_added}</td>
                    <td data-label="Requested" className="py-2">
                      {formatDateTime(backfill.createdAt)}
                      {backfill.requestedBy ? <span className="block text-xs text-slate-500">by {backfill.requestedBy}</span> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
