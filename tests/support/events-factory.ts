/**
 * Builders of realistic Instruqt play events, for unit tests (straight into `projectPlay`) and for
 * integration tests (as payloads to sign and post, each with its svix id).
 *
 *   const play = new PlayBuilder({ participantId: "p1", challengeIds: ["a", "b", "c"] });
 *   play.trackStarted().after(30).challengeStarted(0).after(60).attempt(0, true).challengeCompleted(0);
 *   play.stored();   // StoredPlayEvent[] for projectPlay
 *   play.build();    // [{ svixId, payload }] to deliver
 *
 * Timestamps are written the way Instruqt (Go's RFC 3339 with nanoseconds) writes them:
 * "2024-03-01T09:00:30.000412Z", trailing zeros trimmed, no fraction when it is zero.
 */
import fc from "fast-check";
import { classifyEvent, examplePayload, parseInstruqtTimestamp, type EventType, type PlayEvent } from "@/lib/instruqt/events";
import type { StoredPlayEvent } from "@/lib/progress/projection";

export type PlayEventType = Exclude<EventType, "invite.claimed" | "review.created" | "review.updated">;
export type TrackLevelType = "track.started" | "track.completed" | "track.stopped" | "track.cleaned";
export type SandboxType = "sandbox.creating" | "sandbox.created" | "sandbox.failed" | "sandbox.cleaned";
export type ChallengeType =
  | "track.challenge_setup"
  | "track.challenge_started"
  | "track.challenge_attempted"
  | "track.challenge_completed"
  | "track.challenge_cleaned"
  | "track.skipped_to_challenge";

export interface BuiltEvent {
  svixId: string;
  payload: Record<string, unknown> & { type: PlayEventType; timestamp: string; participant_id: string };
}

export const DEFAULT_START = "2024-03-01T09:00:00Z";

/**
 * Formats an instant like Instruqt does: UTC "Z" (or a fixed offset), nanoseconds with trailing
 * zeros trimmed. `subMillisNanos` (0–999 999) is the part below the millisecond that a JS Date
 * cannot hold.
 */
export function formatTimestamp(epochMillis: number, subMillisNanos = 0, offsetMinutes = 0): string {
  const local = new Date(epochMillis + offsetMinutes * 60_000).toISOString(); // yyyy-mm-ddThh:mm:ss.mmmZ
  const millis = local.slice(20, 23);
  const fraction = `${millis}${String(subMillisNanos).padStart(6, "0")}`.replace(/0+$/, "");
  let zone = "Z";
  if (offsetMinutes !== 0) {
    const sign = offsetMinutes > 0 ? "+" : "-";
    const abs = Math.abs(offsetMinutes);
    zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  }
  return `${local.slice(0, 19)}${fraction ? `.${fraction}` : ""}${zone}`;
}

/** Validates built events against the catalogue and turns them into what `projectPlay` reads. */
export function toStored(events: readonly BuiltEvent[]): StoredPlayEvent[] {
  return events.map(({ svixId, payload }) => {
    const classified = classifyEvent(payload);
    if (classified.kind !== "valid") {
      throw new Error(`events-factory built an event the schema refuses (${svixId}): ${JSON.stringify(classified)}`);
    }
    const occurredAt = parseInstruqtTimestamp(payload.timestamp);
    if (!occurredAt) throw new Error(`events-factory built an unparseable timestamp: ${payload.timestamp}`);
    // Like the ingest path, the stored payload is the received JSON, not the schema's output.
    return { svixId, occurredAt, event: structuredClone(payload) as unknown as PlayEvent };
  });
}

export interface PlayOptions {
  participantId?: string;
  trackId?: string;
  trackSlug?: string;
  organizationId?: string;
  userId?: string | null;
  /** `undefined` leaves the field out, as some payloads do. Default null (as in the docs' example). */
  inviteId?: string | null | undefined;
  mode?: string;
  customParameters?: Record<string, unknown>;
  /** The track's challenges in order; challenge_index is the 0-based position here. Default 3. */
  challengeIds?: string[];
  /** Sent as total_challenges on challenge events; null leaves it out. Default challengeIds.length. */
  totalChallenges?: number | null;
  /** When the play starts (the builder's clock). */
  start?: Date | string;
  /** Svix ids are `${svixPrefix}${n}`. Default `msg_${participantId}_`. */
  svixPrefix?: string;
  /** Unknown fields added to every payload, e.g. { is_developer_play: false, pooled: true }. */
  extraFields?: Record<string, unknown>;
}

