import { performance } from "node:perf_hooks";
import {
  CONNECTION_TEST_INVITE_ID,
  TRACK_INVITE_CLAIMS,
  trackInviteClaimsData,
} from "./queries";

/**
 * Instruqt's GraphQL API over fetch: `Authorization: Bearer <key>`, a hard timeout, and every way
 * a call can go wrong turned into a typed error, so the enrichment worker can decide per kind
 * whether to retry, wait, pause or give up:
 *
 *   InstruqtAuthError         401/403 (or a GraphQL "unauthenticated"): the key is wrong — pause
 *   InstruqtRateLimitedError  429, with Retry-After when given — wait that long, no attempt used
 *   InstruqtServerError       5xx — retry with backoff
 *   InstruqtHttpError         any other non-2xx without GraphQL errors (wrong URL …) — retry
 *   InstruqtTimeoutError      no full answer within the timeout — retry
 *   InstruqtNetworkError      DNS, refused, reset, TLS … — retry
 *   InstruqtMalformedError    not JSON, or JSON of an unexpected shape — retry
 *   InstruqtGraphQLError      `errors` in the answer; `permanent` when the document itself is
 *                             refused (Instruqt's schema changed), which no retry will fix
 *   InstruqtAbortedError      the caller aborted (worker shutting down) — not Instruqt's fault
 *
 * Nothing here reads configuration or the database: callers pass URL, key and timeout.
 */

export type InstruqtErrorKind =
  | "auth"
  | "rate_limited"
  | "server"
  | "http"
  | "timeout"
  | "network"
  | "malformed"
  | "graphql"
  | "aborted";

