import { Prisma } from "@/lib/db/client";

/**
 * The one owner of "who a learner is, as shown": enrichment's name and email when it has them,
 * else the identity parameters' (learner_identity), else nothing — field by field, each with its
 * source. Every list, page, the live board and the CSV exports select these expressions, so no
 * query restates the precedence.
 *
 * The expressions read the learner as `l` (learner) and `li` (learner_identity); `identityJoins`
 * joins both for a user id expression. A name from a parameter is one value: it fills the first
 * name, and the last name stays empty.
 */

/** Joins `l` and `li` for the learner whose id is `userId` (an SQL expression such as `p.user_id`). */
export function identityJoins(userId: string): string {
  return `LEFT JOIN learner l ON l.id = ${userId} LEFT JOIN learner_identity li ON li.user_id = ${userId}`;
}

const ENRICHED_NAME = "(nullif(btrim(concat_ws('', l.first_name, l.last_name)), '') IS NOT NULL)";

/** The display identity's columns as SQL text (for the export's column declarations). */
export const DISPLAY_IDENTITY_SQL = {
  firstName: `CASE WHEN ${ENRICHED_NAME} THEN l.first_name ELSE li.name END`,
  lastName: `CASE WHEN ${ENRICHED_NAME} THEN l.last_name END`,
  email: "coalesce(l.email, li.email)",
  nameSource: `CASE WHEN ${ENRICHED_NAME} THEN coalesce(l.enrichment_source, 'enrichment') ELSE li.name_source END`,
  emailSource: "CASE WHEN l.email IS NOT NULL THEN coalesce(l.enrichment_source, 'enrichment') ELSE li.email_source END",
  /** {key: value} of the other identifying parameters; null when none. */
  identifiers: "CASE WHEN li.identifiers <> '{}'::jsonb THEN li.identifiers END",
  /** The name, else the email: what a short mention shows (null: fall back to the user id). */
  label: `coalesce(nullif(btrim(CASE WHEN ${ENRICHED_NAME} THEN concat_ws(' ', l.first_name, l.last_name) ELSE li.name END), ''), l.email, li.email)`,
} as const;

/** The text the `q` search compares against, lower-cased: user id, enriched data, identity values. */
export const LEARNER_SEARCH_TEXT_SQL = "lower(concat_ws(' ', l.id, l.email, l.first_name, l.last_name, li.search_text))";

/** What pages receive per learner: the fields and where they came from. */
export interface DisplayIdentity {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  nameSource: string | null;
  emailSource: string | null;
  identifiers: Record<string, string> | null;
}

/** The DisplayIdentity columns, named as the interface names them. */
export const displayIdentityColumns: Prisma.Sql = Prisma.raw(
  Object.entries({
    firstName: DISPLAY_IDENTITY_SQL.firstName,
    lastName: DISPLAY_IDENTITY_SQL.lastName,
    email: DISPLAY_IDENTITY_SQL.email,
    nameSource: DISPLAY_IDENTITY_SQL.nameSource,
    emailSource: DISPLAY_IDENTITY_SQL.emailSource,
    identifiers: DISPLAY_IDENTITY_SQL.identifiers,
  })
    .map(([name, sql]) => `${sql} AS "${name}"`)
    .join(", "),
);

/** "from param:email": the sources of a learner's name and email, once each, for display. */
export function identitySources(identity: Pick<DisplayIdentity, "nameSource" | "emailSource">): string[] {
  return [...new Set([identity.nameSource, identity.emailSource].filter((source): source is string => !!source))];
}
