import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { actionMessage, AppError, errorResponse, invalidParameter, notFound, problemOf } from "@/lib/http/errors";
import { EnrichmentSettingsError } from "@/lib/enrichment/admin";
import { ApiKeyUnreadableError } from "@/lib/enrichment/settings";

/** The one mapping from what admin actions, exports and the funnel throw to what callers are told. */

describe("problemOf", () => {
  it("answers a refusal with its status, code, message and field", () => {
    expect(problemOf(new AppError(409, "last_admin", "the last admin cannot be demoted", "role"))).toEqual({
      status: 409,
      body: { error: "last_admin", message: "the last admin cannot be demoted", fields: { role: "the last admin cannot be demoted" } },
      headers: {},
    });
    expect(problemOf(notFound("user u1")).status).toBe(404);
    expect(problemOf(invalidParameter("status", "status: bad")).body).toEqual({
      error: "invalid_parameter",
      message: "status: bad",
      parameter: "status",
      fields: { status: "status: bad" },
    });
  });

  it("answers enrichment's refusals as conflicts: they are the same error type", () => {
    expect(problemOf(new EnrichmentSettingsError("save a key first"))).toMatchObject({ status: 409, body: { error: "conflict" } });
    expect(problemOf(new ApiKeyUnreadableError())).toMatchObject({ status: 409, body: { error: "conflict" } });
  });

  it("answers invalid input 400 with each field's first message", () => {
    const parsed = z.object({ email: z.email(), role: z.enum(["admin"]) }).safeParse({ email: "x", role: "boss" });
    const problem = problemOf(parsed.error);
    expect(problem.status).toBe(400);
    expect(problem.body.error).toBe("invalid_input");
    expect(Object.keys(problem.body.fields!)).toEqual(["email", "role"]);
    expect(problem.body.message).toMatch(/^email: .+; role: /);
  });

  it("answers an unreachable database 503 with Retry-After, and anything else 500 without details", () => {
    const down = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    expect(problemOf(down)).toMatchObject({ status: 503, body: { error: "unavailable" }, headers: { "retry-after": "30" } });
    const bug = problemOf(new TypeError("secret internals"));
    expect(bug.status).toBe(500);
    expect(JSON.stringify(bug.body)).not.toContain("secret internals");
  });
});

describe("errorResponse and actionMessage", () => {
  it("answer JSON that is never cached, and log only what is not a refusal", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const refusal = errorResponse("test", notFound("token t1"));
    expect(refusal.status).toBe(404);
    expect(refusal.headers.get("cache-control")).toBe("no-store");
    expect(await refusal.json()).toEqual({ error: "not_found", message: "token t1 does not exist" });
    expect(log).not.toHaveBeenCalled();
    expect(errorResponse("test", new Error("boom")).status).toBe(500);
    expect(log).toHaveBeenCalledTimes(1);
    expect(actionMessage("test", new EnrichmentSettingsError("save a key first"))).toBe("save a key first");
    expect(actionMessage("test", new Error("boom"))).toBe("Something went wrong; see the server log.");
    log.mockRestore();
  });
});
