/**
 * Where Cairn's pages show a learner and one of their plays: the learner's page, and the play's
 * section on it (`#play-<participant id>`). One owner, so pages, the live board and alert
 * notifications link the same way. Pure: client components use it too.
 */

/** `/learners/<user id>`. */
export function learnerPath(userId: string): string {
  return `/learners/${encodeURIComponent(userId)}`;
}

/** The play on its learner's page; without a user id the play has no page, so the live board. */
export function playPath(userId: string | null, participantId: string): string {
  return userId ? `${learnerPath(userId)}#play-${encodeURIComponent(participantId)}` : "/live";
}