export class InstruqtError extends Error {
  constructor(
    readonly kind: InstruqtErrorKind,
    message: string,
    readonly latencyMs: number,
    readonly status: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InstruqtAuthError extends InstruqtError {
  constructor(message: string, latencyMs: number, status: number | null) {
    super("auth", message, latencyMs, status);
  }
}

export class InstruqtRateLimitedError extends InstruqtError {
  constructor(
    message: string,
    latencyMs: number,
    /** From Retry-After (seconds or an HTTP date); null when the answer did not say. */
    readonly retryAfterMs: number | null,
  ) {
    super("rate_limited", message, latencyMs, 429);
  }
}

export class InstruqtServerError extends InstruqtError {
  constructor(message: string, latencyMs: number, status: number) {
    super("server", message, latencyMs, status);
  }
}

export class InstruqtHttpError extends InstruqtError {
  constructor(message: string, latencyMs: number, status: number) {
    super("http", message, latencyMs, status);
  }
}

export class InstruqtTimeoutError extends InstruqtError {
  constructor(timeoutMs: number, latencyMs: number) {
    super("timeout", `Instruqt did not answer within ${formatMs(timeoutMs)}`, latencyMs);
  }
}

export class InstruqtNetworkError extends InstruqtError {
  constructor(message: string, latencyMs: number, cause: unknown) {
    super("network", message, latencyMs, null, { cause });
  }
}

export class InstruqtMalformedError extends InstruqtError {
  constructor(message: string, latencyMs: number, status: number | null) {
    super("malformed", message, latencyMs, status);
  }
}

export interface GraphQLErrorEntry {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

export class InstruqtGraphQLError extends InstruqtError {
  constructor(
    readonly errors: GraphQLErrorEntry[],
    readonly data: unknown,
    latencyMs: number,
    status: number,
    /** The document was refused (parse/validation): retrying the same document cannot help. */
    readonly permanent: boolean,
  ) {
    super("graphql", `Instruqt answered with GraphQL errors: ${summarise(errors)}`, latencyMs, status);
  }
}

export class InstruqtAbortedError extends InstruqtError {
  constructor(latencyMs: number) {
    super("aborted", "the request was cancelled", latencyMs);
  }
}

export interface GraphQLCallOptions {
  url: string;
  apiKey: string;
  timeoutMs: number;
  /** Aborts the call from outside (shutdown); reported as InstruqtAbortedError, not a timeout. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** Answers larger than this are not an invite's claims: refuse them rather than buffer them. */
const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
/** Retry-After beyond this is treated as this: a typo on their side must not park us for a year. */
export const MAX_RETRY_AFTER_MS = 24 * 3600_000;

const formatMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${Math.round(ms)} ms`);

function summarise(errors: GraphQLErrorEntry[]): string {
  const messages = errors.slice(0, 3).map((error) => error.message);
  return messages.join("; ") + (errors.length > 3 ? ` (+${errors.length - 3} more)` : "");
}

/**
 * Retry-After as milliseconds from `now`: delta-seconds ("120") or an HTTP date
 * ("Wed, 21 Oct 2015 07:28:00 GMT"). A date in the past means "now" (0); anything else unreadable
 * means "not said" (null). Capped at MAX_RETRY_AFTER_MS.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === "") return null;
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, MAX_RETRY_AFTER_MS);
  // Only the HTTP-date forms (RFC 9110: IMF-fixdate, and the obsolete RFC 850 / asctime ones all
  // name a weekday or month in letters): a bare "1.5" or "-3" is not a date.
  if (!/[a-z]{3}/i.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

const AUTH_CODES = new Set(["UNAUTHENTICATED", "UNAUTHORIZED", "UNAUTHORISED"]);
const AUTH_MESSAGE = /\b(unauthenticated|not authenticated|unauthori[sz]ed|invalid (api )?(key|token)|missing (api )?(key|token))\b/i;
const PERMANENT_CODES = new Set(["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"]);
const PERMANENT_MESSAGE = /^(Syntax Error|Cannot query field|Unknown argument|Unknown type|Field "[^"]+" argument|Variable "\$[^"]+")/;

const errorCode = (error: GraphQLErrorEntry) =>
  typeof error.extensions?.code === "string" ? error.extensions.code.toUpperCase() : null;

export const isAuthGraphQLError = (error: GraphQLErrorEntry) =>
  AUTH_CODES.has(errorCode(error) ?? "") || AUTH_MESSAGE.test(error.message);

const isPermanentGraphQLError = (error: GraphQLErrorEntry) =>
  PERMANENT_CODES.has(errorCode(error) ?? "") || PERMANENT_MESSAGE.test(error.message);

function readErrors(value: unknown): GraphQLErrorEntry[] | null {
  if (!Array.isArray(value)) return null;
  return value.map((entry) => {
    const record = (entry && typeof entry === "object" ? entry : {}) as Record<string, unknown>;
    return {
      message: typeof record.message === "string" ? record.message : JSON.stringify(entry),
      ...(Array.isArray(record.path) ? { path: record.path as (string | number)[] } : {}),
      ...(record.extensions && typeof record.extensions === "object"
        ? { extensions: record.extensions as Record<string, unknown> }
        : {}),
    };
  });
}

async function readBody(response: Response): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > MAX_RESPONSE_BYTES) {
    await response.body?.cancel();
    throw new RangeError(`the answer is ${declared} bytes, over the ${MAX_RESPONSE_BYTES}-byte limit`);
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw new RangeError(`the answer is over the ${MAX_RESPONSE_BYTES}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const code = typeof cause?.code === "string" ? cause.code : null;
  const detail = typeof cause?.message === "string" ? cause.message : error instanceof Error ? error.message : String(error);
  return code ? `${code}: ${detail}` : detail;
}

/**
 * One GraphQL call. Resolves with `data` (and the latency) only for a 2xx JSON answer without
 * `errors`; everything else throws one of the errors above. Redirects are refused: following one
 * would send the API key to wherever it points.
 */
export async function graphqlRequest(
  document: string,
  variables: Record<string, unknown>,
  options: GraphQLCallOptions,
): Promise<{ data: unknown; latencyMs: number }> {
  const fetchImpl = options.fetch ?? fetch;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);

  const failure = (error: unknown): InstruqtError => {
    if (error instanceof InstruqtError) return error;
    if (options.signal?.aborted) return new InstruqtAbortedError(elapsed());
    if (timeout.aborted) return new InstruqtTimeoutError(options.timeoutMs, elapsed());
    if (error instanceof RangeError) return new InstruqtMalformedError(`Instruqt's answer was refused: ${error.message}`, elapsed(), null);
    return new InstruqtNetworkError(`could not reach Instruqt (${describeNetworkError(error)})`, elapsed(), error);
  };

  let status: number;
  let headers: Headers;
  let text: string;
  try {
    const response = await fetchImpl(options.url, {
      method: "POST",
      headers: {
        accept: "application/graphql-response+json, application/json",
        "content-type": "application/json",
        authorization: `Bearer ${options.apiKey}`,
        "user-agent": "Cairn (learner enrichment)",
      },
      body: JSON.stringify({ query: document, variables }),
      redirect: "error",
      signal,
      cache: "no-store",
    });
    status = response.status;
    headers = response.headers;
    text = await readBody(response);
  } catch (error) {
    throw failure(error);
  }
  const latencyMs = elapsed();

  if (status === 401 || status === 403) {
    throw new InstruqtAuthError(`Instruqt refused the API key (HTTP ${status})`, latencyMs, status);
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers.get("retry-after"));
    const when = retryAfterMs === null ? "" : `; retry after ${formatMs(retryAfterMs)}`;
    throw new InstruqtRateLimitedError(`Instruqt is rate limiting (HTTP 429${when})`, latencyMs, retryAfterMs);
  }
  if (status >= 500) throw new InstruqtServerError(`Instruqt answered HTTP ${status}`, latencyMs, status);

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (status < 200 || status >= 300) throw new InstruqtHttpError(`Instruqt answered HTTP ${status}`, latencyMs, status);
    throw new InstruqtMalformedError(`Instruqt's answer is not JSON (HTTP ${status}, ${text.length} bytes)`, latencyMs, status);
  }
  const record = body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  const errors = record ? readErrors(record.errors) : null;

