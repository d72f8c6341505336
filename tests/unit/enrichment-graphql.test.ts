import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  fetchInviteClaims,
  graphqlRequest,
  InstruqtAbortedError,
  InstruqtAuthError,
  InstruqtGraphQLError,
  InstruqtHttpError,
  InstruqtMalformedError,
  InstruqtNetworkError,
  InstruqtRateLimitedError,
  InstruqtServerError,
  InstruqtTimeoutError,
  testConnection,
  type GraphQLCallOptions,
} from "@/lib/instruqt/graphql";
import { TRACK_INVITE_CLAIMS } from "@/lib/instruqt/queries";
import { FakeInstruqt, startFakeInstruqt } from "../support/fake-instruqt";

let fake: FakeInstruqt;
let options: GraphQLCallOptions;

beforeAll(async () => {
  fake = await startFakeInstruqt();
  options = { url: fake.url, apiKey: fake.apiKey, timeoutMs: 2000 };
});
afterAll(() => fake.close());
afterEach(() => fake.reset());

const rejection = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
};

describe("fetchInviteClaims against a real GraphQL server", () => {
  it("sends the documented query with the key as a bearer token and reads the claims", async () => {
    fake.setInvite("inv-ok", [
      { userId: "u1", firstName: "Ada", lastName: "Lovelace", email: "ada@example.com" },
      { userId: null, firstName: " Bob ", lastName: "", email: "bob@example.com" },
      { userId: "u3", noDetails: true },
    ]);
    const result = await fetchInviteClaims("inv-ok", options);
    expect(result).toEqual({
      found: true,
      latencyMs: expect.any(Number),
      claims: [
        { userId: "u1", details: { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com" } },
        { userId: null, details: { firstName: "Bob", lastName: null, email: "bob@example.com" } },
        { userId: "u3", details: null },
      ],
    });
    const [request] = fake.requests;
    expect(request).toMatchObject({ inviteId: "inv-ok", authorization: `Bearer ${fake.apiKey}`, answeredAt: expect.any(Number) });
    expect(request!.query).toBe(TRACK_INVITE_CLAIMS);
  });

  it("reports an unknown invite answered with null, or with a not-found error, as not found", async () => {
    expect(await fetchInviteClaims("inv-nobody", options)).toMatchObject({ found: false, reason: expect.stringContaining("inv-nobody") });
    fake.unknownInvite = "error";
    try {
      expect(await fetchInviteClaims("inv-nobody", options)).toMatchObject({ found: false, reason: expect.stringMatching(/not found/) });
    } finally {
      fake.unknownInvite = "null";
    }
  });

  it("401 and 403 are auth errors; so is a GraphQL 'unauthenticated' error", async () => {
    const wrongKey = await rejection(fetchInviteClaims("inv-ok", { ...options, apiKey: "not-the-key-0000" }));
    expect(wrongKey).toBeInstanceOf(InstruqtAuthError);
    expect(wrongKey).toMatchObject({ kind: "auth", status: 401 });
    fake.next({ kind: "status", status: 403, body: "forbidden" });
    expect(await rejection(fetchInviteClaims("inv-ok", options))).toMatchObject({ kind: "auth", status: 403 });
    fake.next({ kind: "graphql-errors", errors: [{ message: "not authenticated", extensions: { code: "UNAUTHENTICATED" } }] });
    expect(await rejection(fetchInviteClaims("inv-ok", options))).toBeInstanceOf(InstruqtAuthError);
  });

  it("429 carries Retry-After in seconds or as an HTTP date", async () => {
    fake.next({ kind: "rate-limit", retryAfter: "7" });
    const seconds = await rejection(fetchInviteClaims("inv-ok", options));
    expect(seconds).toBeInstanceOf(InstruqtRateLimitedError);
    expect((seconds as InstruqtRateLimitedError).retryAfterMs).toBe(7000);

    fake.next({ kind: "rate-limit", retryAfter: new Date(Date.now() + 60_000).toUTCString() });
    const date = (await rejection(fetchInviteClaims("inv-ok", options))) as InstruqtRateLimitedError;
    expect(date.retryAfterMs).toBeGreaterThan(55_000);
    expect(date.retryAfterMs).toBeLessThanOrEqual(60_000);

    fake.next({ kind: "rate-limit" });
    expect(((await rejection(fetchInviteClaims("inv-ok", options))) as InstruqtRateLimitedError).retryAfterMs).toBeNull();
  });

  it("5xx is a server error; another status without GraphQL errors is an HTTP error", async () => {
    fake.next({ kind: "status", status: 503, body: "upstream unavailable" });
    expect(await rejection(fetchInviteClaims("inv-ok", options))).toMatchObject({ kind: "server", status: 503 });
    fake.next({ kind: "status", status: 500 });
    expect(await rejection(fetchInviteClaims("inv-ok", options))).toBeInstanceOf(InstruqtServerError);
    fake.next({ kind: "status", status: 404, body: "<h1>Not Found</h1>", headers: { "content-type": "text/html" } });
    expect(await rejection(fetchInviteClaims("inv-ok", options))).toBeInstanceOf(InstruqtHttpError);
  });

  it("GraphQL errors are typed, and a refused document is permanent", async () => {
    fake.next({ kind: "graphql-errors", errors: [{ message: "internal server error" }] });
    const transient = (await rejection(fetchInviteClaims("inv-ok", options))) as InstruqtGraphQLError;
    expect(transient).toBeInstanceOf(InstruqtGraphQLError);
    expect(transient.permanent).toBe(false);
    expect(transient.errors).toEqual([{ message: "internal server error" }]);

    // A field Instruqt's schema does not have: the real server validates and answers 400.
    const refused = (await rejection(
      graphqlRequest("query { trackInvite(inviteID: \"x\") { claims { nickname } } }", {}, options),
    )) as InstruqtGraphQLError;
    expect(refused).toBeInstanceOf(InstruqtGraphQLError);
    expect(refused.permanent).toBe(true);
    expect(refused.message).toMatch(/Cannot query field "nickname"/);
  });

  it("an answer that is not JSON, or JSON of another shape, is malformed", async () => {
    fake.next({ kind: "malformed" });
    expect(await rejection(fetchInviteClaims("inv-ok", options))).toBeInstanceOf(InstruqtMalformedError);
    fake.next({ kind: "malformed", body: '{"data": {"trackInvite": {"claims": "many"}}}', contentType: "application/json" });
    expect(await rejection(fetchInviteClaims("inv-ok", options))).toMatchObject({ kind: "malformed", message: expect.stringContaining("trackInvite.claims") });
    fake.next({ kind: "malformed", body: '{"data": null}', contentType: "application/json" });
    expect(await rejection(fetchInviteClaims("inv-ok", options))).toBeInstanceOf(InstruqtMalformedError);
  });

  it("times out a slow answer, and tells a timeout from a cancellation", async () => {
    fake.next({ kind: "slow", delayMs: 1500 });
    const started = Date.now();
    const timeout = await rejection(fetchInviteClaims("inv-ok", { ...options, timeoutMs: 300 }));
    expect(timeout).toBeInstanceOf(InstruqtTimeoutError);
    expect(Date.now() - started).toBeLessThan(1200);
    await fake.waitFor(() => fake.inFlight === 0, 5000, "the slow request to be abandoned");
    expect(fake.abandoned).toBe(1);

    fake.next({ kind: "hold" });
    const controller = new AbortController();
    const call = rejection(fetchInviteClaims("inv-ok", { ...options, signal: controller.signal }));
    await fake.waitFor(() => fake.heldCount === 1, 5000, "the request to be held");
    controller.abort();
    expect(await call).toBeInstanceOf(InstruqtAbortedError);
  });

  it("a refused connection is a network error", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await rejection(fetchInviteClaims("inv-ok", { ...options, url: `http://127.0.0.1:${port}/graphql` }));
    expect(error).toBeInstanceOf(InstruqtNetworkError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it("never follows a redirect (it would carry the key elsewhere)", async () => {
    let hits = 0;
    const elsewhere: Server = createServer((_, response) => {
      hits += 1;
      response.end("{}");
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/steal`;
    fake.next({ kind: "status", status: 307, headers: { location: target } });
    try {
      expect(await rejection(fetchInviteClaims("inv-ok", options))).toBeInstanceOf(InstruqtNetworkError);
      expect(hits).toBe(0);
    } finally {
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });
});

describe("testConnection", () => {
  it("succeeds with latency when the key is accepted, even though the test invite does not exist", async () => {
    const result = await testConnection(options);
    expect(result).toMatchObject({ ok: true, latencyMs: expect.any(Number), message: expect.stringMatching(/^Connected/) });
  });

  it("names a refused key, a rate limit and an unreachable server", async () => {
    expect(await testConnection({ ...options, apiKey: "wrong-key-000000" })).toMatchObject({ ok: false, kind: "auth", status: 401 });
    fake.next({ kind: "rate-limit", retryAfter: "3" });
    expect(await testConnection(options)).toMatchObject({ ok: false, kind: "rate_limited", status: 429 });
    expect(await testConnection({ ...options, url: "http://127.0.0.1:1/graphql" })).toMatchObject({ ok: false, kind: "network" });
  });
});
