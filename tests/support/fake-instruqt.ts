import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { buildSchema, graphql, GraphQLError, type GraphQLSchema } from "graphql";

/**
 * A real GraphQL server standing in for Instruqt's API, on 127.0.0.1: node:http plus graphql-js,
 * with the documented fields (`trackInvite(inviteID) { claims { userDetails { … } } }`) and the
 * `claims { user { id } }` that public clients read. Queries are parsed, validated and executed
 * for real, so a document Cairn sends that Instruqt's schema would refuse is refused here too.
 *
 * Each test scripts what the next answers are: `fake.next({ kind: "status", status: 401 })`,
 * per invite or for any request, once or several times; with nothing scripted, invites set with
 * `fake.setInvite(...)` answer with their claims and others with `trackInvite: null`
 * (or a "not found" GraphQL error, see `unknownInvite`).
 */

export const FAKE_INSTRUQT_SCHEMA = /* GraphQL */ `
  type Query {
    trackInvite(inviteID: String!): TrackInvite
  }
  type TrackInvite {
    id: String!
    publicTitle: String
    claims: [Claim]
  }
  type Claim {
    id: String!
    user: User
    userDetails: UserDetails
  }
  type User {
    id: String!
  }
  type UserDetails {
    firstName: String
    lastName: String
    email: String
  }
`;

// ---------------------------------------------------------------------------------------------
// playReports (backfill): the shape of instruqt-webhooks.md "Catalogue and history", as the
// maintained Go client queries it (inline input, `Time` and `PlayType` variables).
// ---------------------------------------------------------------------------------------------

export const FAKE_PLAY_REPORTS_SCHEMA = /* GraphQL */ `
  scalar Time
  enum PlayType {
    ALL
    NORMAL
    DEVELOPER
  }
  extend type Query {
    playReports(input: PlayReportInput!): PlayReportsResult
  }
  input PlayReportInput {
    teamSlug: String!
    dateRangeFilter: DateRangeFilter
    trackIds: [String!]
    trackInviteIds: [String!]
    landingPageIds: [String!]
    tags: [String!]
    userIds: [String!]
    ordering: PlayReportOrdering
    pagination: Pagination
    playType: PlayType
  }
  input DateRangeFilter {
    from: Time
    to: Time
  }
  input PlayReportOrdering {
    field: String
    direction: String
  }
  input Pagination {
    skip: Int
    take: Int
  }
  type PlayReportsResult {
    items: [PlayReport!]!
    totalItems: Int!
  }
  type PlayReportTrack {
    id: String!
  }
  type PlayReport {
    id: String!
    track: PlayReportTrack
    trackInvite: TrackInvite
    user: User
    completionPercent: Float
    totalChallenges: Int
    completedChallenges: Int
    timeSpent: Int
    stoppedReason: String
    mode: String
    startedAt: Time
    activity: [PlayActivity!]
    playReview: PlayReview
    customParameters: [CustomParameter!]
  }
  type PlayActivity {
    time: Time
    message: String
  }
  type PlayReview {
    id: String!
    score: Int
    content: String
  }
  type CustomParameter {
    key: String!
    value: String
  }
`;

// ---------------------------------------------------------------------------------------------
// Track catalogue (issue 14): `track(trackID)` and `challenges(trackID, teamSlug)`, shaped as
// isovalent/instruqt-go reads them. `catalogueShape = "paged"` serves a schema where `challenges`
// is a page object instead of a list — a real schema mismatch that graphql-js refuses with
// "Cannot query field …", as Instruqt would if its schema moved.
// ---------------------------------------------------------------------------------------------

const CATALOGUE_TYPES = /* GraphQL */ `
  type Track {
    id: String!
    slug: String
    title: String
    teaser: String
    level: String
  }
  type Challenge {
    id: String!
    slug: String
    title: String
    teaser: String
    index: Int
  }
`;

const CATALOGUE_LISTED = /* GraphQL */ `
  extend type Query {
    track(trackID: String!): Track
    challenges(trackID: String!, teamSlug: String!): [Challenge]
  }
`;

const CATALOGUE_PAGED = /* GraphQL */ `
  type ChallengePage {
    items: [Challenge]
    totalItems: Int
  }
  extend type Query {
    track(trackID: String!): Track
    challenges(trackID: String!, teamSlug: String!, skip: Int, take: Int): ChallengePage
  }
`;

export interface FakeTrack {
  slug?: string | null;
  title?: string | null;
  teaser?: string | null;
  level?: string | null;
  challenges: { id: string; slug?: string | null; title?: string | null; index?: number | null }[];
}

