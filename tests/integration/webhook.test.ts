import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { describe, expect, inject, it } from "vitest";
import { withClient } from "../support/database";
import { waitForProjection } from "../support/projection";
import { sendEvent, sendRaw, signedHeaders, TEST_WEBHOOK_SECRET } from "../support/webhooks";

const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");
const endpoint = `${baseUrl}/api/webhooks/instruqt`;

const uid = () => randomUUID().slice(0, 8);

function playEvent(type: string, participantId: string, extra: Record<string, unknown> = {}) {
  return {
    type,
    track_id: "trk_webhook",
    track_slug: "webhook-track",
    organization_id: "acme",
    participant_id: participantId,
    user_id: `user_${participantId}`,
    invite_id: null,
    mode: "platform",
    timestamp: new Date().toISOString(),
    ...extra,
  };
}

const query = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  withClient(databaseUrl, async (client) => (await client.query(sql, params)).rows as T[]);

/** Progress is written by the projector after the 201: every read of it waits here first. */
const projected = () => waitForProjection(databaseUrl);

const eventCount = async (svixId: string) =>
  Number((await query<{ n: string }>("SELECT count(*) AS n FROM webhook_event WHERE svix_id = $1", [svixId]))[0]!.n);

describe("POST /api/webhooks/instruqt", () => {
  it("stores a verified event (201) and projects it", async () => {
    const participant = `p_${uid()}`;
    const svixId = `msg_${uid()}`;
    const response = await sendEvent(baseUrl, playEvent("track.started", participant), { svixId });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ status: "stored", outcome: "projected" });
    expect(await eventCount(svixId)).toBe(1);
    await projected();
    const [play] = await query("SELECT status, track_id, user_id FROM participant WHERE id = $1", [participant]);
    expect(play).toEqual({ status: "started", track_id: "trk_webhook", user_id: `user_${participant}` });
  });

  it("acknowledges a duplicate svix-id (200) without adding a row or changing progress", async () => {
    const participant = `p_${uid()}`;
    const svixId = `msg_${uid()}`;
    const body = JSON.stringify(playEvent("track.challenge_attempted", participant, {
      challenge_id: "c1", challenge_index: 0, total_challenges: 2, completed: false,
    }));
    expect((await sendRaw(baseUrl, body, { svixId })).status).toBe(201);
    await projected();
    const before = await query("SELECT * FROM participant WHERE id = $1", [participant]);
    expect(before).toHaveLength(1);
    const again = await sendRaw(baseUrl, body, { svixId });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: "duplicate" });
    expect(await eventCount(svixId)).toBe(1);
    await projected();
    expect(await query("SELECT * FROM participant WHERE id = $1", [participant])).toEqual(before);
  });

  it("keeps the raw payload with unknown fields and the nanosecond timestamp string", async () => {
    const svixId = `msg_${uid()}`;
    const payload = playEvent("track.started", `p_${uid()}`, {
      timestamp: "2021-07-29T16:14:57.31297754Z",
      is_developer_play: true,
      future_field: { nested: [1, 2, 3] },
    });
    expect((await sendEvent(baseUrl, payload, { svixId })).status).toBe(201);
    const [row] = await query<{ payload: Record<string, unknown>; timestamp_raw: string; occurred_at: Date }>(
      "SELECT payload, timestamp_raw, occurred_at FROM webhook_event WHERE svix_id = $1", [svixId]);
    expect(row!.payload).toEqual(payload);
    expect(row!.timestamp_raw).toBe("2021-07-29T16:14:57.31297754Z");
    expect(row!.occurred_at.toISOString()).toBe("2021-07-29T16:14:57.312Z");
  });

  it("stores and acknowledges a verified event of an unknown type", async () => {
    const svixId = `msg_${uid()}`;
    const response = await sendEvent(baseUrl, { type: "track.teleported", participant_id: `p_${uid()}` }, { svixId });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ outcome: "unknown_type" });
    const [row] = await query("SELECT outcome FROM webhook_event WHERE svix_id = $1", [svixId]);
    expect(row).toEqual({ outcome: "unknown_type" });
  });

  it("stores a known type with an invalid payload, records why, and does not project it", async () => {
    const svixId = `msg_${uid()}`;
    const participant = `p_${uid()}`;
    const response = await sendEvent(baseUrl, { type: "track.started", participant_id: participant, timestamp: "yesterday" }, { svixId });
    expect(response.status).toBe(201);
    const [row] = await query<{ outcome: string; error: string }>("SELECT outcome, error FROM webhook_event WHERE svix_id = $1", [svixId]);
    expect(row!.outcome).toBe("invalid_payload");
    expect(row!.error).toMatch(/track_id|timestamp/);
    await projected();
    expect(await query("SELECT id FROM participant WHERE id = $1", [participant])).toEqual([]);
  });

  describe("401: unverifiable requests store nothing", () => {
    const body = JSON.stringify(playEvent("track.started", "p_forged"));

    it("missing headers", async () => {
      const response = await fetch(endpoint, { method: "POST", body, headers: { "content-type": "application/json" } });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: "missing_headers" });
    });

    it("malformed headers", async () => {
      const headers = { ...signedHeaders(body), "svix-timestamp": "not-a-number" };
      expect((await fetch(endpoint, { method: "POST", body, headers })).status).toBe(401);
      const garbled = { ...signedHeaders(body), "svix-signature": "%%%" };
      expect((await fetch(endpoint, { method: "POST", body, headers: garbled })).status).toBe(401);
    });

    it("a signature by another secret", async () => {
      const svixId = `msg_${uid()}`;
      const response = await sendRaw(baseUrl, body, { svixId, secret: "whsec_" + Buffer.alloc(32, 3).toString("base64") });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: "bad_signature" });
      expect(await eventCount(svixId)).toBe(0);
    });

    it("a body changed after signing", async () => {
      const svixId = `msg_${uid()}`;
      const headers = signedHeaders(body, { svixId });
      const response = await fetch(endpoint, { method: "POST", body: body.replace("p_forged", "p_other"), headers });
      expect(response.status).toBe(401);
      expect(await eventCount(svixId)).toBe(0);
    });

    it("timestamps more than 300 s old or ahead", async () => {
      for (const skewSeconds of [-400, 400]) {
        const svixId = `msg_${uid()}`;
        const response = await sendRaw(baseUrl, body, { svixId, signedAt: new Date(Date.now() + skewSeconds * 1000) });
        expect(response.status).toBe(401);
        expect(await response.json()).toMatchObject({ error: "stale_timestamp" });
        expect(await eventCount(svixId)).toBe(0);
      }
    });
  });

  describe("400: verified but unreadable bodies", () => {
    for (const [name, body] of [
      ["not JSON", "{not json"],
      ["a JSON array", "[1,2,3]"],
      ["JSON null", "null"],
      ["an object without type", '{"participant_id":"x"}'],
      ["a non-string type", '{"type":42}'],
    ] as const) {
      it(name, async () => {
        const svixId = `msg_${uid()}`;
        const response = await sendRaw(baseUrl, body, { svixId });
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ error: "bad_json" });
        expect(await eventCount(svixId)).toBe(0);
      });
    }
  });

  it("413 for a body over 1 MiB, declared or streamed", async () => {
    const big = JSON.stringify({ type: "track.started", padding: "x".repeat(1024 * 1024) });
    const declared = await sendRaw(baseUrl, big);
    expect(declared.status).toBe(413);

    // Streamed without a Content-Length (chunked): the server must answer at the limit, without
    // waiting for (or buffering) the rest. A connection of its own, since the server drops it.
    const streamedStatus = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(endpoint, { method: "POST", agent: false, headers: signedHeaders("irrelevant") });
      request.on("response", (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on("error", reject);
      const chunk = "x".repeat(64 * 1024);
      let sent = 0;
      const writeMore = () => {
        // 40 × 64 KiB = 2.5 MiB, well past the limit; stop early once the answer is in.
        while (sent < 40 && !request.destroyed) {
          sent++;
          if (!request.write(chunk)) return void request.once("drain", writeMore);
        }
        request.end();
      };
      writeMore();
    });
    expect(streamedStatus).toBe(413);
  });

  it("405 for other methods", async () => {
    for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
      expect((await fetch(endpoint, { method })).status).toBe(405);
    }
  });

  it("20 concurrent deliveries of one svix-id leave exactly one row, all acknowledged", async () => {
    const participant = `p_${uid()}`;
    const svixId = `msg_${uid()}`;
    const body = JSON.stringify(playEvent("track.started", participant));
    const responses = await Promise.all(Array.from({ length: 20 }, () => sendRaw(baseUrl, body, { svixId })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(await eventCount(svixId)).toBe(1);
    await projected();
    const [play] = await query<{ event_count: number }>("SELECT event_count FROM participant WHERE id = $1", [participant]);
    expect(play!.event_count).toBe(1);
  });

  it("50 concurrent deliveries for one participant give exact counts", async () => {
    const participant = `p_${uid()}`;
    const start = Date.parse("2026-01-01T10:00:00Z");
    const at = (minutes: number) => new Date(start + minutes * 60_000).toISOString();
    const events: Record<string, unknown>[] = [playEvent("track.started", participant, { timestamp: at(0) })];
    // 10 challenges: each started, attempted 3 times (2 failures then a success), completed = 50 events.
    for (let i = 0; i < 10; i++) {
      const challenge = { challenge_id: `ch_${i}`, challenge_index: i, total_challenges: 10 };
      events.push(playEvent("track.challenge_started", participant, { ...challenge, timestamp: at(1 + i * 5) }));
      events.push(playEvent("track.challenge_attempted", participant, { ...challenge, completed: false, timestamp: at(2 + i * 5) }));
      events.push(playEvent("track.challenge_attempted", participant, { ...challenge, completed: false, timestamp: at(3 + i * 5) }));
      events.push(playEvent("track.challenge_attempted", participant, { ...challenge, completed: true, timestamp: at(4 + i * 5) }));
      if (i < 9) events.push(playEvent("track.challenge_completed", participant, { ...challenge, timestamp: at(4.5 + i * 5) }));
    }
    events.push(playEvent("track.completed", participant, { timestamp: at(60) }));
    expect(events).toHaveLength(51);
    // Deliver in a scrambled order, all at once.
    const shuffled = events.map((e, i) => ({ e, k: (i * 7919) % 51 })).sort((a, b) => a.k - b.k).map(({ e }) => e);
    const responses = await Promise.all(shuffled.map((e) => sendEvent(baseUrl, e)));
    expect(responses.map((r) => r.status).every((s) => s === 201)).toBe(true);

    await projected();
    const [play] = await query("SELECT status, challenges_completed, total_challenges, progress_percent, attempts, failed_attempts, skipped_challenges, event_count, time_spent_seconds FROM participant WHERE id = $1", [participant]);
    expect(play).toEqual({
      status: "completed",
      challenges_completed: 10,
      total_challenges: 10,
      progress_percent: 100,
      attempts: 30,
      failed_attempts: 20,
      skipped_challenges: 0,
      event_count: 51,
      time_spent_seconds: 3600,
    });
    const challenges = await query<{ status: string; attempts: number; failed_attempts: number }>(
      "SELECT status, attempts, failed_attempts FROM challenge_progress WHERE participant_id = $1 ORDER BY challenge_index", [participant]);
    expect(challenges).toHaveLength(10);
    expect(challenges.every((c) => c.status === "completed" && c.attempts === 3 && c.failed_attempts === 2)).toBe(true);
  });

  it("counts refused requests by reason without storing them as events", async () => {
    const before = await query<{ reason: string; n: string }>("SELECT reason, sum(count)::text AS n FROM refused_delivery GROUP BY reason");
    const count = (rows: typeof before, reason: string) => Number(rows.find((r) => r.reason === reason)?.n ?? 0);
    await sendRaw(baseUrl, "{}", { secret: "whsec_" + Buffer.alloc(32, 5).toString("base64") });
    await sendRaw(baseUrl, "{}", { secret: "whsec_" + Buffer.alloc(32, 5).toString("base64") });
    let after = before;
    for (let i = 0; i < 40 && count(after, "bad_signature") < count(before, "bad_signature") + 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await query("SELECT reason, sum(count)::text AS n FROM refused_delivery GROUP BY reason");
    }
    // Other files share this app and may be refused at the same moment: at least our two.
    expect(count(after, "bad_signature")).toBeGreaterThanOrEqual(count(before, "bad_signature") + 2);
  });

  it("keeps the secret seeded from INSTRUQT_WEBHOOK_SECRET encrypted at rest", async () => {
    const rows = await query<{ secret_encrypted: string; created_by: string }>(
      "SELECT secret_encrypted, created_by FROM webhook_secret WHERE created_by = 'INSTRUQT_WEBHOOK_SECRET'");
    expect(rows).toHaveLength(1);
    const keyMaterial = TEST_WEBHOOK_SECRET.slice("whsec_".length);
    expect(rows[0]!.secret_encrypted).not.toContain(keyMaterial);
    expect(rows[0]!.secret_encrypted).toMatch(/^v1:/);
  });
});

describe("GET /api/health", () => {
  it("answers 200 ok while the database answers", async () => {
    const response = await fetch(`${baseUrl}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", projection: { pending_events: expect.any(Number), lag_seconds: expect.any(Number) } });
  });

  it("reports the projection's lag: pending events and the age of the oldest", async () => {
    await projected();
    expect(await (await fetch(`${baseUrl}/api/health`)).json()).toEqual({ status: "ok", projection: { pending_events: 0, lag_seconds: 0 } });
    // A marker whose event does not exist: counted and aged like any, then cleared by the projector.
    await query("INSERT INTO projection_pending (event_id, enqueued_at) VALUES (-1, now() - interval '90 seconds')");
    const body = (await (await fetch(`${baseUrl}/api/health`)).json()) as { projection: { pending_events: number; lag_seconds: number } };
    // The projector may already have taken it: either it is counted with its age, or it is gone.
    if (body.projection.pending_events > 0) expect(body.projection.lag_seconds).toBeGreaterThanOrEqual(90);
    await projected();
    expect(await query("SELECT 1 FROM projection_pending WHERE event_id = -1")).toEqual([]);
  });
});
