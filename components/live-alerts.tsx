"use client";

import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import type { OpenAlert } from "@/lib/alerts/open";
import { ALERT_KIND_LABELS } from "@/lib/alerts/kinds";
import { trackLabel } from "@/lib/catalogue/names";
import { playPath } from "@/lib/plays/links";
import { formatDuration, learnerLabel } from "./format";

export interface OpenAlerts {
  count: number;
  alerts: OpenAlert[];
}

/** How often the list is read again when nothing on the board moved (a rule's timer fired …). */
const POLL_MS = 15_000;
/**
 * After the board changed, when to read again: evaluation runs once the projector's batch has
 * committed (typically well under a second, at most a few), so a quick look and a later one.
 */
const AFTER_CHANGE_MS = [1_500, 5_000];

/**
 * The open alerts on /live: a badge with how many are waiting and a list an instructor works
 * through with Acknowledge. Read from GET /api/alerts — shortly after the board's stream reports
 * a change (`pulse`) and every 15 s — so the live stream's contract stays as it is.
 */
export function LiveAlerts({ initial, query, pulse, now }: { initial: OpenAlerts; query: string; pulse: number; now: number }) {
  const [state, setState] = useState<OpenAlerts>(initial);
  const [error, setError] = useState("");
  const [pending, setPending] = useState<Set<string>>(() => new Set());
  const timers = useRef<number[]>([]);

  const refresh = useCallback(async () => {
    try {
      const response = await fetch(`/api/alerts${query ? `?${query}` : ""}`, { cache: "no-store", credentials: "same-origin" });
      if (!response.ok) return;
      const body = (await response.json()) as OpenAlerts;
      setState({ count: body.count, alerts: body.alerts });
    } catch {
      // offline for a moment: the next poll tries again
    }
  }, [query]);

  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") void refresh();
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [refresh]);

  useEffect(() => {
    if (pulse === 0) return;
    for (const timer of timers.current) window.clearTimeout(timer);
    timers.current = AFTER_CHANGE_MS.map((delay) => window.setTimeout(() => void refresh(), delay));
  }, [pulse, refresh]);

  useEffect(() => () => timers.current.forEach((timer) => window.clearTimeout(timer)), []);

  async function acknowledge(id: string) {
    setError("");
    setPending((current) => new Set(current).add(id));
    try {
      const response = await fetch(`/api/alerts/${encodeURIComponent(id)}/acknowledge`, { method: "POST", credentials: "same-origin", cache: "no-store" });
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { message?: string } | null;
        setError(body?.message ?? `Could not acknowledge the alert (HTTP ${response.status}).`);
        return;
      }
      setState((current) => ({ count: Math.max(0, current.count - 1), alerts: current.alerts.filter((alert) => alert.id !== id) }));
    } catch {
      setError("Cairn could not be reached. Check your connection and try again.");
    } finally {
      setPending((current) => {
        const next = new Set(current);
        next.delete(id);
        return next;
      });
    }
  }

  const { count, alerts } = state;
  return (
    <section aria-labelledby="live-alerts-heading" className="mb-6" data-testid="live-alerts">
      <h2 id="live-alerts-heading" className="mb-2 flex items-center gap-2 text-base font-semibold text-slate-900">
        Open alerts
        <span
          data-testid="alert-badge"
          data-count={count}
          className={`inline-flex min-w-[1.75rem] justify-center rounded-full px-2 py-0.5 text-sm font-semibold ${count > 0 ? "bg-rose-700 text-white" : "bg-slate-200 text-slate-800"}`}
        >
          <span className="sr-only">{count === 1 ? "1 open alert" : `${count} open alerts`}</span>
          <span aria-hidden="true">{count}</span>
        </span>
      </h2>
      {error ? (
        <p role="alert" className="mb-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {alerts.length === 0 ? (
        <p className="text-sm text-slate-700">No open alerts. Rules are set in Settings → Alerts.</p>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
          {alerts.map((alert) => {
            const learner = learnerLabel({ firstName: alert.first_name, lastName: alert.last_name, email: alert.email, userId: alert.user_id });
            const track = alert.track_id ?? alert.track_slug;
            const openedSeconds = Math.max(0, Math.floor((now - Date.parse(alert.opened_at)) / 1000));
            return (
              <li key={alert.id} data-testid="open-alert" data-alert={alert.id} data-participant={alert.participant_id} className="flex flex-wrap items-start gap-x-4 gap-y-2 px-3 py-2 text-sm">
                <div className="min-w-0 flex-1 break-words">
                  <span className="mr-2 inline-flex whitespace-nowrap rounded-full bg-rose-50 px-2 py-0.5 text-xs font-medium text-rose-900 ring-1 ring-inset ring-rose-200">
                    {ALERT_KIND_LABELS[alert.kind]}
                  </span>
                  <Link href={playPath(alert.user_id, alert.participant_id)} className="font-medium text-indigo-800 underline">
                    <bdi>{learner}</bdi>
                  </Link>{" "}
                  <span className="text-slate-800">{alert.detail}</span>
                  <span className="block text-xs text-slate-700">
                    {track ? (
                      <>
                        <bdi>{trackLabel({ id: track, slug: alert.track_slug, title: alert.track_title })}</bdi>
                        {" · "}
                      </>
                    ) : null}
                    {alert.challenge_number !== null ? (
                      <>
                        challenge {alert.challenge_number}
                        {alert.challenge_title ? (
                          <>
                            {" "}
                            <bdi>{alert.challenge_title}</bdi>
                          </>
                        ) : null}
                        {" · "}
                      </>
                    ) : null}
                    opened {formatDuration(openedSeconds)} ago
                  </span>
                </div>
                <button
                  type="button"
                  onClick={() => void acknowledge(alert.id)}
                  disabled={pending.has(alert.id)}
                  aria-label={`Acknowledge: ${learner}, ${alert.detail}`}
                  className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-800 hover:bg-slate-50 focus:outline-none focus:ring-2 focus:ring-indigo-500 disabled:opacity-60"
                >
                  {pending.has(alert.id) ? "Acknowledging…" : "Acknowledge"}
                </button>
              </li>
            );
          })}
          {count > alerts.length ? <li className="px-3 py-2 text-sm text-slate-700">… and {count - alerts.length} more.</li> : null}
        </ul>
      )}
    </section>
  );
}
