"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useTransition } from "react";

const PAUSED_KEY = "cairn:live-paused";

/**
 * Keeps a server-rendered page current during a live workshop: re-renders it on the server every
 * `intervalSeconds` (router.refresh keeps scroll position, open <details> and form input), not
 * while the tab is hidden, and not when paused. The pause choice is remembered in this browser.
 */
export function LiveRefresh({ renderedAt, intervalSeconds = 10 }: { renderedAt: string; intervalSeconds?: number }) {
  const router = useRouter();
  const [paused, setPaused] = useState(false);
  const [hidden, setHidden] = useState(false);
  const [refreshing, startRefresh] = useTransition();

  useEffect(() => {
    setPaused(window.localStorage.getItem(PAUSED_KEY) === "1");
    setHidden(document.hidden);
    const onVisibility = () => setHidden(document.hidden);
    document.addEventListener("visibilitychange", onVisibility);
    return () => document.removeEventListener("visibilitychange", onVisibility);
  }, []);

  const live = !paused && !hidden;
  const wasLive = useRef<boolean | null>(null);

  useEffect(() => {
    const resumed = wasLive.current === false;
    wasLive.current = live;
    if (!live) return;
    // Coming back to the tab (or resuming) shows fresh numbers at once, not after a full period;
    // a page that was just rendered needs no second render.
    if (resumed) startRefresh(() => router.refresh());
    const timer = window.setInterval(() => startRefresh(() => router.refresh()), intervalSeconds * 1000);
    return () => window.clearInterval(timer);
  }, [live, intervalSeconds, router]);

  const toggle = () => {
    const next = !paused;
    setPaused(next);
    if (next) window.localStorage.setItem(PAUSED_KEY, "1");
    else window.localStorage.removeItem(PAUSED_KEY);
  };

  const time = renderedAt.slice(11, 19);
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm" data-testid="live-refresh" data-live={live ? "on" : "off"}>
      <span className="inline-flex items-center gap-1.5 font-medium text-slate-800">
        <span
          aria-hidden="true"
          className={`inline-block h-2.5 w-2.5 rounded-full ${live ? "bg-emerald-500 motion-safe:animate-pulse" : "bg-slate-400"}`}
        />
        {live ? "Live" : paused ? "Paused" : "Paused while hidden"}
      </span>
      <span className="text-slate-600">
        updated <time dateTime={renderedAt}>{time}</time> UTC{refreshing ? " · refreshing…" : ""}
      </span>
      <button
        type="button"
        onClick={toggle}
        aria-pressed={paused}
        className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-slate-700 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      >
        {paused ? "Resume live updates" : "Pause live updates"}
      </button>
    </div>
  );
}