const CATALOGUE_SHAPES = { listed: CATALOGUE_LISTED, paged: CATALOGUE_PAGED };
const PLAY_REPORTS_SHAPES = {
  normal: FAKE_PLAY_REPORTS_SCHEMA,
  /** The same API after a rename Cairn does not know of (PlayReport.completionPercent → completion). */
  renamed: FAKE_PLAY_REPORTS_SCHEMA.replace("completionPercent: Float", "completion: Float"),
};
const builtSchemas = new Map<string, GraphQLSchema>();

/** The whole fake API in the shapes a test asked for (built once per combination). */
function schemaFor(catalogue: keyof typeof CATALOGUE_SHAPES, playReports: keyof typeof PLAY_REPORTS_SHAPES): GraphQLSchema {
  const key = `${catalogue}/${playReports}`;
  let built = builtSchemas.get(key);
  if (!built) {
    built = buildSchema(FAKE_INSTRUQT_SCHEMA + CATALOGUE_TYPES + CATALOGUE_SHAPES[catalogue] + PLAY_REPORTS_SHAPES[playReports]);
    builtSchemas.set(key, built);
  }
  return built;
}

// ---------------------------------------------------------------------------------------------

export interface FakeClaim {
  /** The claimant's user id; null leaves `user` null (as if Instruqt did not say). */
  userId: string | null;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  /** userDetails null (no details shared). */
  noDetails?: boolean;
}

export type Behaviour =
  /** Execute the query against the invites set with setInvite (the default). */
  | { kind: "ok"; delayMs?: number }
  /** A bare HTTP status with an optional body and headers. */
  | { kind: "status"; status: number; body?: string; headers?: Record<string, string> }
  /** 429 with Retry-After (seconds or an HTTP date), or none. */
  | { kind: "rate-limit"; retryAfter?: string }
  /** 200 with GraphQL errors (and data, default null). */
  | { kind: "graphql-errors"; errors: { message: string; extensions?: Record<string, unknown> }[]; data?: unknown }
  /** 200 with a body that is not JSON (or JSON of the wrong shape). */
  | { kind: "malformed"; body?: string; contentType?: string }
  /** Answer only after delayMs (longer than the client's timeout makes a timeout). */
  | { kind: "slow"; delayMs: number }
  /** Never answer until release() (or the client goes away). */
  | { kind: "hold" };

export interface RecordedRequest {
  at: number;
  inviteId: string | null;
  /** The catalogue query's trackId variable. */
  trackId: string | null;
  authorization: string | null;
  query: string;
  /** When the answer went out, or null when the client left first. */
  answeredAt: number | null;
  behaviour: Behaviour["kind"];
}

interface Scripted {
  behaviour: Behaviour;
  inviteId: string | null;
  remaining: number;
}

export interface FakeInstruqtOptions {
  apiKey?: string;
  /** How an unknown invite answers: `trackInvite: null` (default) or a "not found" GraphQL error. */
  unknownInvite?: "null" | "error";
}

export class FakeInstruqt {
  readonly apiKey: string;
  unknownInvite: "null" | "error";
  readonly requests: RecordedRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Requests whose client went away before the answer (e.g. a killed worker). */
  abandoned = 0;
  private readonly invites = new Map<string, FakeClaim[]>();
  /** Catalogue: tracks by id, and which schema is served (`challenges` accepts only `teamSlug`). */
  readonly tracks = new Map<string, FakeTrack>();
  catalogueShape: keyof typeof CATALOGUE_SHAPES = "listed";
  private readonly script: Scripted[] = [];
  private readonly held = new Set<() => void>();
  private readonly waiters = new Set<() => void>();
  private server: Server | undefined;
  private port = 0;

