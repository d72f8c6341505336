import type { EventType } from "@/lib/instruqt/events";
import { BASE62, LOWER_ALNUM, Random } from "./random";

/**
 * A pure, seeded model of the webhook traffic one Instruqt organisation produces: learners play
 * tracks of 3–8 challenges, fail attempts and retry, skip ahead, give up or finish, claim
 * invites, leave reviews; sandboxes sometimes fail to start. Everything is a function of the
 * options (seed included): no clock, no Math.random. The simulator posts these events, the
 * seeder writes them straight into a database, tests and benchmarks build on them.
 *
 * Field shapes follow ../shared/reference/instruqt-webhooks.md: challenge_index is 0-based,
 * total_challenges is set on challenge events, invite_id is null when the play has no invite,
 * timestamps are RFC 3339 with nanoseconds and trailing zeros trimmed, as Go (and so Instruqt)
 * writes them: "2021-07-29T16:14:57.31297754Z".
 */

export type SimPayload = Record<string, unknown> & { type: EventType; timestamp: string };

export interface SimEvent {
  svixId: string;
  /** When it happened: epoch milliseconds, plus the nanoseconds below the millisecond. */
  ms: number;
  nanos: number;
  payload: SimPayload;
}

export interface SimChallenge {
  id: string;
  slug: string;
  /** Probability that an average learner's attempt fails. */
  difficulty: number;
}

export interface SimInvite {
  id: string;
  teamId: string;
  teamSlug: string;
}

export interface SimTrack {
  id: string;
  slug: string;
  challenges: SimChallenge[];
  invites: SimInvite[];
  /** Relative share of plays. */
  popularity: number;
}

export interface SimLearner {
  userId: string;
  /** 0..1: better learners fail fewer attempts. */
  skill: number;
  /** 0..1: persistent learners give up less. */
  persistence: number;
  lmsUserId: string;
  cohort: string;
}

export interface World {
  organizationId: string;
  tracks: SimTrack[];
  learners: SimLearner[];
}

export interface SimPlay {
  participantId: string;
  userId: string;
  trackId: string;
  inviteId: string | null;
  /** The play's own events (they carry its participant_id), in time order. */
  events: SimEvent[];
  /** Events about the play that carry no participant_id: the invite claim before it, reviews after. */
  related: SimEvent[];
  outcome: "completed" | "stopped" | "abandoned" | "sandbox_failed";
}

export interface WorldOptions {
  seed: string | number;
  tracks: number;
  learners: number;
}

const TOPICS = [
  "kubernetes", "terraform", "vault", "consul", "docker", "linux", "git", "python", "postgres", "kafka",
  "nginx", "ansible", "prometheus", "grafana", "istio", "helm", "redis", "nomad", "packer", "elastic",
];
const LEVELS = ["getting-started-with", "intro-to", "advanced", "deep-dive", "hands-on", "troubleshooting"];
const CHALLENGE_WORDS = [
  "install", "configure", "deploy", "scale", "secure", "observe", "debug", "upgrade", "backup", "restore",
  "connect", "migrate", "automate", "test", "rollout", "inspect",
];
const REVIEW_TEXTS = [
  "Great track, clear instructions.",
  "The third challenge was confusing.",
  "Loved the hands-on sandbox!",
  "Too slow to start the environment.",
  "Exactly what I needed — thanks 🙌",
  "Die Anleitung war sehr hilfreich.",
  "Check script is too strict about whitespace.",
];

const ORGANIZATION = "acme-labs";
const MIN_STEP_MS = 1;

export function generateWorld(options: WorldOptions): World {
  const rng = new Random(`${options.seed}:world`);
  const slugs = new Set<string>();
  const tracks: SimTrack[] = [];
  for (let t = 0; t < options.tracks; t++) {
    let slug = `${rng.pick(LEVELS)}-${rng.pick(TOPICS)}`;
    while (slugs.has(slug)) slug = `${slug}-${rng.int(2, 99)}`;
    slugs.add(slug);
    const challengeCount = rng.int(3, 8);
    const challenges: SimChallenge[] = [];
    for (let c = 0; c < challengeCount; c++) {
      challenges.push({
        id: rng.string(12, LOWER_ALNUM),
        slug: `${String(c + 1).padStart(2, "0")}-${rng.pick(CHALLENGE_WORDS)}`,
        // Most challenges are easy; a few are where a cohort gets stuck.
        difficulty: rng.chance(0.2) ? 0.45 + rng.next() * 0.3 : 0.05 + rng.next() * 0.25,
      });
    }
    const invites: SimInvite[] = [];
    const inviteCount = rng.int(0, 3);
    for (let i = 0; i < inviteCount; i++) {
      invites.push({ id: rng.string(12, LOWER_ALNUM), teamId: rng.string(12, LOWER_ALNUM), teamSlug: rng.pick(["acme", "acme-partners", "acme-university"]) });
    }
    tracks.push({ id: rng.string(12, LOWER_ALNUM), slug, challenges, invites, popularity: 0.2 + rng.next() * 2 });
  }
  const learners: SimLearner[] = [];
  for (let l = 0; l < options.learners; l++) {
    learners.push({
      userId: rng.string(28, BASE62),
      skill: rng.next(),
      persistence: rng.next(),
      lmsUserId: `lms-${rng.int(100000, 999999)}`,
      cohort: rng.pick(["2024-spring", "2024-autumn", "partners", "trial"]),
    });
  }
  return { organizationId: ORGANIZATION, tracks, learners };
}

