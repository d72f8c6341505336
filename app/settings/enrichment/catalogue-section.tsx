import { escapeBidiControls, LongText, OutsideText } from "@/components/outside-text";
import { CATALOGUE_JOB_KIND } from "@/lib/catalogue/store";
import { catalogueCounts, catalogueProblems } from "@/lib/catalogue/read";
import { jobCounts } from "@/lib/jobs/queue";
import { RefreshTitlesForm } from "./catalogue-forms";
import { formatDate } from "./format";

/**
 * The track catalogue on Settings → Enrichment: whether titles are being fetched, how far, and
 * every track whose last answer Cairn could not read — with the answer, so a change in Instruqt's
 * schema shows here plainly instead of as titles that silently never arrive.
 */
export async function CatalogueSection({ configured, paused }: { configured: boolean; paused: boolean }) {
  const [counts, jobs, problems] = await Promise.all([catalogueCounts(), jobCounts(CATALOGUE_JOB_KIND), catalogueProblems()]);
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-5" aria-labelledby="catalogue-heading" data-testid="catalogue-section">
      <h2 id="catalogue-heading" className="text-base font-semibold">
        Track catalogue
      </h2>
      <p className="mt-1 text-sm text-slate-600" data-testid="catalogue-state">
        {!configured
          ? "Titles are fetched from Instruqt once an API key and the team slug are saved; until then pages show slugs and ids."
          : paused
            ? "Paused with enrichment: Instruqt refused the API key (above)."
            : `Each track's title and its challenges' titles are fetched when the track is first seen and refreshed daily.`}{" "}
        <span data-testid="catalogue-counts">
          {counts.withTitle} of {counts.tracks} tracks have a title.
        </span>{" "}
        Jobs: {jobs.pending} pending, {jobs.running} running, {jobs.failed} failed
        {jobs.nextRunAt ? `; next due ${formatDate(jobs.nextRunAt)}` : ""}.
      </p>
      <div className="mt-4">
        <RefreshTitlesForm />
      </div>
      {problems.length > 0 ? (
        <div className="mt-6" role="alert">
          <h3 className="text-sm font-semibold text-amber-900">Answers Cairn could not use</h3>
          <p className="text-sm text-slate-600">
            The last fetch of these tracks failed in a way retrying will not fix (Instruqt&apos;s schema may have changed). Their
            earlier titles, if any, stay.
          </p>
          <ul className="mt-2 divide-y divide-slate-100" data-testid="catalogue-problems">
            {problems.map((problem) => (
              <li key={problem.trackId} className="py-2 text-sm" data-track={problem.trackId}>
                <OutsideText value={problem.slug ?? problem.trackId} mono maxWidth="max-w-[16rem]" />
                {problem.errorAt ? <span className="text-slate-500"> · {formatDate(problem.errorAt)}</span> : null}
                <span className="block text-amber-900">
                  <LongText value={problem.error} limit={500} />
                </span>
                {problem.raw ? (
                  <details className="mt-1">
                    <summary className="cursor-pointer text-indigo-800">Raw answer</summary>
                    <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-900 p-2 font-mono text-xs text-slate-100">{escapeBidiControls(problem.raw)}</pre>
                  </details>
                ) : null}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
