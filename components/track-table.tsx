import Link from "next/link";
import { trackPath, type TrackSummary } from "@/lib/dashboard/tracks";
import { TableFrame, Td, Th } from "./data-table";
import { trackName } from "@/lib/catalogue/names";
import { NameCell } from "./name-lines";
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
          <Th numeric>
            <abbr title="Median time from start to completion" className="no-underline">Median time</abbr>
          </Th>
          <Th numeric>Challenges</Th>
          <Th>Last activity</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {tracks.map((track) => (
          <tr key={track.id} className="hover:bg-slate-50" data-track={track.id}>
            <Td label="Track">
              <Link href={trackPath(track.key)} className="font-medium text-indigo-800 hover:underline">
                <NameCell lines={trackName(track)} />
              </Link>
            </Td>
            <Td numeric label="Starts">{formatNumber(track.plays)}</Td>
            <Td numeric label="Completions">{formatNumber(track.completions)}</Td>
            <Td numeric label="Completion rate">{formatRate(track.completionRate)}</Td>
            <Td numeric label="Median time">{formatDuration(track.medianCompletionSeconds)}</Td>
            <Td numeric label="Challenges">{track.totalChallenges ?? "—"}</Td>
            <Td label="Last activity" className="whitespace-nowrap text-slate-700">
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
