import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "svix";
import { describe, expect, it } from "vitest";
import { DeliveryError, sendWebhook, signedWebhookHeaders } from "@/lib/alerts/deliver";
import { alertEmail, alertSummary, dashboardBaseUrl, dashboardUrl, webhookPayload, type AlertFacts } from "@/lib/alerts/notification";
import { alertDetail, challengeKeyOf, conditionHolds, matchBoard, matchRule, ruleScope, type RuleCondition } from "@/lib/alerts/rules";
import { webhookUrlHint } from "@/lib/alerts/webhook-hint";
import type { LiveEntry } from "@/lib/live/board";
import type { LivePlay } from "@/lib/live/play";

/** The pure parts of alerting: which plays meet which rule, and what a notification says. */

function play(overrides: Partial<LivePlay> = {}): LivePlay {
  return {
    participant_id: "p1",
    user_id: "u1",
    first_name: null,
    last_name: null,
    email: null,
    track_id: "t1",
    track_slug: "track-one",
    track_title: null,
    challenge_number: 2,
    challenge_id: "c1",
    challenge_title: null,
    seconds_on_challenge: 60,
    failed_attempts_on_challenge: 0,
    seconds_since_activity: 30,
    flags: [],
    ...overrides,
  };
}

function entry(overrides: Partial<LivePlay> = {}, inviteId: string | null = "inv1"): LiveEntry {
  return {
    inviteId,
    play: play(overrides),
    facts: {
      challengeStartedAt: null,
      failedAttemptsOnChallenge: null,
      medianChallengeSeconds: null,
      lastActivityAt: null,
      lastReceivedAt: null,
      lastSandboxFailedAt: null,
      lastSandboxCreatedAt: null,
    },
  };
}

function rule(overrides: Partial<RuleCondition> = {}): RuleCondition {
  return { id: "r1", kind: "stuck", threshold: 10, trackId: null, trackKey: null, inviteId: null, ...overrides };
}

describe("conditionHolds", () => {
  it("stuck: at least threshold minutes on the current challenge, never between challenges", () => {
    expect(conditionHolds(rule({ threshold: 10 }), play({ seconds_on_challenge: 599 }))).toBe(false);
    expect(conditionHolds(rule({ threshold: 10 }), play({ seconds_on_challenge: 600 }))).toBe(true);
    expect(conditionHolds(rule({ threshold: 10 }), play({ challenge_number: null, challenge_id: null, seconds_on_challenge: null }))).toBe(false);
  });

  it("failing: at least threshold failed checks on the current challenge", () => {
    const failing = rule({ kind: "failing", threshold: 3 });
    expect(conditionHolds(failing, play({ failed_attempts_on_challenge: 2 }))).toBe(false);
    expect(conditionHolds(failing, play({ failed_attempts_on_challenge: 3 }))).toBe(true);
    expect(conditionHolds(failing, play({ failed_attempts_on_challenge: null }))).toBe(false);
    expect(conditionHolds(failing, play({ challenge_number: null, failed_attempts_on_challenge: 5 }))).toBe(false);
  });

  it("sandbox_failed: the board's sandbox_failed flag, with or without a challenge", () => {
    const sandbox = rule({ kind: "sandbox_failed", threshold: 1 });
    expect(conditionHolds(sandbox, play({ flags: ["idle"] }))).toBe(false);
    expect(conditionHolds(sandbox, play({ flags: ["sandbox_failed"] }))).toBe(true);
    expect(conditionHolds(sandbox, play({ flags: ["sandbox_failed"], challenge_number: null, challenge_id: null }))).toBe(true);
  });

  it("is independent of the board's own stuck and failing thresholds", () => {
    expect(conditionHolds(rule({ threshold: 1 }), play({ seconds_on_challenge: 61, flags: [] }))).toBe(true);
    expect(conditionHolds(rule({ kind: "failing", threshold: 10 }), play({ failed_attempts_on_challenge: 4, flags: ["failing"] }))).toBe(false);
  });
});