  constructor(options: FakeInstruqtOptions = {}) {
    this.apiKey = options.apiKey ?? "fake-instruqt-api-key-0123456789";
    this.unknownInvite = options.unknownInvite ?? "null";
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.release();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  // --- playReports (backfill) -----------------------------------------------------------------
  /** The team whose reports playReports and challenges answer; another teamSlug is a GraphQL error. */
  teamSlug = "cairn-test-team";
  /** "renamed": the schema no longer has PlayReport.completionPercent (a schema mismatch). */
  playReportsShape: "normal" | "renamed" = "normal";
  readonly playReports: FakePlayReport[] = [];
  /** The input of every playReports call answered, in order. */
  readonly playReportCalls: PlayReportsInput[] = [];

  addPlayReports(...reports: FakePlayReport[]): this {
    this.playReports.push(...reports);
    return this;
  }

  private resolvePlayReports(input: PlayReportsInput) {
    this.playReportCalls.push(input);
    if (input.teamSlug !== this.teamSlug) throw new GraphQLError(`team ${input.teamSlug} not found`, { extensions: { code: "NOT_FOUND" } });
    const from = input.dateRangeFilter?.from ? Date.parse(input.dateRangeFilter.from) : -Infinity;
    const to = input.dateRangeFilter?.to ? Date.parse(input.dateRangeFilter.to) : Infinity;
    const tracks = input.trackIds ?? [];
    const invites = input.trackInviteIds ?? [];
    const matching = this.playReports
      .filter((report) => {
        const started = report.startedAt === null ? NaN : Date.parse(report.startedAt);
        if (report.startedAt !== null && (started < from || started > to)) return false;
        if (tracks.length > 0 && !tracks.includes(report.trackId)) return false;
        if (invites.length > 0 && (report.inviteId === null || !invites.includes(report.inviteId))) return false;
        return true;
      })
      // Instruqt's default order: started, newest first.
      .sort((a, b) => (b.startedAt ?? "").localeCompare(a.startedAt ?? "") || a.id.localeCompare(b.id));
    const skip = input.pagination?.skip ?? 0;
    const take = input.pagination?.take ?? 20;
    return {
      totalItems: matching.length,
      items: matching.slice(skip, skip + take).map((report) => ({
        id: report.id,
        track: { id: report.trackId },
        trackInvite: report.inviteId === null ? null : { id: report.inviteId, publicTitle: null, claims: [] },
        user: { id: report.userId },
        completionPercent: report.completionPercent ?? 0,
        completion: report.completionPercent ?? 0,
        totalChallenges: report.totalChallenges ?? null,
        completedChallenges: report.completedChallenges ?? 0,
        timeSpent: report.timeSpent ?? 0,
        stoppedReason: report.stoppedReason ?? null,
        mode: report.mode ?? "normal",
        startedAt: report.startedAt,
        activity: report.activity ?? [],
        playReview: report.review ?? null,
        customParameters: Object.entries(report.customParameters ?? {}).map(([key, value]) => ({ key, value })),
      })),
    };
  }
  // --- end of playReports ----------------------------------------------------------------------

  setInvite(inviteId: string, claims: FakeClaim[]): this {
    this.invites.set(inviteId, claims);
    return this;
  }

  deleteInvite(inviteId: string): this {
    this.invites.delete(inviteId);
    return this;
  }

  setTrack(trackId: string, track: FakeTrack): this {
    this.tracks.set(trackId, track);
    return this;
  }

  /** Scripts the next answer(s): for one invite or track, or (both omitted) for any request. */
  next(behaviour: Behaviour, { inviteId = null, trackId = null, times = 1 }: { inviteId?: string | null; trackId?: string | null; times?: number } = {}): this {
    this.script.push({ behaviour, inviteId: inviteId ?? trackId, remaining: times });
    return this;
  }

  /** Forgets scripted answers and recorded requests (invites stay). */
  reset(): void {
    this.script.length = 0;
    this.requests.length = 0;
    this.maxInFlight = this.inFlight;
    this.abandoned = 0;
  }

  /** Lets every held request answer (normally, from the invites). */
  release(): void {
    for (const go of [...this.held]) go();
    this.held.clear();
  }

  get heldCount(): number {
    return this.held.size;
  }

  requestsFor(inviteId: string): RecordedRequest[] {
    return this.requests.filter((r) => r.inviteId === inviteId);
  }

  /** Resolves once `predicate` holds (checked on every request and answer), or rejects after timeoutMs. */
  async waitFor(predicate: () => boolean, timeoutMs = 20_000, what = "condition"): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake Instruqt: timed out after ${timeoutMs} ms waiting for ${what} (${this.requests.length} requests so far)`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private take(inviteId: string | null): Behaviour {
    const index = this.script.findIndex((s) => s.inviteId === null || s.inviteId === inviteId);
    if (index === -1) return { kind: "ok" };
    const scripted = this.script[index]!;
    scripted.remaining -= 1;
    if (scripted.remaining <= 0) this.script.splice(index, 1);
    return scripted.behaviour;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let body: { query?: unknown; variables?: Record<string, unknown> } = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      // answered below as a GraphQL request without a query
    }
    const query = typeof body.query === "string" ? body.query : "";
    const inviteId = typeof body.variables?.inviteId === "string" ? body.variables.inviteId : null;
    const trackId = typeof body.variables?.trackId === "string" ? body.variables.trackId : null;
    const authorization = request.headers.authorization ?? null;

    const behaviour = authorization === `Bearer ${this.apiKey}` ? this.take(inviteId ?? trackId) : null;
    const record: RecordedRequest = { at: Date.now(), inviteId, trackId, authorization, query, answeredAt: null, behaviour: behaviour?.kind ?? "status" };
    this.requests.push(record);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      this.inFlight -= 1;
      this.notify();
    };
    response.on("close", () => {
      if (!response.writableFinished) this.abandoned += 1;
      finish();
    });
    this.notify();

    const send = (status: number, payload: string, headers: Record<string, string> = {}) => {
      if (response.destroyed) return;
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(payload, () => {
        record.answeredAt = Date.now();
        finish();
      });
    };

    if (behaviour === null) {
      send(401, JSON.stringify({ errors: [{ message: "unauthorized: invalid API key" }] }));
      return;
    }

    switch (behaviour.kind) {
      case "status":
        send(behaviour.status, behaviour.body ?? "", behaviour.headers);
        return;
      case "rate-limit":
        send(429, JSON.stringify({ errors: [{ message: "rate limit exceeded" }] }), behaviour.retryAfter === undefined ? {} : { "retry-after": behaviour.retryAfter });
        return;
      case "graphql-errors":
        send(200, JSON.stringify({ data: behaviour.data ?? null, errors: behaviour.errors }));
        return;
      case "malformed":
        send(200, behaviour.body ?? "<html><body>Bad gateway</body></html>", { "content-type": behaviour.contentType ?? "text/html" });
        return;
      case "hold":
        await new Promise<void>((resolve) => {
          const go = () => {
            this.held.delete(go);
            resolve();
          };
          this.held.add(go);
          response.on("close", go);
          this.notify();
        });
        break;
      case "slow":
      case "ok": {
        const delay = behaviour.kind === "slow" ? behaviour.delayMs : (behaviour.delayMs ?? 0);
        if (delay > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delay);
            response.on("close", () => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
        break;
      }
    }
    if (response.destroyed) return;
    const result = await graphql({
      schema: schemaFor(this.catalogueShape, this.playReportsShape),
      source: query,
      variableValues: body.variables ?? {},
      rootValue: {
        trackInvite: ({ inviteID }: { inviteID: string }) => this.resolveInvite(inviteID),
        playReports: ({ input }: { input: PlayReportsInput }) => this.resolvePlayReports(input),
        track: ({ trackID }: { trackID: string }) => this.resolveTrack(trackID),
        challenges: (args: { trackID: string; teamSlug: string; skip?: number; take?: number }) => this.resolveChallenges(args),
      },
    });
    // GraphQL over HTTP: a document that does not parse or validate is a 400.
    const status = result.data === undefined && result.errors ? 400 : 200;
    send(status, JSON.stringify(result));
  }

  private resolveTrack(trackId: string) {
    const track = this.tracks.get(trackId);
    if (!track) return null;
    return { id: trackId, slug: track.slug ?? null, title: track.title ?? null, teaser: track.teaser ?? null, level: track.level ?? null };
  }

  private resolveChallenges({ trackID, teamSlug, skip = 0, take = 50 }: { trackID: string; teamSlug: string; skip?: number; take?: number }) {
    if (teamSlug !== this.teamSlug) throw new GraphQLError(`team ${teamSlug} not found`, { extensions: { code: "NOT_FOUND" } });
    const track = this.tracks.get(trackID);
    const all = (track?.challenges ?? []).map((c) => ({ id: c.id, slug: c.slug ?? null, title: c.title ?? null, teaser: null, index: c.index ?? null }));
    if (this.catalogueShape === "paged") return { items: all.slice(skip, skip + take), totalItems: all.length };
    return track ? all : null;
  }

  requestsForTrack(trackId: string): RecordedRequest[] {
    return this.requests.filter((r) => r.trackId === trackId);
  }

  private resolveInvite(inviteId: string) {
    const claims = this.invites.get(inviteId);
    if (!claims) {
      if (this.unknownInvite === "error") throw new GraphQLError(`track invite ${inviteId} not found`, { extensions: { code: "NOT_FOUND" } });
      return null;
    }
    return {
      id: inviteId,
      publicTitle: `Invite ${inviteId}`,
      claims: claims.map((claim, index) => ({
        id: `${inviteId}-claim-${index}`,
        user: claim.userId === null ? null : { id: claim.userId },
        userDetails: claim.noDetails
          ? null
          : { firstName: claim.firstName ?? null, lastName: claim.lastName ?? null, email: claim.email ?? null },
      })),
    };
  }
}

export interface FakePlayReport {
  id: string;
  trackId: string;
  userId: string;
  inviteId: string | null;
  /** ISO time; null answers an item Cairn cannot use (a mismatch). */
  startedAt: string | null;
  completionPercent?: number;
  totalChallenges?: number | null;
  completedChallenges?: number;
  timeSpent?: number;
  stoppedReason?: string | null;
  mode?: string;
  activity?: { time: string; message: string }[];
  review?: { id: string; score: number | null; content: string | null } | null;
  customParameters?: Record<string, string>;
}

export interface PlayReportsInput {
  teamSlug: string;
  dateRangeFilter?: { from?: string | null; to?: string | null } | null;
  trackIds?: string[] | null;
  trackInviteIds?: string[] | null;
  pagination?: { skip?: number | null; take?: number | null } | null;
  playType?: string | null;
}

export async function startFakeInstruqt(options: FakeInstruqtOptions = {}): Promise<FakeInstruqt> {
  return new FakeInstruqt(options).start();
}
