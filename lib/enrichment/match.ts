import type { InviteClaim, InviteClaimsResult } from "@/lib/instruqt/graphql";

/**
 * Which claim of an invite belongs to which Cairn learner, as far as Instruqt's answer allows —
 * and no further:
 *
 *   - claims that carry a user id are matched by it (the webhook events' user_id);
 *   - when no claim carries an id, exactly one claim and exactly one learner known for the invite
 *     are the same person;
 *   - anything else is recorded as a note and left alone: a wrong name on a learner is worse
 *     than none.
 *
 * A pure function of the answer and the learners Cairn knows for the invite.
 */

export interface LearnerDetails {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
}

export interface Match {
  userId: string;
  details: LearnerDetails;
}

export interface MatchOutcome {
  matches: Match[];
  /** What could not be matched and why; null when every known learner was matched. */
  note: string | null;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function matchClaims(result: InviteClaimsResult, knownLearners: readonly string[]): MatchOutcome {
  if (!result.found) return { matches: [], note: result.reason };
  const known = [...new Set(knownLearners)].sort();
  const claims = result.claims;
  if (claims.length === 0) return { matches: [], note: "the invite has no claims yet" };

  const withId = claims.filter((claim): claim is InviteClaim & { userId: string } => claim.userId !== null);
  if (withId.length > 0) return matchById(withId, claims.length - withId.length, known);

  // No ids at all: only the one-to-one case is certain.
  if (claims.length === 1 && known.length === 1) {
    const [claim] = claims;
    if (!claim!.details) return { matches: [], note: "the invite's only claim has no user details" };
    return { matches: [{ userId: known[0]!, details: claim!.details }], note: null };
  }
  return {
    matches: [],
    note: `ambiguous: ${plural(claims.length, "claim")} without user ids and ${plural(known.length, "known learner")}; not matched`,
  };
}

function matchById(claims: (InviteClaim & { userId: string })[], withoutId: number, known: string[]): MatchOutcome {
  const byUser = new Map<string, LearnerDetails | null>();
  const conflicting = new Set<string>();
  for (const claim of claims) {
    const previous = byUser.get(claim.userId);
    if (previous !== undefined && !sameDetails(previous, claim.details)) conflicting.add(claim.userId);
    // A user claiming the same invite twice: the details are theirs either way; prefer a claim with details.
    if (previous === undefined || previous === null) byUser.set(claim.userId, claim.details);
  }

  const matches: Match[] = [];
  const notes: string[] = [];
  for (const [userId, details] of [...byUser].sort(([a], [b]) => a.localeCompare(b))) {
    if (conflicting.has(userId)) continue;
    if (details) matches.push({ userId, details });
  }
  const withoutDetails = [...byUser].filter(([userId, details]) => !details && !conflicting.has(userId)).length;
  const unmatched = known.filter((userId) => !byUser.has(userId));

  if (conflicting.size > 0) notes.push(`${plural(conflicting.size, "user")} with conflicting claims left alone`);
  if (withoutDetails > 0) notes.push(`${plural(withoutDetails, "claim")} without user details`);
  if (withoutId > 0) notes.push(`${plural(withoutId, "claim")} without a user id ignored`);
  if (unmatched.length > 0) notes.push(`${plural(unmatched.length, "known learner")} not among the claims`);
  return { matches, note: notes.length > 0 ? notes.join("; ") : null };
}

function sameDetails(a: LearnerDetails | null, b: LearnerDetails | null): boolean {
  if (!a || !b) return true;
  return a.firstName === b.firstName && a.lastName === b.lastName && a.email === b.email;
}