describe("scope", () => {
  const stuck = play({ seconds_on_challenge: 3600 });
  it("matches every play without a track or invite", () => {
    expect(ruleScope(rule())).toEqual({});
    expect(matchRule(rule(), entry(stuck))).not.toBeNull();
  });

  it("a resolved track matches its id only; an unknown one matches by id or slug once plays arrive", () => {
    expect(matchRule(rule({ trackId: "t1", trackKey: "track-one" }), entry(stuck))).not.toBeNull();
    expect(matchRule(rule({ trackId: "t2", trackKey: "track-two" }), entry(stuck))).toBeNull();
    expect(matchRule(rule({ trackId: null, trackKey: "track-one" }), entry(stuck))).not.toBeNull();
    expect(matchRule(rule({ trackId: null, trackKey: "t1" }), entry(stuck))).not.toBeNull();
    expect(matchRule(rule({ trackId: null, trackKey: "other" }), entry(stuck))).toBeNull();
  });

  it("an invite matches that invite's plays only", () => {
    expect(matchRule(rule({ inviteId: "inv1" }), entry(stuck))).not.toBeNull();
    expect(matchRule(rule({ inviteId: "inv2" }), entry(stuck))).toBeNull();
    expect(matchRule(rule({ inviteId: "inv1" }), entry(stuck, null))).toBeNull();
  });
});

describe("matches", () => {
  it("keys an alert by the challenge id, else its number, else '-'", () => {
    expect(challengeKeyOf(play())).toBe("c1");
    expect(challengeKeyOf(play({ challenge_id: null }))).toBe("#2");
    expect(challengeKeyOf(play({ challenge_id: null, challenge_number: null }))).toBe("-");
  });

  it("says why in one line", () => {
    expect(alertDetail("stuck", play({ seconds_on_challenge: 17 * 60 + 59 }))).toBe("stuck on challenge 2 for 17 minutes");
    expect(alertDetail("stuck", play({ seconds_on_challenge: 60 }))).toBe("stuck on challenge 2 for 1 minute");
    expect(alertDetail("stuck", play({ seconds_on_challenge: 3 * 3600 + 5 * 60 }))).toBe("stuck on challenge 2 for 3 h 5 min");
    expect(alertDetail("failing", play({ failed_attempts_on_challenge: 4 }))).toBe("4 failed checks on challenge 2");
    expect(alertDetail("failing", play({ failed_attempts_on_challenge: 1 }))).toBe("1 failed check on challenge 2");
    expect(alertDetail("sandbox_failed", play({ challenge_number: null }))).toBe("sandbox failed between challenges");
  });

  it("pairs every rule with every play that meets it", () => {
    const board = [
      entry({ participant_id: "a", seconds_on_challenge: 1200 }),
      entry({ participant_id: "b", failed_attempts_on_challenge: 5 }),
      entry({ participant_id: "c", flags: ["sandbox_failed"], challenge_number: null, challenge_id: null }),
    ];
    const rules = [rule({ id: "stuck" }), rule({ id: "failing", kind: "failing", threshold: 3 }), rule({ id: "sandbox", kind: "sandbox_failed", threshold: 1 })];
    expect(matchBoard(rules, board).map((m) => [m.ruleId, m.participantId, m.challengeKey])).toEqual([
      ["stuck", "a", "c1"],
      ["failing", "b", "c1"],
      ["sandbox", "c", "-"],
    ]);
  });
});

