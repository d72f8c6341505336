"use client";

/**
 * A dashboard page whose data could not be read (most often: the database is unreachable). The
 * rest of the app keeps working; trying again re-runs the page's queries.
 */
export default function DashboardError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 p-6 text-sm text-rose-900">
      <h1 className="text-lg font-semibold">This page could not be loaded</h1>
      <p className="mt-1">
        Cairn could not read its data just now. If it keeps happening, check that the database is reachable
        (<a className="underline" href="/api/health">/api/health</a>).
      </p>
      {error.digest ? <p className="mt-1 font-mono text-xs">Reference: {error.digest}</p> : null}
      <button
        type="button"
        onClick={reset}
        className="mt-4 rounded-md bg-rose-700 px-3 py-1.5 font-medium text-white hover:bg-rose-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-rose-500 focus-visible:ring-offset-2"
      >
        Try again
      </button>
    </div>
  );
}
