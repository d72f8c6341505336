import { z } from "zod";
import { graphqlRequest, InstruqtGraphQLError, type GraphQLCallOptions } from "./graphql";

/**
 * A track's catalogue entry from Instruqt's GraphQL API: its title, teaser and level, and its
 * challenges' titles. Shapes as the public Go client `isovalent/instruqt-go` reads them
 * (../shared/reference/instruqt-webhooks.md, "Catalogue and history"); Instruqt's live schema may
 * differ in details, so the answer is parsed leniently (unknown fields ignored, absent optional
 * ones null) and an answer that cannot be read at all is a `CatalogueMismatchError` carrying the
 * raw answer, for Settings → Enrichment to show.
 *
 * One document asks for both fields, so a track costs Instruqt one request.
 */

export const TRACK_CATALOGUE = /* GraphQL */ `
  query CairnTrackCatalogue($trackId: String!, $teamSlug: String!) {
    track(trackID: $trackId) {
      id
      slug
      title
      teaser
      level
    }
    challenges(trackID: $trackId, teamSlug: $teamSlug) {
      id
      slug
      title
      index
    }
  }
`;

const optionalText = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((value) => {
    const trimmed = value === null || value === undefined ? "" : String(value).trim();
    return trimmed ? trimmed : null;
  });

const challengeSchema = z.object({
  id: z.string().min(1),
  slug: optionalText,
  title: optionalText,
  index: z.number().int().nullish().transform((value) => value ?? null),
});

export const trackCatalogueData = z.object({
  track: z
    .object({ id: z.string().min(1), slug: optionalText, title: optionalText, teaser: optionalText, level: optionalText })
    .nullable(),
  // A track Instruqt does not know may come with `challenges: null`.
  challenges: z.array(challengeSchema.nullable()).nullable(),
});

export interface CatalogueChallenge {
  id: string;
  slug: string | null;
  title: string | null;
  index: number | null;
}

export type TrackCatalogueResult =
  | {
      found: true;
      track: { id: string; slug: string | null; title: string | null; teaser: string | null; level: string | null };
      challenges: CatalogueChallenge[];
      raw: unknown;
    }
  | { found: false; raw: unknown };

/**
 * Instruqt answered, but not in a shape Cairn can read (a field it no longer has, `challenges`
 * not a list …): asking again will not help until lib/instruqt/catalogue.ts follows the schema.
 */
export class CatalogueMismatchError extends Error {
  constructor(
    message: string,
    /** The answer as received (data and/or errors). */
    readonly raw: unknown,
  ) {
    super(message);
    this.name = "CatalogueMismatchError";
  }
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "unknown";
  return `${issue.path.join(".") || "data"}: ${issue.message}`;
}

/** Fetches one track's catalogue entry; throws the client's typed errors, or a mismatch. */
export async function fetchTrackCatalogue(trackId: string, teamSlug: string, options: GraphQLCallOptions): Promise<TrackCatalogueResult> {
  let data: unknown;
  try {
    ({ data } = await graphqlRequest(TRACK_CATALOGUE, { trackId, teamSlug }, options));
  } catch (error) {
    if (error instanceof InstruqtGraphQLError && error.permanent) {
      throw new CatalogueMismatchError(`Instruqt refused the catalogue query: ${error.errors.map((e) => e.message).join("; ")}`, {
        errors: error.errors,
        data: error.data,
      });
    }
    // An unknown track may come as a GraphQL error beside `track: null`: a result, not a failure.
    if (error instanceof InstruqtGraphQLError && error.data && typeof error.data === "object" && (error.data as { track?: unknown }).track === null) {
      return { found: false, raw: { errors: error.errors, data: error.data } };
    }
    throw error;
  }
  const parsed = trackCatalogueData.safeParse(data);
  if (!parsed.success) {
    throw new CatalogueMismatchError(`Instruqt's catalogue answer does not have the expected shape (${describeIssue(parsed.error)})`, { data });
  }
  const { track, challenges } = parsed.data;
  if (track === null) return { found: false, raw: { data } };
  return {
    found: true,
    track,
    challenges: (challenges ?? []).filter((challenge) => challenge !== null),
    raw: { data },
  };
}
