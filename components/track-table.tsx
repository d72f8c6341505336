import Link from "next/link";
import { trackPath, type TrackSummary } from "@/lib/dashboard/tracks";
import { TableFrame, Td, Th } from "./data-table";
import { formatAgo, formatDuration, formatNumber, formatRate } from "./format";

/** Tracks with their starts, completions and how long completing took. */
export function TrackTable({ tracks, now, caption }: { tracks: TrackSummary[]; now: Date; caption: string }) {
  return (
    <TableFrame caption={caption}>
      <thead>
        <tr>
          <Th>Track</Th>
          <Th numeric>Starts</Th>
          <Th numeric>Completions</Th>
          <Th numeric>Completion rate</Th>
          <Th numeric>Median time to complete</Th>
          <Th numeric>Challenges</Th>
          <Th>Last activity</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {tracks.map((track) => (
          <tr key={track.id} className="hover:bg-slate-50" data-track={track.id}>
            <Td>
              <Link href={trackPath(track.key)} className="whitespace-nowrap font-medium text-indigo-800 hover:underline">
                {track.slug ?? track.id}
              </Link>
              {track.slug ? <span className="block font-mono text-xs text-slate-500">{track.id}</span> : null}
            </Td>
            <Td numeric>{formatNumber(track.plays)}</Td>
            <Td numeric>{formatNumber(track.completions)}</Td>
            <Td numeric>{formatRate(track.completionRate)}</Td>
            <Td numeric>{formatDuration(track.medianCompletionSeconds)}</Td>
            <Td numeric>{track.totalChallenges ?? "—"}</Td>
            <Td className="whitespace-nowrap text-slate-700">
              <time dateTime={track.lastActivityAt?.toISOString()} title={track.lastActivityAt?.toISOString()}>
                {formatAgo(track.lastActivityAt, now)}
              </time>
            </Td>
          </tr>
        ))}
      </tbody>
    </TableFrame>
  );
}
