"use client";

import Link from "next/link";
import { useEffect, useMemo, useState } from "react";
import { compareNeedsHelp, LIVE_FLAGS, type LiveFlag } from "@/lib/live/flags";
import type { LivePlay } from "@/lib/live/play";
import { challengeName, trackName } from "@/lib/catalogue/names";
import { LiveAlerts, type OpenAlerts } from "./live-alerts";
import { NameCell } from "./name-lines";
import { formatDuration, learnerLabel } from "./format";

const FLAG_LABELS: Record<LiveFlag, string> = {
  sandbox_failed: "Sandbox failed",
  failing: "Failing checks",
  stuck: "Stuck",
  idle: "Idle",
};

// AA contrast: 800/900 text on 50 backgrounds.
const FLAG_STYLES: Record<LiveFlag, string> = {
  sandbox_failed: "bg-rose-50 text-rose-900 ring-rose-200",
  failing: "bg-amber-50 text-amber-900 ring-amber-200",
  stuck: "bg-orange-50 text-orange-900 ring-orange-200",
  idle: "bg-slate-100 text-slate-800 ring-slate-300",
};

/** A play and the moment (this browser's clock) its durations were true. */
interface Held {
  play: LivePlay;
  at: number;
}

const advance = (seconds: number | null, since: number, now: number) =>
  seconds === null ? null : seconds + Math.max(0, Math.floor((now - since) / 1000));

/**
 * The live board in the browser: starts from the server's rendering, then follows
 * GET /api/live/stream (plays that changed, plays gone) — no polling. Durations tick here from the
 * last message; flags come from the server, which re-evaluates them as time passes.
 */
