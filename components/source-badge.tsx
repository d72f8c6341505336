import type { PlaySource } from "@/lib/generated/prisma/enums";

/**
 * Where a play's figures came from. Plays projected from webhook events are the rule and carry no
 * badge; a play added by a backfill from Instruqt's play reports says so, since it has no
 * per-challenge detail or timeline until events for it arrive.
 */
export function SourceBadge({ source }: { source: PlaySource }) {
  if (source !== "report") return null;
  return (
    <span
      data-source="report"
      title="Added by a backfill from Instruqt's play reports: track-level figures only, no challenge detail"
      className="inline-flex items-center whitespace-nowrap rounded-full bg-violet-50 px-2 py-0.5 text-xs font-medium text-violet-800 ring-1 ring-inset ring-violet-200"
    >
      From report
    </span>
  );
}
