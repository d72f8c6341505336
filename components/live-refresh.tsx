"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useSyncExternalStore, useTransition } from "react";

const PAUSED_KEY = "cairn:live-paused";

// The pause choice lives in localStorage: remembered in this browser, shared by its tabs.
const pauseListeners = new Set<() => void>();

function subscribePaused(listener: () => void): () => void {
  pauseListeners.add(listener);
  window.addEventListener("storage", listener);
  return () => {
    pauseListeners.delete(listener);
    window.removeEventListener("storage", listener);
  };
}

const readPaused = () => window.localStorage.getItem(PAUSED_KEY) === "1";

function storePaused(paused: boolean): void {
  if (paused) window.localStorage.setItem(PAUSED_KEY, "1");
  else window.localStorage.removeItem(PAUSED_KEY);
  pauseListeners.forEach((listener) => listener());
}

function subscribeVisibility(listener: () => void): () => void {
  document.addEventListener("visibilitychange", listener);
  return () => document.removeEventListener("visibilitychange", listener);
}

/**
 * Keeps a server-rendered page current during a live workshop: re-renders it on the server when
 * the live stream (GET /api/live/stream, pushed from the database's NOTIFY) reports a play in
 * `scope` that changed — at most once a second however many arrive (router.refresh keeps scroll
 * position, open <details> and form input) — not while the tab is hidden, and not when paused.
 * No polling: a quiet workshop costs nothing.
 */
export function LiveRefresh({ renderedAt, scope = {} }: { renderedAt: string; scope?: { track?: string; invite?: string } }) {
  const router = useRouter();
  const paused = useSyncExternalStore(subscribePaused, readPaused, () => false);
  const hidden = useSyncExternalStore(subscribeVisibility, () => document.hidden, () => false);
  const [refreshing, startRefresh] = useTransition();
  const live = !paused && !hidden;
  const wasLive = useRef<boolean | null>(null);
  const query = new URLSearchParams(
    Object.entries(scope).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  ).toString();

  useEffect(() => {
    const resumed = wasLive.current === false;
    wasLive.current = live;
    if (!live) return;
    // Coming back to the tab (or resuming) shows fresh numbers at once; a page that was just
    // rendered needs no second render.
    if (resumed) startRefresh(() => router.refresh());
    const source = new EventSource(`/api/live/stream${query ? `?${query}` : ""}`);
    let timer: number | undefined;
    const changed = () => {
      if (timer !== undefined) return;
      timer = window.setTimeout(() => {
        timer = undefined;
        startRefresh(() => router.refresh());
      }, 1_000);
    };
    source.addEventListener("play", changed);
    source.addEventListener("gone", changed);
    return () => {
      source.close();
      window.clearTimeout(timer);
    };
  }, [live, query, router]);

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
        onClick={() => storePaused(!paused)}
        className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-slate-700 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      >
        {paused ? "Resume live updates" : "Pause live updates"}
      </button>
    </div>
  );
}