  if (errors && errors.length > 0) {
    if (errors.some(isAuthGraphQLError)) {
      throw new InstruqtAuthError(`Instruqt refused the API key: ${summarise(errors)}`, latencyMs, status);
    }
    // GraphQL over HTTP answers a refused document with a 4xx; older servers with a 200.
    const permanent = (status >= 400 && status < 500) || errors.some(isPermanentGraphQLError);
    throw new InstruqtGraphQLError(errors, record?.data ?? null, latencyMs, status, permanent);
  }
  if (status < 200 || status >= 300) throw new InstruqtHttpError(`Instruqt answered HTTP ${status}`, latencyMs, status);
  if (!record || !("data" in record) || record.data === null || typeof record.data !== "object") {
    throw new InstruqtMalformedError("Instruqt's answer has no data", latencyMs, status);
  }
  return { data: record.data, latencyMs };
}

export interface InviteClaim {
  /** The claimant's Instruqt user id (the webhook's user_id), when the answer carries it. */
  userId: string | null;
  /** null when the claim came without userDetails. */
  details: { firstName: string | null; lastName: string | null; email: string | null } | null;
}

export type InviteClaimsResult =
  | { found: true; claims: InviteClaim[]; latencyMs: number }
  | { found: false; reason: string; latencyMs: number };

const NOT_FOUND = /not[ _-]?found|does not exist|no such|unknown invite/i;
const isNotFound = (error: GraphQLErrorEntry) => errorCode(error) === "NOT_FOUND" || NOT_FOUND.test(error.message);

/**
 * The claims of one invite. An unknown invite (Instruqt answers `trackInvite: null`, or an error
 * saying it was not found) is a result, not an error: asking again will not make it known.
 */
export async function fetchInviteClaims(inviteId: string, options: GraphQLCallOptions): Promise<InviteClaimsResult> {
  let data: unknown;
  let latencyMs: number;
  try {
    ({ data, latencyMs } = await graphqlRequest(TRACK_INVITE_CLAIMS, { inviteId }, options));
  } catch (error) {
    if (
      error instanceof InstruqtGraphQLError &&
      !error.permanent &&
      error.errors.every(isNotFound) &&
      (error.data === null || (error.data as { trackInvite?: unknown }).trackInvite == null)
    ) {
      return { found: false, reason: `Instruqt does not know invite ${inviteId}: ${summarise(error.errors)}`, latencyMs: error.latencyMs };
    }
    throw error;
  }
  const parsed = trackInviteClaimsData.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InstruqtMalformedError(
      `Instruqt's answer does not have the expected shape (${issue ? `${issue.path.join(".") || "data"}: ${issue.message}` : "unknown"})`,
      latencyMs,
      200,
    );
  }
  const invite = parsed.data.trackInvite;
  if (invite === null) return { found: false, reason: `Instruqt does not know invite ${inviteId}`, latencyMs };
  const claims = (invite.claims ?? [])
    .filter((claim) => claim !== null)
    .map((claim) => ({
      userId: claim.user?.id ?? null,
      details: claim.userDetails
        ? { firstName: claim.userDetails.firstName, lastName: claim.userDetails.lastName, email: claim.userDetails.email }
        : null,
    }));
  return { found: true, claims, latencyMs };
}

export type ConnectionTestResult =
  | { ok: true; latencyMs: number; message: string }
  | { ok: false; kind: InstruqtErrorKind; status: number | null; latencyMs: number; message: string };

/**
 * A cheap authenticated call: the enrichment query for an invite that does not exist. Instruqt
 * answering at all (even "not found") proves the URL, the key and the document are right.
 */
export async function testConnection(options: GraphQLCallOptions): Promise<ConnectionTestResult> {
  try {
    const result = await fetchInviteClaims(CONNECTION_TEST_INVITE_ID, options);
    return { ok: true, latencyMs: result.latencyMs, message: `Connected: Instruqt accepted the API key in ${formatMs(result.latencyMs)}` };
  } catch (error) {
    if (error instanceof InstruqtError) {
      return { ok: false, kind: error.kind, status: error.status, latencyMs: error.latencyMs, message: error.message };
    }
    throw error;
  }
}