describe("notifications", () => {
  const facts: AlertFacts = {
    id: "alert-1",
    ruleId: "rule-1",
    kind: "failing",
    detail: "4 failed checks on challenge 2",
    play: play({ first_name: "Ada", last_name: "Lovelace", track_title: "Kubernetes basics", challenge_title: "Pods", failed_attempts_on_challenge: 4 }),
  };

  it("has exactly the Slack-compatible shape of issue 13", () => {
    const payload = webhookPayload(facts, "https://cairn.example.com/");
    expect(Object.keys(payload).sort()).toEqual(["alert", "text"]);
    expect(payload.alert).toEqual({
      rule_id: "rule-1",
      kind: "failing",
      participant_id: "p1",
      user_id: "u1",
      track_slug: "track-one",
      track_title: "Kubernetes basics",
      challenge_number: 2,
      challenge_title: "Pods",
      detail: "4 failed checks on challenge 2",
      dashboard_url: "https://cairn.example.com/learners/u1#play-p1",
    });
    expect(payload.text).toBe(
      "Cairn alert: Ada Lovelace (Kubernetes basics (track-one), challenge 2 “Pods”): 4 failed checks on challenge 2 <https://cairn.example.com/learners/u1#play-p1|Open in Cairn>",
    );
  });

  it("reads without titles or a name, and links to /live when the play has no learner", () => {
    const bare: AlertFacts = { ...facts, play: play({ user_id: null, track_title: null, challenge_title: null }) };
    expect(alertSummary(bare)).toBe("Unknown learner (track-one, challenge 2 “c1”): 4 failed checks on challenge 2");
    expect(webhookPayload(bare, "http://localhost:3000").alert.dashboard_url).toBe("http://localhost:3000/live");
    expect(dashboardUrl("http://h", play({ user_id: "a b/c", participant_id: "p#1" }))).toBe("http://h/learners/a%20b%2Fc#play-p%231");
  });

  it("links to CAIRN_PUBLIC_URL, else NEXTAUTH_URL, else this server", () => {
    expect(dashboardBaseUrl({ CAIRN_PUBLIC_URL: "https://a.example/", NEXTAUTH_URL: "https://b.example", PORT: 3000 })).toBe("https://a.example");
    expect(dashboardBaseUrl({ NEXTAUTH_URL: "https://b.example", PORT: 3000 })).toBe("https://b.example");
    expect(dashboardBaseUrl({ PORT: 3100 })).toBe("http://localhost:3100");
  });

  it("e-mails a one-line subject and a body with the link to the learner", () => {
    const mail = alertEmail({ ...facts, play: { ...facts.play, first_name: "Ada\r\nBcc: x@y" } }, "https://cairn.example.com");
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).toContain("4 failed checks on challenge 2");
    expect(mail.text).toContain("Open in Cairn: https://cairn.example.com/learners/u1#play-p1");
    expect(mail.text).toContain("Track: Kubernetes basics (track-one)");
    expect(mail.text).toContain("Challenge: challenge 2 “Pods”");
  });

  it("signs the Standard Webhooks way: receivers verify with the rule's secret", () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    const body = JSON.stringify(webhookPayload(facts, "https://cairn.example.com"));
    const headers = signedWebhookHeaders(secret, "msg_alert-1", body);
    expect(headers["webhook-id"]).toBe("msg_alert-1");
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 8).toString("base64")}`).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body.replace("Ada", "Bob"), headers)).toThrow();
  });
});

describe("a receiver's 429", () => {
  async function refusedWith(retryAfter: string): Promise<DeliveryError> {
    const server = createServer((_request, response) => response.writeHead(429, { "retry-after": retryAfter }).end("slow down"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const secret = `whsec_${Buffer.from("a".repeat(32)).toString("base64")}`;
      const error = await sendWebhook({ url, secret, messageId: "msg_1", body: "{}", signal: new AbortController().signal }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DeliveryError);
      return error as DeliveryError;
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it("says when to come back, in seconds; a value that is neither seconds nor an HTTP date says nothing", async () => {
    expect((await refusedWith("7")).retryAfterMs).toBe(7_000);
    expect((await refusedWith("7")).message).toBe("the receiver answered HTTP 429: slow down");
    expect((await refusedWith("-3")).retryAfterMs).toBeNull();
    expect((await refusedWith("1.5")).retryAfterMs).toBeNull();
  });
});

describe("what admins see of a stored webhook URL", () => {
  it("keeps the origin and the last four characters of the path and query", () => {
    expect(webhookUrlHint("https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXx9Qz")).toBe("https://hooks.slack.com/…x9Qz");
    expect(webhookUrlHint("http://127.0.0.1:8080/hook?token=abcdef123")).toBe("http://127.0.0.1:8080/…f123");
  });

  it("shows a short path whole: there is nothing in it to hide", () => {
    expect(webhookUrlHint("https://alerts.example")).toBe("https://alerts.example/");
    expect(webhookUrlHint("https://alerts.example/in")).toBe("https://alerts.example/in");
  });

  it("is itself a URL whose origin the audit log can read", () => {
    expect(new URL(webhookUrlHint("https://hooks.slack.com/services/T/B/secret")).origin).toBe("https://hooks.slack.com");
  });
});
