import type { Metadata } from "next";
import { OutsideText } from "@/components/outside-text";
import { requireUser } from "@/lib/auth/guard";
import { enrichmentStatus, PURGE_CONFIRMATION } from "@/lib/enrichment/admin";
import { CatalogueSection } from "./catalogue-section";
import { ConnectionForm, PurgeForm, QueueActions } from "./forms";
import { formatDate } from "./format";

export const metadata: Metadata = { title: "Enrichment" };
export const dynamic = "force-dynamic";

// The same card as every other settings page (app/settings/layout.tsx frames them all).
const card = "rounded-lg border border-slate-200 bg-white p-5";

function StatusBadge({ enabled, paused, hasKey }: { enabled: boolean; paused: boolean; hasKey: boolean }) {
  const [label, style] = paused
    ? ["Paused", "bg-amber-100 text-amber-900"]
    : enabled && hasKey
      ? ["On", "bg-emerald-100 text-emerald-900"]
      : ["Off", "bg-slate-100 text-slate-700"];
  return (
    <span data-testid="enrichment-state" className={`rounded-full px-2.5 py-0.5 text-sm font-medium ${style}`}>
      {label}
    </span>
  );
}

function Stat({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div className="rounded-lg border border-slate-200 px-4 py-3">
      <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

/**
 * Settings → Enrichment: the Instruqt API key and URL, on/off, the job queue, and the purge of
 * personal data. Admins only; inside the settings layout like every settings page.
 */
export default async function EnrichmentSettingsPage() {
  await requireUser({ role: "admin", callbackUrl: "/settings/enrichment" });
  const { settings, queue, learners, worker, teamSlug } = await enrichmentStatus();
  const running = settings.enabled && settings.apiKey !== null && settings.paused === null;

  return (
    <div className="space-y-8">
      <section aria-labelledby="enrichment-heading" className={card}>
        <div className="flex items-center gap-3">
          <h2 id="enrichment-heading" className="text-base font-semibold">
            Enrichment
          </h2>
          <StatusBadge enabled={settings.enabled} paused={settings.paused !== null} hasKey={settings.apiKey !== null} />
        </div>
        <p className="mt-1 text-sm text-slate-600">
          Webhooks carry no names or emails. With an API key, Cairn asks Instruqt&apos;s GraphQL API who claimed each
          invite and stores their name and email on the learner, for dashboards, search and exports.{" "}
          <span data-testid="learners-enriched">
            {learners.enriched} of {learners.total} learners enriched.
          </span>
        </p>
      </section>

      {settings.paused ? (
        <div role="alert" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900">
          <strong>Paused since {formatDate(settings.paused.at)}:</strong> {settings.paused.message}. No request goes to
          Instruqt until you save a new key (or the settings), or a connection test with the saved key passes.
        </div>
      ) : null}

      <section className={card} aria-labelledby="connection-heading">
        <h2 id="connection-heading" className="text-base font-semibold">
          Connection
        </h2>
        <div className="mt-4">
          <ConnectionForm enabled={settings.enabled} graphqlUrl={settings.graphqlUrl} apiKey={settings.apiKey} teamSlug={teamSlug} />
        </div>
      </section>

      <CatalogueSection configured={settings.apiKey !== null && teamSlug.active !== null} paused={settings.paused !== null} />

      <section className={card} aria-labelledby="queue-heading">
        <div className="flex items-baseline justify-between gap-4">
          <h2 id="queue-heading" className="text-base font-semibold">
            Job queue
          </h2>
          <a href="/settings/enrichment" className="text-sm text-indigo-700 underline">
            Refresh
          </a>
        </div>
        {running ? (
          <>
            <p className="mt-1 text-sm text-slate-600">
              {worker.configured
                ? `This instance runs the worker (up to ${worker.concurrency} jobs at once).`
                : "This instance does not run the worker (CAIRN_WORKER=off): another instance must, or jobs wait."}{" "}
              {queue.nextRunAt ? `Next job due ${formatDate(queue.nextRunAt)}.` : null}
              {queue.stale > 0 ? ` ${queue.stale} running job(s) lost their worker and will be taken over.` : null}
            </p>
            <dl className="mt-4 grid grid-cols-2 gap-3 sm:grid-cols-4">
              <Stat label="Pending" value={queue.counts.pending} testId="queue-pending" />
              <Stat label="Running" value={queue.counts.running} testId="queue-running" />
              <Stat label="Done" value={queue.counts.done} testId="queue-done" />
              <Stat label="Failed" value={queue.counts.failed} testId="queue-failed" />
            </dl>
          </>
        ) : (
          // Off or paused, nothing runs: counts of pending jobs and a due time would read as work
          // in progress. Say what is waiting and what turning it on will do instead.
          <div className="mt-2 space-y-2 text-sm text-slate-700" data-testid="queue-idle">
            <p>
              {settings.paused
                ? "Paused: no job runs and nothing is sent to Instruqt until the pause is lifted (above)."
                : settings.apiKey
                  ? "Off: no job runs and nothing is sent to Instruqt."
                  : "Off: no API key is saved, so no job runs and nothing is sent to Instruqt."}{" "}
              <span data-testid="queue-pending">{queue.counts.pending}</span>{" "}
              {queue.counts.pending === 1 ? "invite claim waits" : "invite claims wait"} to be looked up
              {queue.counts.failed > 0 ? (
                <>
                  , and <span data-testid="queue-failed">{queue.counts.failed}</span> failed earlier
                </>
              ) : null}
              .
            </p>
            <p>
              When you turn enrichment on{settings.apiKey ? "" : " with a key"}, the worker starts on the waiting claims at once,
              oldest first{worker.configured ? "" : " (on an instance that runs the worker: this one has CAIRN_WORKER=off)"}, and
              every new invite claim is looked up as it arrives.
            </p>
          </div>
        )}
        <div className="mt-4">
          <QueueActions failed={queue.counts.failed} />
        </div>
        {queue.recent.length > 0 ? (
          <div className="mt-6 overflow-x-auto">
            <h3 className="text-sm font-semibold text-slate-800">Recent errors and notes</h3>
            <table className="stack-table mt-2 w-full text-left text-sm">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2 pr-4 font-medium">Invite</th>
                  <th className="py-2 pr-4 font-medium">Status</th>
                  <th className="py-2 pr-4 font-medium">Attempts</th>
                  <th className="py-2 pr-4 font-medium">Message</th>
                  <th className="py-2 font-medium">Updated</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100" data-testid="queue-recent">
                {queue.recent.map((job) => (
                  <tr key={job.inviteId}>
                    <td data-label="Invite" className="py-2 pr-4 text-xs">
                      <OutsideText value={job.inviteId} mono maxWidth="max-w-[12rem]" />
                    </td>
                    <td data-label="Status" className="py-2 pr-4">{job.status}</td>
                    <td data-label="Attempts" className="py-2 pr-4 tabular-nums">{job.attempts}</td>
                    <td data-label="Message" className="py-2 pr-4 text-slate-700">{job.lastError ?? job.note}</td>
                    <td data-label="Updated" className="whitespace-nowrap py-2 text-slate-500">{formatDate(job.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      <section className="rounded-lg border border-red-200 bg-white p-5" aria-labelledby="purge-heading">
        <h2 id="purge-heading" className="text-base font-semibold text-red-800">
          Purge personal data
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Removes every name and email Cairn holds, with where and when they came from. Progress data stays.
        </p>
        <div className="mt-4">
          <PurgeForm confirmation={PURGE_CONFIRMATION} />
        </div>
      </section>
    </div>
  );
}