/** RFC 3339 with nanoseconds, trailing zeros trimmed, no fraction when it is zero (Go's RFC3339Nano). */
export function formatTimestamp(ms: number, nanos = 0): string {
  const iso = new Date(ms).toISOString(); // yyyy-mm-ddThh:mm:ss.mmmZ
  const fraction = `${iso.slice(20, 23)}${String(nanos).padStart(6, "0")}`.replace(/0+$/, "");
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ""}Z`;
}

export function compareSimEvents(a: SimEvent, b: SimEvent): number {
  return a.ms - b.ms || a.nanos - b.nanos || (a.svixId < b.svixId ? -1 : a.svixId > b.svixId ? 1 : 0);
}

export const newSvixId = (rng: Random) => `msg_${rng.string(27, BASE62)}`;

export interface PlayOptions {
  /** When the learner begins (epoch ms). */
  startMs: number;
  /** Cut the play at this many events (its own plus related), as a play still running or stopped by a timeout. */
  maxEvents?: number;
  /** Invites this learner already claimed ("inviteId|userId"): a claim is sent once. */
  claimed?: Set<string>;
}

/**
 * One learner's play of one track. The order of `rng` draws is part of the contract: the same
 * generator state gives the same play.
 */
export function simulatePlay(rng: Random, world: World, learner: SimLearner, track: SimTrack, options: PlayOptions): SimPlay {
  const participantId = rng.string(12, LOWER_ALNUM);
  const mode = rng.weighted<string>([["platform", 0.7], ["embed", 0.2], ["ci", 0.1]]);
  const bot = mode === "ci";
  const invite = !bot && track.invites.length > 0 && rng.chance(0.45) ? rng.pick(track.invites) : null;
  let customParameters: Record<string, unknown> | undefined;
  if (mode === "embed") customParameters = { lms_user_id: learner.lmsUserId, cohort: learner.cohort };
  else if (invite && rng.chance(0.3)) customParameters = { cohort: learner.cohort, utm_source: rng.pick(["newsletter", "webinar", "partner"]) };
  const developerPlay = rng.chance(0.05);
  const total = track.challenges.length;

  let clock = options.startMs;
  const events: SimEvent[] = [];
  const related: SimEvent[] = [];
  const advance = (seconds: number) => {
    clock += Math.max(MIN_STEP_MS, Math.round(seconds * 1000));
  };
  const stamp = () => ({ ms: clock, nanos: rng.int(0, 999_999) });

  if (invite && !options.claimed?.has(`${invite.id}|${learner.userId}`)) {
    options.claimed?.add(`${invite.id}|${learner.userId}`);
    const at = stamp();
    related.push({
      svixId: newSvixId(rng),
      ...at,
      payload: {
        type: "invite.claimed",
        invite_id: invite.id,
        timestamp: formatTimestamp(at.ms, at.nanos),
        user_id: learner.userId,
        team_id: invite.teamId,
        team_slug: invite.teamSlug,
        ...(customParameters ? { custom_parameters: customParameters } : {}),
      },
    });
    advance(rng.logNormal(20, 0.6));
  }

  // A budget cuts the play short (see below); generating far past it would be wasted work.
  const budget = options.maxEvents === undefined ? Infinity : Math.max(1, options.maxEvents - related.length);
  const overBudget = () => events.length > budget;
  const emit = (type: EventType, extra: Record<string, unknown> = {}) => {
    if (overBudget()) return;
    const at = stamp();
    const payload: SimPayload = {
      type,
      track_id: track.id,
      organization_id: world.organizationId,
      timestamp: formatTimestamp(at.ms, at.nanos),
      participant_id: participantId,
      invite_id: invite?.id ?? null,
      user_id: learner.userId,
      mode,
      ...(customParameters ? { custom_parameters: customParameters } : {}),
      // Fields seen in real payloads beyond the documented ones: kept as received by Cairn.
      is_developer_play: developerPlay,
      ...extra,
    };
    // Sandbox events carry no track slug (see the reference's field lists).
    if (!type.startsWith("sandbox.")) payload.track_slug = track.slug;
    events.push({ svixId: newSvixId(rng), ...at, payload });
  };
  const challengeFields = (index: number) => ({
    challenge_id: track.challenges[index]!.id,
    challenge_index: index,
    total_challenges: total,
  });
  const wrapUp = (stopped: boolean) => {
    if (stopped) emit("track.stopped");
    advance(rng.logNormal(8, 0.5));
    emit("track.cleaned");
    advance(rng.logNormal(5, 0.5));
    emit("sandbox.cleaned", { pooled: false });
  };

  let outcome: SimPlay["outcome"] = "completed";
  emit("sandbox.creating");
  advance(rng.logNormal(25, 0.5));
  let sandboxUp = true;
  if (rng.chance(0.03)) {
    emit("sandbox.failed", { reason: "sandbox did not become ready in time" });
    sandboxUp = !bot && rng.chance(0.5);
    if (sandboxUp) {
      advance(rng.logNormal(40, 0.6));
      emit("sandbox.creating");
      advance(rng.logNormal(25, 0.5));
    } else {
      advance(rng.logNormal(5, 0.5));
      emit("track.stopped", { reason: "sandbox_failed" });
      outcome = "sandbox_failed";
    }
  }

  if (sandboxUp) {
    emit("sandbox.created");
    advance(rng.logNormal(2, 0.4));
    emit("track.started");
    play: for (let index = 0; index < total && !overBudget(); ) {
      const challenge = track.challenges[index]!;
      emit("track.challenge_setup", challengeFields(index));
      advance(rng.logNormal(4, 0.4));
      emit("track.challenge_started", challengeFields(index));
      let failures = 0;
      let next = index + 1;
      while (!overBudget()) {
        advance(bot ? rng.logNormal(20, 0.3) : rng.logNormal(150 * (1 + challenge.difficulty * 2), 0.8));
        const failProbability = bot ? 0.02 : Math.min(0.9, challenge.difficulty * (1.4 - learner.skill));
        if (!rng.chance(failProbability)) {
          emit("track.challenge_attempted", { ...challengeFields(index), completed: true });
          advance(rng.logNormal(1, 0.3));
          emit("track.challenge_completed", challengeFields(index));
          advance(rng.logNormal(3, 0.4));
          emit("track.challenge_cleaned", challengeFields(index));
          break;
        }
        failures++;
        emit("track.challenge_attempted", { ...challengeFields(index), completed: false });
        // A stuck learner skips ahead, gives up, or tries again.
        const giveUp = (1 - learner.persistence) * 0.12 * failures;
        const skip = index < total - 1 && failures >= 2 ? 0.18 : 0;
        const roll = rng.next();
        if (roll < skip) {
          next = rng.chance(0.8) || index + 2 >= total ? index + 1 : index + 2;
          advance(rng.logNormal(10, 0.5));
          emit("track.skipped_to_challenge", challengeFields(next));
          break;
        }
        if (roll < skip + giveUp || failures >= 8) {
          outcome = "stopped";
          break play;
        }
      }
      index = next;
      if (index < total && !bot && rng.chance((1 - learner.persistence) * 0.15)) {
        outcome = rng.chance(0.6) ? "stopped" : "abandoned";
        break;
      }
      advance(rng.logNormal(20, 0.7));
    }
    if (outcome === "completed") {
      emit("track.completed");
      advance(rng.logNormal(30, 0.5));
      wrapUp(false);
    } else if (outcome === "stopped") {
      // The learner leaves; the platform stops the play when the sandbox times out.
      advance(rng.logNormal(20 * 60, 0.4));
      wrapUp(true);
    }
  }

  // Cut at the budget: still running, or stopped by a timeout a while later.
  if (overBudget()) {
    const stopLater = budget >= 2 && rng.chance(0.7);
    events.length = stopLater ? budget - 1 : budget;
    outcome = "abandoned";
    if (stopLater) {
      clock = events[events.length - 1]!.ms;
      advance(rng.logNormal(30 * 60, 0.3));
      emit("track.stopped", { reason: "timeout" });
      outcome = "stopped";
    }
  }

  if (outcome === "completed" && !bot && rng.chance(0.3) && (options.maxEvents === undefined || events.length + related.length < options.maxEvents)) {
    const reviewId = rng.string(12, LOWER_ALNUM);
    const score = rng.weighted<number>([[5, 0.45], [4, 0.3], [3, 0.13], [2, 0.07], [1, 0.05]]);
    const review = (type: "review.created" | "review.updated", score: number) => {
      const at = stamp();
      related.push({
        svixId: newSvixId(rng),
        ...at,
        payload: {
          type,
          review_id: reviewId,
          track_id: track.id,
          organization_id: world.organizationId,
          user_id: learner.userId,
          score,
          ...(rng.chance(0.6) ? { content: rng.pick(REVIEW_TEXTS) } : {}),
          timestamp: formatTimestamp(at.ms, at.nanos),
        },
      });
    };
    advance(rng.logNormal(40, 0.6));
    review("review.created", score);
    if (rng.chance(0.2) && (options.maxEvents === undefined || events.length + related.length < options.maxEvents)) {
      advance(rng.logNormal(3 * 3600, 0.8));
      review("review.updated", Math.max(1, Math.min(5, score + rng.pick([-1, 1]))));
    }
  }

  return { participantId, userId: learner.userId, trackId: track.id, inviteId: invite?.id ?? null, events, related, outcome };
}

export interface TrafficOptions extends WorldOptions {
  /** Earliest play start (epoch ms). */
  startMs: number;
  /** Plays start uniformly over this many seconds after startMs. */
  spreadSeconds: number;
}

export interface Traffic {
  world: World;
  plays: SimPlay[];
  /** Every event of every play, in the order they happened. */
  events: SimEvent[];
}

/** Each learner plays one to three different tracks: the simulator's and the demo's traffic. */
export function generateTraffic(options: TrafficOptions): Traffic {
  const world = generateWorld(options);
  const rng = new Random(`${options.seed}:plays`);
  const claimed = new Set<string>();
  const plays: SimPlay[] = [];
  const weights = world.tracks.map((track) => [track, track.popularity] as const);
  for (const learner of world.learners) {
    const count = Math.min(world.tracks.length, rng.weighted<number>([[1, 0.6], [2, 0.3], [3, 0.1]]));
    const chosen = new Set<SimTrack>();
    while (chosen.size < count) chosen.add(rng.weighted(weights));
    let startMs = options.startMs + Math.floor(rng.next() * options.spreadSeconds * 1000);
    for (const track of chosen) {
      const play = simulatePlay(rng, world, learner, track, { startMs, claimed });
      plays.push(play);
      const last = play.events[play.events.length - 1] ?? play.related[play.related.length - 1];
      startMs = (last?.ms ?? startMs) + Math.round(rng.logNormal(600, 1) * 1000);
    }
  }
  const events = plays.flatMap((play) => [...play.events, ...play.related]).sort(compareSimEvents);
  return { world, plays, events };
}

export interface PlayStreamOptions extends WorldOptions {
  plays: number;
  /** Aim for this many events in all (plays cut short to fit); unbounded plays when absent. */
  events?: number;
  startMs: number;
  spreadSeconds: number;
}

/**
 * Plays one at a time, for data sets too large to hold (the seeder's 100k plays / 1M events).
 * With `events`, each play gets a budget drawn around the mean still needed, so the total lands
 * close to the target whatever the natural length of plays.
 */
export function* generatePlayStream(options: PlayStreamOptions): Generator<SimPlay, void, undefined> {
  const world = generateWorld(options);
  const rng = new Random(`${options.seed}:stream`);
  const claimed = new Set<string>();
  const weights = world.tracks.map((track) => [track, track.popularity] as const);
  let eventsLeft = options.events ?? Infinity;
  for (let n = 0; n < options.plays; n++) {
    const playsLeft = options.plays - n;
    let maxEvents: number | undefined;
    if (Number.isFinite(eventsLeft)) {
      const mean = Math.max(1, eventsLeft / playsLeft);
      maxEvents = playsLeft === 1 ? Math.max(1, eventsLeft) : Math.max(1, Math.round(1 + rng.exponential(Math.max(0, mean - 1) * 1.6)));
    }
    const learner = rng.pick(world.learners);
    const track = rng.weighted(weights);
    const startMs = options.startMs + Math.floor(rng.next() * options.spreadSeconds * 1000);
    const play = simulatePlay(rng, world, learner, track, { startMs, maxEvents, claimed });
    eventsLeft -= play.events.length + play.related.length;
    yield play;
  }
}

/** A play with exactly `count` events (a learner stuck for a long time): for projection benchmarks. */
export function longPlay(seed: string | number, count: number, startMs = Date.UTC(2024, 0, 1)): SimEvent[] {
  const world = generateWorld({ seed, tracks: 1, learners: 1 });
  const rng = new Random(`${seed}:long`);
  const track = world.tracks[0]!;
  const learner = world.learners[0]!;
  const participantId = rng.string(12, LOWER_ALNUM);
  const total = track.challenges.length;
  const events: SimEvent[] = [];
  let clock = startMs;
  const base = (type: EventType, extra: Record<string, unknown> = {}) => {
    clock += rng.int(1, 120_000);
    const nanos = rng.int(0, 999_999);
    events.push({
      svixId: newSvixId(rng),
      ms: clock,
      nanos,
      payload: {
        type,
        track_id: track.id,
        track_slug: track.slug,
        organization_id: world.organizationId,
        timestamp: formatTimestamp(clock, nanos),
        participant_id: participantId,
        invite_id: null,
        user_id: learner.userId,
        mode: "platform",
        ...extra,
      },
    });
  };
  base("track.started");
  let index = 0;
  while (events.length < count) {
    const fields = { challenge_id: track.challenges[index]!.id, challenge_index: index, total_challenges: total };
    const left = count - events.length;
    if (left >= 3 && rng.chance(0.1)) {
      base("track.challenge_attempted", { ...fields, completed: true });
      base("track.challenge_completed", fields);
      index = (index + 1) % total;
      if (events.length < count) base("track.challenge_started", { ...fields, challenge_id: track.challenges[index]!.id, challenge_index: index });
    } else {
      base("track.challenge_attempted", { ...fields, completed: false });
    }
  }
  return events.slice(0, count);
}

export interface LiveEvent {
  /** When to send it, in ms after the bulk is sent; it is stamped with the moment it goes out. */
  offsetMs: number;
  event: SimEvent;
}

export interface LiveSplit {
  /** Everything that happened by `nowMs`, in time order: sent first, as fast as the rate allows. */
  bulk: SimEvent[];
  /** The rest of a handful of plays still running at `nowMs`, in send order. */
  live: LiveEvent[];
  /** Participant ids of the live plays. */
  livePlays: string[];
  /** Events after `nowMs` of the other running plays, left out: those plays are simply still going. */
  dropped: number;
}

export interface LiveSplitOptions {
  /** Plays that keep going after the bulk (default 5). */
  livePlays?: number;
  /** The remaining time of each live play is squeezed into at most this many seconds (default 90). */
  liveSeconds?: number;
}

/**
 * Makes generated traffic sendable without ever writing an event time after the moment it is
 * sent: what happened by `nowMs` goes out at once, and a few plays running at `nowMs` carry on
 * live, their next events sent (and stamped) over the following minute or two, so live views
 * move. The other running plays stop where `nowMs` finds them, like learners mid-challenge.
 */
export function splitAtNow(traffic: Traffic, nowMs: number, options: LiveSplitOptions = {}): LiveSplit {
  const liveCount = options.livePlays ?? 5;
  const liveMs = (options.liveSeconds ?? 90) * 1000;
  const ownEvents = (play: SimPlay) => [...play.events, ...play.related].sort(compareSimEvents);
  // Running: begun by now, more to come. The latest starters are the ones a live view would show.
  const running = traffic.plays
    .filter((play) => {
      const events = ownEvents(play);
      return events.length > 0 && events[0]!.ms <= nowMs && events[events.length - 1]!.ms > nowMs;
    })
    .sort((a, b) => ownEvents(b)[0]!.ms - ownEvents(a)[0]!.ms || (a.participantId < b.participantId ? -1 : 1));
  const live = new Set(running.slice(0, liveCount).map((play) => play.participantId));

  const liveEvents: LiveEvent[] = [];
  for (const play of traffic.plays) {
    if (!live.has(play.participantId)) continue;
    const future = ownEvents(play).filter((event) => event.ms > nowMs);
    const span = future[future.length - 1]!.ms - nowMs;
    const squeeze = Math.min(1, liveMs / span);
    for (const event of future) liveEvents.push({ offsetMs: Math.round((event.ms - nowMs) * squeeze), event });
  }
  liveEvents.sort((a, b) => a.offsetMs - b.offsetMs || compareSimEvents(a.event, b.event));
  const bulk = traffic.events.filter((event) => event.ms <= nowMs);
  return {
    bulk,
    live: liveEvents,
    livePlays: [...live],
    dropped: traffic.events.length - bulk.length - liveEvents.length,
  };
}

/** The event as sent at `atMs`: its timestamp becomes that moment (the body is re-serialised by the caller). */
export function stampAt(event: SimEvent, atMs: number): SimEvent {
  return { ...event, ms: atMs, nanos: 0, payload: { ...event.payload, timestamp: formatTimestamp(atMs) } };
}