/** Builds one play's events in order, moving its own clock; every call adds one event. */
export class PlayBuilder {
  readonly participantId: string;
  readonly challengeIds: readonly string[];
  private readonly options: PlayOptions;
  private readonly totalChallenges: number | null;
  private readonly svixPrefix: string;
  private clock: number;
  private nanos = 0;
  private offsetMinutes = 0;
  private readonly events: BuiltEvent[] = [];

  constructor(options: PlayOptions = {}) {
    this.options = options;
    this.participantId = options.participantId ?? "tncb0s7cdkyu";
    this.challengeIds = options.challengeIds ?? ["dxhrbpuvvia9", "k2mw0qzfdw1p", "v7xq3lzr8hgt"];
    this.totalChallenges = options.totalChallenges === undefined ? this.challengeIds.length : options.totalChallenges;
    this.svixPrefix = options.svixPrefix ?? `msg_${this.participantId}_`;
    this.clock = new Date(options.start ?? DEFAULT_START).getTime();
  }

  /** Moves the clock forward by `seconds` (fractions allowed). */
  after(seconds: number): this {
    this.clock += Math.round(seconds * 1000);
    return this;
  }

  /** Sets the clock; `subMillisNanos` and `offsetMinutes` shape how the next timestamps are written. */
  at(time: Date | string, subMillisNanos = 0, offsetMinutes = 0): this {
    this.clock = new Date(time).getTime();
    this.nanos = subMillisNanos;
    this.offsetMinutes = offsetMinutes;
    return this;
  }

  get now(): Date {
    return new Date(this.clock);
  }

  trackStarted(fields: Record<string, unknown> = {}): this {
    return this.event("track.started", fields);
  }
  trackCompleted(fields: Record<string, unknown> = {}): this {
    return this.event("track.completed", fields);
  }
  trackStopped(fields: Record<string, unknown> = {}): this {
    return this.event("track.stopped", fields);
  }
  trackCleaned(fields: Record<string, unknown> = {}): this {
    return this.event("track.cleaned", fields);
  }
  sandbox(kind: "creating" | "created" | "failed" | "cleaned", fields: Record<string, unknown> = {}): this {
    return this.event(`sandbox.${kind}`, fields);
  }
  challengeSetup(index: number, fields: Record<string, unknown> = {}): this {
    return this.challenge("track.challenge_setup", index, fields);
  }
  challengeStarted(index: number, fields: Record<string, unknown> = {}): this {
    return this.challenge("track.challenge_started", index, fields);
  }
  attempt(index: number, completed: boolean, fields: Record<string, unknown> = {}): this {
    return this.challenge("track.challenge_attempted", index, { completed, ...fields });
  }
  challengeCompleted(index: number, fields: Record<string, unknown> = {}): this {
    return this.challenge("track.challenge_completed", index, fields);
  }
  challengeCleaned(index: number, fields: Record<string, unknown> = {}): this {
    return this.challenge("track.challenge_cleaned", index, fields);
  }
  skipTo(index: number, fields: Record<string, unknown> = {}): this {
    return this.challenge("track.skipped_to_challenge", index, fields);
  }

  /** A challenge event; `fields` may override or (with `undefined`) drop any field, e.g. challenge_index. */
  challenge(type: ChallengeType, index: number, fields: Record<string, unknown> = {}): this {
    const challengeId = this.challengeIds[index];
    if (challengeId === undefined) throw new Error(`no challenge at index ${index}`);
    const challenge: Record<string, unknown> = { challenge_id: challengeId, challenge_index: index };
    if (this.totalChallenges !== null) challenge.total_challenges = this.totalChallenges;
    return this.event(type, { ...challenge, ...fields });
  }