export function LiveBoard({ initial, alerts, query }: { initial: LivePlay[]; alerts: OpenAlerts; query: string }) {
  const [plays, setPlays] = useState<Map<string, Held>>(() => {
    const at = Date.now();
    return new Map(initial.map((play) => [play.participant_id, { play, at }]));
  });
  const [now, setNow] = useState(() => Date.now());
  const [connected, setConnected] = useState(false);
  // Counts the stream's messages: the open alerts look again after the board moved.
  const [pulse, setPulse] = useState(0);

  useEffect(() => {
    const source = new EventSource(`/api/live/stream${query ? `?${query}` : ""}`);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.addEventListener("play", (message) => {
      const play = JSON.parse((message as MessageEvent<string>).data) as LivePlay;
      setPlays((current) => new Map(current).set(play.participant_id, { play, at: Date.now() }));
      setPulse((count) => count + 1);
    });
    source.addEventListener("gone", (message) => {
      const { participant_id: id } = JSON.parse((message as MessageEvent<string>).data) as { participant_id: string };
      setPlays((current) => {
        const next = new Map(current);
        next.delete(id);
        return next;
      });
      setPulse((count) => count + 1);
    });
    const ticker = window.setInterval(() => setNow(Date.now()), 5_000);
    return () => {
      source.close();
      window.clearInterval(ticker);
    };
  }, [query]);

  const rows = useMemo(
    () =>
      [...plays.values()]
        .map(({ play, at }) => ({
          ...play,
          seconds_on_challenge: advance(play.seconds_on_challenge, at, now),
          seconds_since_activity: advance(play.seconds_since_activity, at, now),
        }))
        .sort((a, b) =>
          compareNeedsHelp(
            { participantId: a.participant_id, flags: a.flags, secondsOnChallenge: a.seconds_on_challenge },
            { participantId: b.participant_id, flags: b.flags, secondsOnChallenge: b.seconds_on_challenge },
          ),
        ),
    [plays, now],
  );

  const counts = LIVE_FLAGS.map((flag) => ({ flag, count: rows.filter((row) => row.flags.includes(flag)).length }));
  const strip = useMemo(() => {
    const byChallenge = new Map<string, { label: string; count: number; order: [string, number] }>();
    for (const row of rows) {
      if (row.challenge_number === null) continue;
      const track = row.track_slug ?? row.track_id ?? "unknown track";
      const key = `${track}#${row.challenge_number}`;
      const entry = byChallenge.get(key) ?? { label: `${track} · challenge ${row.challenge_number}`, count: 0, order: [track, row.challenge_number] };
      entry.count++;
      byChallenge.set(key, entry);
    }
    return [...byChallenge.values()].sort((a, b) => a.order[0].localeCompare(b.order[0]) || a.order[1] - b.order[1]);
  }, [rows]);

  return (
    <div data-testid="live-board" data-connected={connected ? "yes" : "no"}>
      <p className="mb-4 text-sm text-slate-700" role="status">
        {connected ? "Live: changes appear as they happen." : "Connecting to live updates…"} {rows.length} active{" "}
        {rows.length === 1 ? "play" : "plays"}.
      </p>

      <LiveAlerts initial={alerts} query={query} pulse={pulse} now={now} />

      <section aria-labelledby="live-flags-heading" className="mb-6">
        <h2 id="live-flags-heading" className="sr-only">
          Flags
        </h2>
        <ul className="grid grid-cols-2 gap-3 sm:grid-cols-4">
          {counts.map(({ flag, count }) => (
            <li key={flag} className="rounded-lg border border-slate-200 bg-white p-3" data-testid={`count-${flag}`}>
              <div className="text-sm text-slate-700">{FLAG_LABELS[flag]}</div>
              <div className="text-2xl font-semibold text-slate-900">{count}</div>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="live-strip-heading" className="mb-6">
        <h2 id="live-strip-heading" className="mb-2 text-base font-semibold text-slate-900">
          On each challenge now
        </h2>
        {strip.length === 0 ? (
          <p className="text-sm text-slate-700">Nobody is on a challenge right now.</p>
        ) : (
          <ul className="flex flex-wrap gap-2 text-sm">
            {strip.map((entry) => (
              <li key={entry.label} className="min-w-0 break-words rounded-md bg-indigo-50 px-2.5 py-1 text-indigo-900">
                <bdi>{entry.label}</bdi>: {entry.count}
              </li>
            ))}
          </ul>
        )}
      </section>

      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-left text-sm">
          <caption className="sr-only">Active plays, needs help first</caption>
          <thead className="bg-slate-50 text-slate-700">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">Learner</th>
              <th scope="col" className="px-3 py-2 font-medium">Track</th>
              <th scope="col" className="px-3 py-2 font-medium">Challenge</th>
              <th scope="col" className="px-3 py-2 font-medium">On it</th>
              <th scope="col" className="px-3 py-2 font-medium">Failed checks</th>
              <th scope="col" className="px-3 py-2 font-medium">Last event</th>
              <th scope="col" className="px-3 py-2 font-medium">Flags</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={7} className="px-3 py-6 text-center text-slate-700">
                  No active plays right now.
                </td>
              </tr>
            ) : (
              rows.map((row) => (
                <tr key={row.participant_id} className="border-t border-slate-100" data-testid="live-row" data-participant={row.participant_id}>
                  <td className="max-w-[14rem] break-words px-3 py-2">
                    {row.user_id ? (
                      <Link href={`/learners/${encodeURIComponent(row.user_id)}`} className="text-indigo-800 underline">
                        <bdi>{learnerLabel({ firstName: row.first_name, lastName: row.last_name, email: row.email, userId: row.user_id })}</bdi>
                      </Link>
                    ) : (
                      "Unknown learner"
                    )}
                  </td>
                  <td className="max-w-[12rem] break-words px-3 py-2">
                    {row.track_id ? (
                      // Without a title the board shows the slug alone, as it did before titles.
                      <NameCell lines={row.track_title ? trackName({ id: row.track_id, slug: row.track_slug, title: row.track_title }) : { primary: row.track_slug ?? row.track_id, secondary: null }} />
                    ) : (
                      "—"
                    )}
                  </td>
                  <td className="px-3 py-2">
                    {row.challenge_number === null ? (
                      "between challenges"
                    ) : (
                      <NameCell lines={challengeName({ number: row.challenge_number, id: row.challenge_title ? row.challenge_id : null, title: row.challenge_title })} />
                    )}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2">{formatDuration(row.seconds_on_challenge)}</td>
                  <td className="px-3 py-2" data-testid="failed-checks">{row.failed_attempts_on_challenge ?? "—"}</td>
                  <td className="whitespace-nowrap px-3 py-2">
                    {row.seconds_since_activity === null ? "—" : `${formatDuration(row.seconds_since_activity)} ago`}
                  </td>
                  <td className="px-3 py-2">
                    <ul className="flex flex-wrap gap-1" aria-label="Flags">
                      {row.flags.map((flag) => (
                        <li
                          key={flag}
                          data-flag={flag}
                          className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${FLAG_STYLES[flag]}`}
                        >
                          {FLAG_LABELS[flag]}
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
