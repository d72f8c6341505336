"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

/**
 * Admins' hand-set titles for a track and its challenges, sent to PUT /api/tracks/[key]/titles
 * (the route validates, stores and audits). An empty field removes the hand-set title.
 */

export interface ChallengeTitleRow {
  challengeId: string;
  position: number | null;
  catalogueTitle: string | null;
  displayTitle: string | null;
}

const input =
  "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";

export function TitlesForm({
  trackKey,
  track,
  challenges,
}: {
  trackKey: string;
  track: { catalogueTitle: string | null; displayTitle: string | null };
  challenges: ChallengeTitleRow[];
}) {
  const router = useRouter();
  const [state, setState] = useState<{ ok: boolean; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim() || null;
    const body = {
      title: text("title"),
      challenges: Object.fromEntries(challenges.map((row) => [row.challengeId, text(`challenge:${row.challengeId}`)])),
    };
    setBusy(true);
    try {
      const response = await fetch(`/api/tracks/${encodeURIComponent(trackKey)}/titles`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = (await response.json().catch(() => ({}))) as { message?: string };
      setState(response.ok ? { ok: true, message: "Titles saved." } : { ok: false, message: answer.message ?? `HTTP ${response.status}` });
      if (response.ok) router.refresh();
    } catch (error) {
      setState({ ok: false, message: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid="titles-form">
      <div>
        <label htmlFor="track-title" className="block text-sm font-medium text-slate-800">
          Track title
        </label>
        <input id="track-title" name="title" maxLength={200} defaultValue={track.displayTitle ?? ""} placeholder={track.catalogueTitle ?? "No title from Instruqt"} className={input} />
      </div>
      {challenges.length > 0 ? (
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-800">Challenge titles</legend>
          {challenges.map((row) => (
            <div key={row.challengeId}>
              <label htmlFor={`challenge-${row.challengeId}`} className="block text-xs text-slate-600">
                {row.position === null ? "" : `#${row.position} `}
                <bdi className="font-mono">{row.challengeId}</bdi>
              </label>
              <input
                id={`challenge-${row.challengeId}`}
                name={`challenge:${row.challengeId}`}
                maxLength={200}
                defaultValue={row.displayTitle ?? ""}
                placeholder={row.catalogueTitle ?? "No title from Instruqt"}
                className={input}
              />
            </div>
          ))}
        </fieldset>
      ) : null}
      <button
        type="submit"
        disabled={busy}
        className="inline-flex items-center justify-center rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-700 disabled:opacity-60"
      >
        Save titles
      </button>
      {state ? (
        <p role={state.ok ? "status" : "alert"} className={`rounded-md px-3 py-2 text-sm ${state.ok ? "bg-emerald-50 text-emerald-800" : "bg-red-50 text-red-800"}`}>
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
