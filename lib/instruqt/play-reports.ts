import { z } from "zod";
import { graphqlRequest, InstruqtGraphQLError, type GraphQLCallOptions } from "./graphql";

/**
 * Instruqt's play history: `playReports`, one page at a time. The document follows the maintained
 * public Go client (isovalent/instruqt-go, play.go), which sends the input inline with variables
 * typed `Time`, `[String!]` and `PlayType`, ordered by Instruqt's default (started, newest first).
 *
 * Instruqt's live schema may differ from it in details, so the answer is read defensively: extra
 * fields are ignored, missing optional ones read as null, and anything Cairn cannot do without (an
 * `items` list, each item's `id`, `startedAt`) makes the whole page a PlayReportsMismatch that
 * carries the raw answer, so an admin sees what Instruqt said rather than a silent gap.
 */

export const PLAY_REPORTS = /* GraphQL */ `
  query CairnPlayReports(
    $teamSlug: String!
    $from: Time!
    $to: Time!
    $trackIds: [String!]!
    $trackInviteIds: [String!]!
    $skip: Int!
    $take: Int!
    $playType: PlayType!
  ) {
    playReports(
      input: {
        teamSlug: $teamSlug
        dateRangeFilter: { from: $from, to: $to }
        trackIds: $trackIds
        trackInviteIds: $trackInviteIds
        pagination: { skip: $skip, take: $take }
        playType: $playType
      }
    ) {
      items {
        id
        track { id }
        trackInvite { id }
        user { id }
        completionPercent
        totalChallenges
        completedChallenges
        timeSpent
        stoppedReason
        mode
        startedAt
        activity { time message }
        playReview { id score content }
        customParameters { key value }
      }
      totalItems
    }
  }
`;

const text = z.string().nullish().transform((value) => (value === undefined || value === null || value === "" ? null : value));
const count = z.number().finite().nullish().transform((value) => (value === undefined || value === null ? null : Math.max(0, Math.round(value))));
const instant = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), "is not a date")
  .transform((value) => new Date(value));
const reference = z.object({ id: text }).nullish().transform((value) => value?.id ?? null);

export const playReportItem = z.object({
  id: z.string().min(1),
  track: reference,
  trackInvite: reference,
  user: reference,
  completionPercent: z.number().finite().nullish().transform((value) => value ?? null),
  totalChallenges: count,
  completedChallenges: count,
  timeSpent: count,
  stoppedReason: text,
  mode: text,
  startedAt: instant,
  activity: z
    .array(z.object({ time: instant.nullish(), message: text }).nullable())
    .nullish()
    .transform((list) => (list ?? []).filter((entry) => entry !== null)),
  playReview: z
    .object({ id: text, score: z.number().finite().nullish(), content: text })
    .nullish()
    .transform((review) => (review && review.id ? { id: review.id, score: review.score === undefined || review.score === null ? null : Math.round(review.score), content: review.content } : null)),
  customParameters: z
    .array(z.object({ key: z.string(), value: z.string().nullish() }).nullable())
    .nullish()
    .transform((list) => (list ?? []).filter((entry) => entry !== null)),
});

export type PlayReportItem = z.infer<typeof playReportItem>;

const playReportsPage = z.object({
  playReports: z.object({
    items: z.array(z.unknown()),
    totalItems: z.number().int().nonnegative().nullish(),
  }),
});

export interface PlayReportsQuery {
  teamSlug: string;
  from: Date;
  to: Date;
  trackIds: string[];
  trackInviteIds: string[];
  skip: number;
  take: number;
}

export interface PlayReportsPage {
  /** Each item as Instruqt sent it, beside its parsed form (same order). */
  items: { raw: unknown; report: PlayReportItem }[];
  totalItems: number | null;
  latencyMs: number;
}

/** Instruqt's answer is not the shape Cairn asks for: retrying the same document cannot help. */
export class PlayReportsMismatch extends Error {
  constructor(
    message: string,
    /** What Instruqt answered (data, or the GraphQL errors), kept for the settings page. */
    readonly raw: unknown,
  ) {
    super(message);
    this.name = "PlayReportsMismatch";
  }
}

function describe(issue: z.core.$ZodIssue | undefined, prefix: string): string {
  if (!issue) return prefix;
  const path = issue.path.map(String).join(".");
  return `${prefix}${path ? `.${path}` : ""}: ${issue.message}`;
}

/** One page of play reports. Errors are the GraphQL client's, plus PlayReportsMismatch. */
export async function fetchPlayReports(query: PlayReportsQuery, options: GraphQLCallOptions): Promise<PlayReportsPage> {
  let data: unknown;
  let latencyMs: number;
  try {
    ({ data, latencyMs } = await graphqlRequest(
      PLAY_REPORTS,
      {
        teamSlug: query.teamSlug,
        from: query.from.toISOString(),
        to: query.to.toISOString(),
        trackIds: query.trackIds,
        trackInviteIds: query.trackInviteIds,
        skip: query.skip,
        take: query.take,
        playType: "ALL",
      },
      options,
    ));
  } catch (error) {
    if (error instanceof InstruqtGraphQLError && error.permanent) {
      throw new PlayReportsMismatch(
        `Instruqt refused Cairn's playReports query (its schema differs): ${error.errors.map((entry) => entry.message).join("; ")}`,
        { errors: error.errors, data: error.data },
      );
    }
    throw error;
  }
  return readPlayReportsPage(data, latencyMs);
}

/** Parses one answer's `data`; exported for unit tests of the defensive reading. */
export function readPlayReportsPage(data: unknown, latencyMs = 0): PlayReportsPage {
  const page = playReportsPage.safeParse(data);
  if (!page.success) {
    throw new PlayReportsMismatch(`Instruqt's playReports answer does not have the expected shape (${describe(page.error.issues[0], "playReports")})`, data);
  }
  const items = page.data.playReports.items.map((raw, index) => {
    const parsed = playReportItem.safeParse(raw);
    if (!parsed.success) {
      throw new PlayReportsMismatch(
        `Instruqt's playReports item ${index} does not have the expected shape (${describe(parsed.error.issues[0], `items.${index}`)})`,
        data,
      );
    }
    return { raw, report: parsed.data };
  });
  return { items, totalItems: page.data.playReports.totalItems ?? null, latencyMs };
}