  /** Any play event at the clock; `fields` override the defaults, `undefined` removes a field. */
  event(type: PlayEventType, fields: Record<string, unknown> = {}): this {
    const o = this.options;
    const base: Record<string, unknown> = {
      track_id: o.trackId ?? "rzwlxtp92ted",
      organization_id: o.organizationId ?? "instruqt",
      timestamp: formatTimestamp(this.clock, this.nanos, this.offsetMinutes),
      participant_id: this.participantId,
      invite_id: "inviteId" in o ? o.inviteId : null,
      user_id: o.userId === undefined ? "gOGhYjyoPJhINJFOugIgiL4pdzu2" : o.userId,
      mode: o.mode ?? "platform",
      ...(o.customParameters ? { custom_parameters: o.customParameters } : {}),
      ...o.extraFields,
    };
    if (!type.startsWith("sandbox.")) base.track_slug = o.trackSlug ?? "getting-started-with-instruqt";
    const payload = examplePayload(type, { ...base, ...fields });
    // examplePayload starts from its own example play: keep only what this play sends.
    if (type.startsWith("sandbox.") && !("track_slug" in fields)) delete payload.track_slug;
    if (!type.startsWith("track.challenge_") && type !== "track.skipped_to_challenge") {
      for (const key of ["challenge_id", "challenge_index", "total_challenges", "completed"]) {
        if (!(key in fields)) delete payload[key];
      }
    } else if (this.totalChallenges === null && !("total_challenges" in fields)) {
      delete payload.total_challenges;
    }
    for (const [key, value] of Object.entries(payload)) if (value === undefined) delete payload[key];
    this.events.push({
      svixId: `${this.svixPrefix}${String(this.events.length + 1).padStart(3, "0")}`,
      payload: payload as BuiltEvent["payload"],
    });
    return this;
  }

  /** The events so far, as independent copies. */
  build(): BuiltEvent[] {
    return this.events.map((e) => ({ svixId: e.svixId, payload: structuredClone(e.payload) }));
  }

  /** The events so far, validated, as `projectPlay` reads them. */
  stored(): StoredPlayEvent[] {
    return toStored(this.events);
  }
}

/**
 * A whole, ordinary completed play: sandbox up, each challenge set up, started, solved (the
 * challenges listed in `failFirstAttemptOn` need a second try), cleaned; the track completed and
 * cleaned. Steps are `stepSeconds` apart.
 */
export function completedPlay(options: PlayOptions & { failFirstAttemptOn?: number[]; stepSeconds?: number } = {}) {
  const { failFirstAttemptOn = [], stepSeconds = 60, ...playOptions } = options;
  const play = new PlayBuilder(playOptions);
  play.sandbox("creating").after(stepSeconds).sandbox("created").trackStarted();
  play.challengeIds.forEach((_, index) => {
    play.challengeSetup(index).after(stepSeconds).challengeStarted(index).after(stepSeconds);
    if (failFirstAttemptOn.includes(index)) play.attempt(index, false).after(stepSeconds);
    play.attempt(index, true).challengeCompleted(index).after(stepSeconds).challengeCleaned(index);
  });
  play.trackCompleted().after(stepSeconds).trackCleaned().sandbox("cleaned");
  return play;
}

// ---------------------------------------------------------------------------------------------
// fast-check: arbitrary plays

export type PlayStep =
  | { kind: "track"; type: TrackLevelType }
  | { kind: "sandbox"; type: SandboxType }
  | { kind: "challenge"; type: Exclude<ChallengeType, "track.challenge_attempted">; index: number }
  | { kind: "attempt"; type: "track.challenge_attempted"; index: number; completed: boolean };

export interface GeneratedEvent {
  step: PlayStep;
  svixId: string;
  payload: BuiltEvent["payload"];
}

export interface GeneratedPlay {
  participantId: string;
  challengeIds: string[];
  /** The track's real size; whether the payloads state it is `totalStated`. */
  totalChallenges: number;
  totalStated: boolean;
  events: GeneratedEvent[];
  stored: StoredPlayEvent[];
}

export interface PlayArbitraryOptions {
  participantId?: string;
  maxEvents?: number;
  /** Let challenge events sometimes leave out challenge_index (the schema allows it). */
  omitIndexes?: boolean;
  /**
   * Let events differ in the details a play's projection takes from its newest event: invite_id
   * (stated, null or absent), custom_parameters (varying) and track_slug (sometimes absent).
   */
  varyDetails?: boolean;
}

const idChars = "abcdefghijklmnopqrstuvwxyz0123456789".split("");
const shortId = fc.string({ unit: fc.constantFrom(...idChars), minLength: 6, maxLength: 12 });

