import type { PlayStatus } from "@/lib/generated/prisma/enums";

export const PLAY_STATUS_LABELS: Record<PlayStatus, string> = {
  started: "Started",
  in_progress: "In progress",
  completed: "Completed",
  stopped: "Stopped",
};

/** What a page shows for a play that is still open but has gone quiet (a derived state). */
export const INACTIVE_LABEL = "Inactive";
