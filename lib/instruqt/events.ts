import { z } from "zod";

/**
 * Instruqt's webhook event catalogue (../shared/reference/instruqt-webhooks.md) as zod schemas.
 * Every schema is loose: fields Instruqt adds later are kept as received, never rejected.
 * Validation is about what the projection relies on; the raw payload is stored either way.
 */

/** RFC 3339 timestamp as Instruqt sends it, often with nanoseconds ("…57.31297754Z"). */
export const instruqtTimestamp = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/,
    { message: "must be an RFC 3339 timestamp", abort: true },
  )
  .refine((value) => parseInstruqtTimestamp(value) !== null, "must be a real date and time");

// Bounds keep a verified but absurd event storable: ids and slugs go into indexed columns (a
// b-tree entry must fit in ~2.7 kB), counts into 32-bit integer columns, and the projection walks
// every position up to a skip target. Beyond them the event is stored as invalid, not projected.
export const MAX_ID_LENGTH = 255;
export const MAX_CHALLENGES = 1000;
const INT32_MAX = 2_147_483_647;

const id = z.string().min(1).max(MAX_ID_LENGTH);
// Optional references (invite, user) may come as a string, null, absent or even empty: an empty
// one means "none" and must not cost the event its projection.
const nullableId = z.string().max(MAX_ID_LENGTH).nullish();
const mode = z.string().nullish(); // platform | embed | ci — kept open so a new mode is not an error
// Kept as the very object received: z.record rebuilds it by assignment, and assigning a
// "__proto__" key sets the prototype instead, silently dropping that parameter.
const customParameters = z
  .custom<Record<string, unknown>>((value) => value !== null && typeof value === "object" && !Array.isArray(value), "must be an object")
  .nullish();
const challengeIndex = z.number().int().min(0).max(MAX_CHALLENGES - 1).nullish();
const totalChallenges = z.number().int().min(0).max(MAX_CHALLENGES).nullish();
/**
 * The projection and the track directory read challenge_index and total_challenges from any play
 * event that carries them (schemas are loose: extra fields pass through), so every play event
 * bounds them, not only the challenge events that must state them.
 */
const challengeNumbers = { challenge_index: challengeIndex, total_challenges: totalChallenges };

const trackBase = z.looseObject({
  track_id: id,
  track_slug: z.string().max(MAX_ID_LENGTH).nullish(),
  organization_id: z.string().nullish(),
  timestamp: instruqtTimestamp,
  participant_id: id,
  invite_id: nullableId,
  user_id: nullableId,
  mode,
  custom_parameters: customParameters,
  ...challengeNumbers,
});

const challengeFields = {
  challenge_id: id,
  ...challengeNumbers,
};

const trackEvent = <T extends string>(type: T) => trackBase.extend({ type: z.literal(type) });
const challengeEvent = <T extends string>(type: T) =>
  trackBase.extend({ type: z.literal(type), ...challengeFields });

const sandboxEvent = <T extends string>(type: T) =>
  z.looseObject({
    type: z.literal(type),
    track_id: id,
    organization_id: z.string().nullish(),
    timestamp: instruqtTimestamp,
    participant_id: id,
    invite_id: nullableId,
    user_id: nullableId,
    mode,
    custom_parameters: customParameters,
    ...challengeNumbers,
  });

const reviewEvent = <T extends string>(type: T) =>
  z.looseObject({
    type: z.literal(type),
    review_id: id,
    track_id: nullableId,
    organization_id: z.string().nullish(),
    user_id: nullableId,
    score: z.number().int().min(-INT32_MAX).max(INT32_MAX).nullish(),
    content: z.string().nullish(),
    timestamp: instruqtTimestamp.nullish(),
  });

export const eventSchemas = {
  "track.started": trackEvent("track.started"),
  "track.completed": trackEvent("track.completed"),
  "track.cleaned": trackEvent("track.cleaned"),
  "track.stopped": trackEvent("track.stopped"),
  "track.challenge_attempted": challengeEvent("track.challenge_attempted").extend({
    completed: z.boolean(),
  }),
  "track.challenge_setup": challengeEvent("track.challenge_setup"),
  "track.challenge_completed": challengeEvent("track.challenge_completed"),
  "track.challenge_started": challengeEvent("track.challenge_started"),
  "track.challenge_cleaned": challengeEvent("track.challenge_cleaned"),
  "track.skipped_to_challenge": challengeEvent("track.skipped_to_challenge"),
  "sandbox.creating": sandboxEvent("sandbox.creating"),
  "sandbox.created": sandboxEvent("sandbox.created"),
  "sandbox.failed": sandboxEvent("sandbox.failed"),
  "sandbox.cleaned": sandboxEvent("sandbox.cleaned"),
  "invite.claimed": z.looseObject({
    type: z.literal("invite.claimed"),
    invite_id: id,
    timestamp: instruqtTimestamp,
    user_id: id,
    team_id: z.string().nullish(),
    team_slug: z.string().nullish(),
    custom_parameters: customParameters,
  }),
  "review.created": reviewEvent("review.created"),
  "review.updated": reviewEvent("review.updated"),
} as const;

