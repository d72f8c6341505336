import type { RecentEvent } from "@/lib/dashboard/overview";

/** Consecutive events of one learner, newest first, shown as one entry of the activity feed. */
export interface ActivityGroup {
  key: string;
  userId: string | null;
  learnerName: string | null;
  /** The track every event of the group belongs to; null when they span several (or none). */
  trackKey: string | null;
  trackLabel: string | null;
  trackTitle: string | null;
  events: RecentEvent[];
}

/**
 * A learner working through a challenge sends a burst of events; listing each one lets a single
 * learner fill the feed. Runs of the same learner (by user id, else by play) become one group;
 * the order of the feed is kept, so a learner who comes back later gets a new group.
 */
export function groupConsecutive(events: RecentEvent[]): ActivityGroup[] {
  const groups: ActivityGroup[] = [];
  for (const event of events) {
    const who = event.userId ?? event.participantId;
    const last = groups.at(-1);
    if (last && who !== null && (last.userId ?? last.events[0]!.participantId) === who) {
      last.events.push(event);
      if (last.trackKey !== event.trackKey) {
        last.trackKey = null;
        last.trackLabel = null;
        last.trackTitle = null;
      }
      continue;
    }
    groups.push({
      key: event.id,
      userId: event.userId,
      learnerName: event.learnerName,
      trackKey: event.trackKey,
      trackLabel: event.trackLabel,
      trackTitle: event.trackTitle,
      events: [event],
    });
  }
  return groups;
}