function stepArbitrary(total: number): fc.Arbitrary<PlayStep> {
  const index = fc.integer({ min: 0, max: total - 1 });
  return fc.oneof(
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("track" as const), type: fc.constantFrom<TrackLevelType>("track.started", "track.completed", "track.stopped", "track.cleaned") }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("sandbox" as const), type: fc.constantFrom<SandboxType>("sandbox.creating", "sandbox.created", "sandbox.failed", "sandbox.cleaned") }) },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("challenge" as const),
        type: fc.constantFrom(
          "track.challenge_setup",
          "track.challenge_started",
          "track.challenge_completed",
          "track.challenge_cleaned",
          "track.skipped_to_challenge",
        ) as fc.Arbitrary<Exclude<ChallengeType, "track.challenge_attempted">>,
        index,
      }),
    },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("attempt" as const), type: fc.constant("track.challenge_attempted" as const), index, completed: fc.boolean() }) },
  );
}

/** When an event happened: some land in the same millisecond (differing only in nanoseconds, or not at all). */
const timeArbitrary = fc.record({
  offsetMillis: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 * 3600_000 })),
  subMillisNanos: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999 })),
  offsetMinutes: fc.constantFrom(0, 0, 0, 120, -330),
});

/**
 * One participant's play: 1–6 challenges with distinct ids, a random sequence of play events
 * (track, sandbox and challenge events, attempts passing or failing) at random times, stated
 * fields consistent across the play (track, user, invite, mode, challenge id ↔ index, total).
 */
export function playArbitrary(options: PlayArbitraryOptions = {}): fc.Arbitrary<GeneratedPlay> {
  const maxEvents = options.maxEvents ?? 30;
  return fc
    .record({
      participantId: options.participantId ? fc.constant(options.participantId) : shortId,
      challengeIds: fc.uniqueArray(shortId, { minLength: 1, maxLength: 6 }),
      totalStated: fc.boolean(),
      inviteId: fc.option(shortId, { nil: null }),
      inviteAbsent: fc.boolean(),
      mode: fc.constantFrom("platform", "embed", "ci"),
      customParameters: fc.option(fc.dictionary(fc.constantFrom("cohort", "lms_user", "utm_source"), fc.string({ maxLength: 8 }), { maxKeys: 2 }), { nil: undefined }),
      startMillis: fc.integer({ min: Date.UTC(2021, 0, 1), max: Date.UTC(2026, 0, 1) }),
    })
    .chain((play) =>
      fc.record({
        play: fc.constant(play),
        steps: fc.array(
          fc.record({
            step: stepArbitrary(play.challengeIds.length),
            time: timeArbitrary,
            dropIndex: options.omitIndexes ? fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))) : fc.constant(false),
            dropTotal: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
            detail: options.varyDetails ? fc.integer({ min: 0, max: 5 }) : fc.constant(0),
          }),
          { maxLength: maxEvents },
        ),
      }),
    )
    .map(({ play, steps }) => {
      const builder = new PlayBuilder({
        participantId: play.participantId,
        challengeIds: play.challengeIds,
        totalChallenges: play.totalStated ? play.challengeIds.length : null,
        inviteId: play.inviteAbsent ? undefined : play.inviteId,
        mode: play.mode,
        customParameters: play.customParameters,
        extraFields: { is_developer_play: false },
      });
      for (const [n, { step, time, dropIndex, dropTotal, detail }] of steps.entries()) {
        builder.at(new Date(play.startMillis + time.offsetMillis), time.subMillisNanos, time.offsetMinutes);
        const fields: Record<string, unknown> = {};
        if (dropIndex) fields.challenge_index = undefined;
        if (dropTotal) fields.total_challenges = undefined;
        if (detail === 1) fields.invite_id = null;
        if (detail === 2) fields.invite_id = undefined;
        if (detail === 3) fields.custom_parameters = { cohort: `c${n}` };
        if (detail === 4) fields.custom_parameters = {};
        if (detail === 5) fields.track_slug = undefined;
        if (step.kind === "track" || step.kind === "sandbox") builder.event(step.type, fields);
        else if (step.kind === "attempt") builder.attempt(step.index, step.completed, fields);
        else builder.challenge(step.type, step.index, fields);
      }
      const built = builder.build();
      return {
        participantId: play.participantId,
        challengeIds: play.challengeIds,
        totalChallenges: play.challengeIds.length,
        totalStated: play.totalStated,
        events: built.map((e, i) => ({ ...e, step: steps[i]!.step })),
        stored: toStored(built),
      };
    });
}
