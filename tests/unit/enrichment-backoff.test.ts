import { describe, expect, it } from "vitest";
import { backoffDelayMs, nominalDelayMs } from "@/lib/enrichment/backoff";
import { planFailure } from "@/lib/enrichment/worker";
import {
  InstruqtAbortedError,
  InstruqtAuthError,
  InstruqtGraphQLError,
  InstruqtMalformedError,
  InstruqtRateLimitedError,
  InstruqtServerError,
  InstruqtTimeoutError,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
} from "@/lib/instruqt/graphql";

const policy = { baseMs: 1000, maxMs: 60_000 };

describe("backoff", () => {
  it("doubles per attempt from the base and stops at the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => nominalDelayMs(n, policy))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000,
    ]);
    expect(nominalDelayMs(1000, policy)).toBe(60_000);
  });

  it("jitters within [nominal/2, nominal]", () => {
    expect(backoffDelayMs(3, policy, () => 0)).toBe(2000);
    expect(backoffDelayMs(3, policy, () => 0.999999)).toBe(4000);
    const samples = Array.from({ length: 500 }, () => backoffDelayMs(4, policy));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(4000);
    expect(Math.max(...samples)).toBeLessThanOrEqual(8000);
    // Jitter really spreads the retries out.
    expect(new Set(samples).size).toBeGreaterThan(100);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T12:00:00Z");

  it("reads delta-seconds", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("7", now)).toBe(7000);
    expect(parseRetryAfter(" 120 ", now)).toBe(120_000);
  });

  it("reads an HTTP date relative to now, a past one as now", () => {
    expect(parseRetryAfter("Thu, 01 Jan 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 11:00:00 GMT", now)).toBe(0);
  });

  it("caps absurd values and ignores what it cannot read", () => {
    expect(parseRetryAfter("999999999", now)).toBe(MAX_RETRY_AFTER_MS);
    for (const value of [null, undefined, "", "soon", "-5", "1.5", "12abc"]) expect(parseRetryAfter(value, now)).toBeNull();
  });
});

describe("planFailure: what the worker does with each kind of error", () => {
  const config = { maxAttempts: 3, backoff: policy };
  const half = () => 0.5;

  it("retries transient errors with backoff while attempts remain, then fails", () => {
    for (const error of [
      new InstruqtServerError("Instruqt answered HTTP 502", 5, 502),
      new InstruqtTimeoutError(15_000, 15_000),
      new InstruqtMalformedError("not JSON", 5, 200),
      new InstruqtGraphQLError([{ message: "internal error" }], null, 5, 200, false),
      new Error("connection terminated"),
    ]) {
      expect(planFailure(error, 1, config, half)).toMatchObject({ action: "retry", delayMs: 750 });
      expect(planFailure(error, 2, config, half)).toMatchObject({ action: "retry", delayMs: 1500 });
      const last = planFailure(error, 3, config, half);
      expect(last.action).toBe("fail");
      expect((last as { error: string }).error).toMatch(/^attempt 3\/3: /);
    }
  });

  it("fails at once when Instruqt refuses the query document itself", () => {
    const error = new InstruqtGraphQLError([{ message: 'Cannot query field "user" on type "Claim".' }], null, 5, 400, true);
    expect(planFailure(error, 1, config)).toMatchObject({ action: "fail" });
  });

  it("pauses on a refused key without using the attempt", () => {
    expect(planFailure(new InstruqtAuthError("Instruqt refused the API key (HTTP 401)", 5, 401), 1, config)).toMatchObject({
      action: "release",
      delayMs: 0,
      error: "paused: Instruqt refused the API key (HTTP 401)",
    });
  });

  it("waits exactly Retry-After on 429, without using the attempt, and throttles the worker", () => {
    expect(planFailure(new InstruqtRateLimitedError("429", 5, 12_000), 3, config)).toMatchObject({
      action: "release",
      delayMs: 12_000,
      throttleMs: 12_000,
    });
    // No Retry-After: a first-attempt backoff, still not counted.
    expect(planFailure(new InstruqtRateLimitedError("429", 5, null), 3, config, half)).toMatchObject({ action: "release", delayMs: 750 });
  });

  it("gives a job back untouched when the worker is stopping", () => {
    expect(planFailure(new InstruqtAbortedError(5), 2, config)).toEqual({ action: "release", delayMs: 0, error: null });
  });
});