export type EventType = keyof typeof eventSchemas;
export const eventTypes = Object.keys(eventSchemas) as EventType[];

export type InstruqtEvent = { [K in EventType]: z.infer<(typeof eventSchemas)[K]> }[EventType];
export type EventOf<K extends EventType> = z.infer<(typeof eventSchemas)[K]>;
export type PlayEvent = Extract<InstruqtEvent, { participant_id: string }>;
export type ChallengeEvent = Extract<InstruqtEvent, { challenge_id: string }>;

/**
 * Events Instruqt sends about its own machinery (environments set up and torn down) rather than
 * about what a learner did: half of a play's events, and noise in an activity feed.
 */
export const HOUSEKEEPING_EVENT_TYPES = [
  "track.challenge_setup",
  "track.challenge_cleaned",
  "track.cleaned",
  "sandbox.creating",
  "sandbox.created",
  "sandbox.cleaned",
] as const satisfies readonly EventType[];

export function isKnownEventType(type: string): type is EventType {
  return Object.hasOwn(eventSchemas, type);
}

export type ClassifiedEvent =
  | { kind: "valid"; event: InstruqtEvent }
  | { kind: "unknown_type"; type: string }
  | { kind: "invalid_payload"; type: string; error: string };

/** Decides what Cairn can do with a verified payload whose `type` is a string. */
export function classifyEvent(payload: Record<string, unknown> & { type: string }): ClassifiedEvent {
  const { type } = payload;
  if (!isKnownEventType(type)) return { kind: "unknown_type", type };
  const result = eventSchemas[type].safeParse(payload);
  if (!result.success) {
    const error = result.error.issues
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    return { kind: "invalid_payload", type, error };
  }
  return { kind: "valid", event: result.data as InstruqtEvent };
}

/**
 * Converts an Instruqt timestamp to a Date. JavaScript dates hold milliseconds, so nanoseconds are
 * truncated here; the original string is stored beside the event.
 */
export function parseInstruqtTimestamp(value: string): Date | null {
  const match = /^((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2}))(?:\.(\d+))?(Z|[+-](\d{2}):(\d{2}))$/.exec(value);
  if (!match) return null;
  const [, base, year, month, day, hour, minute, second, fraction = "", zone, zoneHour = "0", zoneMinute = "0"] =
    match as unknown as string[];
  // Date rolls impossible values over (Feb 30 → Mar 2, 24:00 → next day): refuse them instead.
  const y = Number(year);
  const daysInMonth = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const m = Number(month);
  if (m < 1 || m > 12 || Number(day) < 1 || Number(day) > daysInMonth[m - 1]!) return null;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return null;
  if (Number(zoneHour) > 23 || Number(zoneMinute) > 59) return null;
  const millis = fraction.padEnd(3, "0").slice(0, 3);
  const date = new Date(`${base}.${millis}${zone}`);
  if (Number.isNaN(date.getTime())) return null;
  // PostgreSQL has no year 0 (1 BC) and Prisma cannot write years past 9999: such an instant would
  // fail the insert and make Svix retry a verified event forever.
  const utcYear = date.getUTCFullYear();
  return utcYear < 1 || utcYear > 9999 ? null : date;
}

/** Example payloads of every type: the simulator, the test-event sender and tests build on them. */
export function examplePayload(type: EventType, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = new Date().toISOString();
  const play = {
    track_id: "rzwlxtp92ted",
    track_slug: "getting-started-with-instruqt",
    organization_id: "instruqt",
    timestamp: now,
    participant_id: "tncb0s7cdkyu",
    invite_id: null,
    user_id: "gOGhYjyoPJhINJFOugIgiL4pdzu2",
    mode: "platform",
  };
  const challenge = { challenge_id: "dxhrbpuvvia9", challenge_index: 0, total_challenges: 3 };
  const byType: Record<EventType, Record<string, unknown>> = {
    "track.started": play,
    "track.completed": play,
    "track.cleaned": play,
    "track.stopped": play,
    "track.challenge_attempted": { ...play, ...challenge, completed: true },
    "track.challenge_setup": { ...play, ...challenge },
    "track.challenge_completed": { ...play, ...challenge },
    "track.challenge_started": { ...play, ...challenge },
    "track.challenge_cleaned": { ...play, ...challenge },
    "track.skipped_to_challenge": { ...play, ...challenge, challenge_index: 1 },
    "sandbox.creating": play,
    "sandbox.created": play,
    "sandbox.failed": play,
    "sandbox.cleaned": play,
    "invite.claimed": {
      invite_id: "inv_example",
      timestamp: now,
      user_id: play.user_id,
      team_id: "team_example",
      team_slug: "instruqt",
    },
    "review.created": {
      review_id: "rev_example",
      track_id: play.track_id,
      organization_id: "instruqt",
      user_id: play.user_id,
      score: 5,
      content: "Great track",
      timestamp: now,
    },
    "review.updated": {
      review_id: "rev_example",
      track_id: play.track_id,
      organization_id: "instruqt",
      user_id: play.user_id,
      score: 4,
      content: "Good track",
      timestamp: now,
    },
  };
  return { ...byType[type], type, ...overrides };
}
