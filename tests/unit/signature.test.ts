import { Webhook } from "svix";
import { afterEach, describe, expect, it, vi } from "vitest";
import { verifyDelivery } from "@/lib/webhooks/verify";
import { isValidSigningSecret } from "@/lib/webhooks/secrets";

// The Standard Webhooks reference vector (also in Svix's docs).
const vector = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

/** Runs a verification with the clock at `seconds` (the svix library reads the clock itself). */
function at<T>(seconds: number, run: () => T): T {
  vi.useFakeTimers({ now: seconds * 1000 });
  try {
    return run();
  } finally {
    vi.useRealTimers();
  }
}

afterEach(() => vi.useRealTimers());

const headersOf = (signature: string, id = vector.id, timestamp = String(vector.timestamp)) => ({
  "svix-id": id,
  "svix-timestamp": timestamp,
  "svix-signature": signature,
});

describe("Svix signature verification", () => {
  it("the svix library produces the official known-answer signature", () => {
    const signed = new Webhook(vector.secret).sign(vector.id, new Date(vector.timestamp * 1000), vector.body);
    expect(signed).toBe(vector.signature);
  });

  it("accepts the official vector at its own time", () => {
    const result = at(vector.timestamp, () => verifyDelivery(vector.body, headersOf(vector.signature), [vector.secret]));
    expect(result).toEqual({ ok: true, svixId: vector.id, timestamp: vector.timestamp });
  });

  it("accepts when any entry of a multi-signature header matches, with any active secret", () => {
    const other = "whsec_" + Buffer.alloc(32, 7).toString("base64");
    const header = `v1,AAAAbm90IHRoZSByaWdodCBzaWduYXR1cmUgYXQgYWxsAAAAAAA= ${vector.signature}`;
    const result = at(vector.timestamp, () => verifyDelivery(vector.body, headersOf(header), [other, vector.secret]));
    expect(result.ok).toBe(true);
  });

  it("refuses a re-serialised body (signatures cover the raw bytes)", () => {
    const result = at(vector.timestamp, () => verifyDelivery('{"test":2432232314}', headersOf(vector.signature), [vector.secret]));
    expect(result).toMatchObject({ ok: false, reason: "bad_signature" });
  });

  it("refuses a tampered id, a wrong secret and a non-v1 scheme", () => {
    const wrongSecret = "whsec_" + Buffer.alloc(32, 1).toString("base64");
    expect(at(vector.timestamp, () => verifyDelivery(vector.body, headersOf(vector.signature, "msg_other"), [vector.secret])))
      .toMatchObject({ ok: false, reason: "bad_signature" });
    expect(at(vector.timestamp, () => verifyDelivery(vector.body, headersOf(vector.signature), [wrongSecret])))
      .toMatchObject({ ok: false, reason: "bad_signature" });
    expect(at(vector.timestamp, () => verifyDelivery(vector.body, headersOf(vector.signature.replace("v1,", "v2,")), [vector.secret])))
      .toMatchObject({ ok: false, reason: "bad_signature" });
  });

  it("refuses timestamps more than 300 s away, either way, and accepts the edges", () => {
    for (const skew of [-301, 301]) {
      expect(at(vector.timestamp + skew, () => verifyDelivery(vector.body, headersOf(vector.signature), [vector.secret])))
        .toMatchObject({ ok: false, reason: "stale_timestamp" });
    }
    for (const skew of [-300, 300]) {
      expect(at(vector.timestamp + skew, () => verifyDelivery(vector.body, headersOf(vector.signature), [vector.secret])).ok).toBe(true);
    }
  });

  it("refuses missing or malformed headers before any signature work", () => {
    const base = headersOf(vector.signature);
    for (const header of ["svix-id", "svix-timestamp", "svix-signature"] as const) {
      expect(at(vector.timestamp, () => verifyDelivery(vector.body, { ...base, [header]: null }, [vector.secret])))
        .toMatchObject({ ok: false, reason: "missing_headers" });
    }
    expect(at(vector.timestamp, () => verifyDelivery(vector.body, { ...base, "svix-timestamp": "soon" }, [vector.secret])))
      .toMatchObject({ ok: false, reason: "missing_headers" });
    expect(at(vector.timestamp, () => verifyDelivery(vector.body, { ...base, "svix-signature": "garbage" }, [vector.secret])))
      .toMatchObject({ ok: false, reason: "missing_headers" });
  });

  it("refuses everything while no secret is configured", () => {
    expect(at(vector.timestamp, () => verifyDelivery(vector.body, headersOf(vector.signature), [])))
      .toMatchObject({ ok: false, reason: "no_secret_configured" });
  });
});

describe("signing secret format", () => {
  it("accepts whsec_ + base64 of 24 to 64 bytes", () => {
    expect(isValidSigningSecret(vector.secret)).toBe(true);
    expect(isValidSigningSecret("whsec_" + Buffer.alloc(64, 9).toString("base64"))).toBe(true);
  });
  it("refuses other shapes", () => {
    expect(isValidSigningSecret("whsec_" + Buffer.alloc(23, 9).toString("base64"))).toBe(false);
    expect(isValidSigningSecret("whsec_" + Buffer.alloc(65, 9).toString("base64"))).toBe(false);
    expect(isValidSigningSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBe(false);
    expect(isValidSigningSecret("whsec_not base64!")).toBe(false);
  });
});
