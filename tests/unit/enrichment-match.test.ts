import { describe, expect, it } from "vitest";
import { matchClaims } from "@/lib/enrichment/match";
import type { InviteClaim } from "@/lib/instruqt/graphql";

const found = (claims: InviteClaim[]) => ({ found: true as const, claims, latencyMs: 1 });
const claim = (userId: string | null, first: string | null, last: string | null = "Doe", email: string | null = null): InviteClaim => ({
  userId,
  details: { firstName: first, lastName: last, email: email ?? (first ? `${first.toLowerCase()}@example.com` : null) },
});

describe("matchClaims", () => {
  it("matches claims to learners by user id", () => {
    const outcome = matchClaims(found([claim("u2", "Bob"), claim("u1", "Ada")]), ["u1", "u2"]);
    expect(outcome).toEqual({
      matches: [
        { userId: "u1", details: { firstName: "Ada", lastName: "Doe", email: "ada@example.com" } },
        { userId: "u2", details: { firstName: "Bob", lastName: "Doe", email: "bob@example.com" } },
      ],
      note: null,
    });
  });

  it("notes known learners missing from the claims, and claims without ids, without guessing", () => {
    const outcome = matchClaims(found([claim("u1", "Ada"), claim(null, "Eve")]), ["u1", "u2"]);
    expect(outcome.matches.map((m) => m.userId)).toEqual(["u1"]);
    expect(outcome.note).toBe("1 claim without a user id ignored; 1 known learner not among the claims");
  });

  it("matches a single id-less claim to the single known learner", () => {
    const outcome = matchClaims(found([claim(null, "Ada")]), ["u1"]);
    expect(outcome).toEqual({ matches: [{ userId: "u1", details: { firstName: "Ada", lastName: "Doe", email: "ada@example.com" } }], note: null });
  });

  it("refuses to guess when id-less claims and known learners are not one to one", () => {
    expect(matchClaims(found([claim(null, "Ada"), claim(null, "Bob")]), ["u1", "u2"])).toEqual({
      matches: [],
      note: "ambiguous: 2 claims without user ids and 2 known learners; not matched",
    });
    expect(matchClaims(found([claim(null, "Ada")]), ["u1", "u2"]).matches).toEqual([]);
    expect(matchClaims(found([claim(null, "Ada"), claim(null, "Bob")]), ["u1"]).matches).toEqual([]);
    expect(matchClaims(found([claim(null, "Ada")]), []).matches).toEqual([]);
  });

  it("records an unknown invite and an invite without claims", () => {
    expect(matchClaims({ found: false, reason: "Instruqt does not know invite i1", latencyMs: 1 }, ["u1"])).toEqual({
      matches: [],
      note: "Instruqt does not know invite i1",
    });
    expect(matchClaims(found([]), ["u1"])).toEqual({ matches: [], note: "the invite has no claims yet" });
  });

  it("leaves a user alone whose claims disagree, and skips claims without details", () => {
    const outcome = matchClaims(
      found([claim("u1", "Ada"), claim("u1", "Adele"), { userId: "u2", details: null }, claim("u3", "Cy")]),
      ["u1", "u2", "u3"],
    );
    expect(outcome.matches.map((m) => m.userId)).toEqual(["u3"]);
    expect(outcome.note).toBe("1 user with conflicting claims left alone; 1 claim without user details");
  });

  it("accepts a repeated identical claim", () => {
    const outcome = matchClaims(found([claim("u1", "Ada"), claim("u1", "Ada")]), ["u1"]);
    expect(outcome).toEqual({ matches: [{ userId: "u1", details: { firstName: "Ada", lastName: "Doe", email: "ada@example.com" } }], note: null });
  });
});
