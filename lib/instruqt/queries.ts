import { z } from "zod";

/**
 * Every GraphQL document Cairn sends to Instruqt, with the shape of the answer it expects, in one
 * file so that a change in Instruqt's schema is one edit here.
 *
 * Instruqt documents `trackInvite(inviteID) { claims { userDetails { firstName lastName email } } }`
 * (../shared/reference/instruqt-webhooks.md, Enrichment). Public clients also read
 * `claims { user { id } }`: the claimant's user id, the `user_id` of the webhook events. Cairn asks
 * for both, so a claim can be tied to a learner by id rather than by guessing.
 */

export const TRACK_INVITE_CLAIMS = /* GraphQL */ `
  query CairnTrackInviteClaims($inviteId: String!) {
    trackInvite(inviteID: $inviteId) {
      claims {
        user {
          id
        }
        userDetails {
          firstName
          lastName
          email
        }
      }
    }
  }
`;

/**
 * "Test connection" sends the very document enrichment sends, for an invite that does not exist:
 * it needs the API key, costs Instruqt one lookup, and a schema that no longer has these fields
 * shows up as a validation error instead of a green tick.
 */
export const CONNECTION_TEST_INVITE_ID = "cairn-connection-test";

const optionalText = z
  .string()
  .nullish()
  .transform((value) => {
    const trimmed = value?.trim();
    return trimmed ? trimmed : null;
  });

/** One claim as Cairn reads it. Unknown fields are ignored; absent ones become null. */
const claimSchema = z.object({
  user: z.object({ id: optionalText }).nullish(),
  userDetails: z
    .object({ firstName: optionalText, lastName: optionalText, email: optionalText })
    .nullish(),
});

export const trackInviteClaimsData = z.object({
  trackInvite: z
    .object({ claims: z.array(claimSchema.nullable()).nullish() })
    .nullable(),
});

export type TrackInviteClaimsData = z.infer<typeof trackInviteClaimsData>;
