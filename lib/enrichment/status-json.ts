import type { EnrichmentStatus } from "./admin";

/** The status as JSON: dates as ISO strings, never the key (settings only ever hold its hint). */
export function statusBody(status: EnrichmentStatus) {
  return {
    settings: status.settings,
    learners: status.learners,
    teamSlug: status.teamSlug,
    worker: status.worker,
    queue: {
      ...status.queue,
      nextRunAt: status.queue.nextRunAt?.toISOString() ?? null,
      recent: status.queue.recent.map((job) => ({ ...job, runAt: job.runAt.toISOString(), updatedAt: job.updatedAt.toISOString() })),
    },
  };
}
