import { describe, expect, it, vi } from "vitest";
import { describeAuditEntry } from "@/lib/audit/describe";
import { AuditLeakError, recordAudit } from "@/lib/audit/log";
import { isSameOriginRequest, selfOrigin } from "@/lib/settings/origins";
import { endpointForRequest, publicBaseUrl, requestHost, webhookEndpointUrl } from "@/lib/webhooks/endpoint";

const headers = (values: Record<string, string>) => new Headers(values);

describe("isSameOriginRequest", () => {
  it("accepts an Origin naming the request's host or a configured URL's host", () => {
    expect(isSameOriginRequest(headers({ host: "cairn.local:3000", origin: "http://cairn.local:3000" }), [])).toBe(true);
    // Behind a trusted proxy (CAIRN_TRUSTED_PROXY), which says the public host and scheme.
    const proxied = { host: "10.0.0.5:3000", "x-forwarded-host": "cairn.example.com", "x-forwarded-proto": "https", origin: "https://cairn.example.com" };
    expect(isSameOriginRequest(headers(proxied), [], { trustProxy: true })).toBe(true);
    expect(isSameOriginRequest(headers(proxied), [])).toBe(false);
    expect(isSameOriginRequest(headers({ host: "10.0.0.5:3000", origin: "https://cairn.example.com" }), ["https://cairn.example.com/"])).toBe(true);
    expect(isSameOriginRequest(headers({ host: "CAIRN.local", origin: "http://cairn.LOCAL" }), [])).toBe(true);
  });

  it("refuses another site, a lookalike host, an opaque or missing Origin, and cross-site fetches", () => {
    expect(isSameOriginRequest(headers({ host: "cairn.local", origin: "http://evil.example" }), [])).toBe(false);
    expect(isSameOriginRequest(headers({ host: "cairn.local", origin: "http://cairn.local.evil.example" }), [])).toBe(false);
    expect(isSameOriginRequest(headers({ host: "cairn.local:3000", origin: "http://cairn.local:4000" }), [])).toBe(false);
    expect(isSameOriginRequest(headers({ host: "cairn.local", origin: "null" }), [])).toBe(false);
    expect(isSameOriginRequest(headers({ host: "cairn.local" }), [])).toBe(false);
    expect(isSameOriginRequest(headers({ host: "cairn.local", origin: "http://cairn.local", "sec-fetch-site": "cross-site" }), [])).toBe(false);
    expect(isSameOriginRequest(headers({ host: "cairn.local", origin: "not a url" }), [])).toBe(false);
  });

  it("accepts a request without Origin that the browser marks same-origin", () => {
    expect(isSameOriginRequest(headers({ host: "cairn.local", "sec-fetch-site": "same-origin" }), [])).toBe(true);
  });
});

describe("the public and internal URLs", () => {
  it("prefers CAIRN_PUBLIC_URL, else the forwarded or direct host and protocol", () => {
    expect(publicBaseUrl("https://cairn.example.com/", headers({ host: "x" }))).toEqual({ url: "https://cairn.example.com", source: "configured" });
    expect(publicBaseUrl(undefined, headers({ host: "localhost:3000" }))).toEqual({ url: "http://localhost:3000", source: "request" });
    expect(publicBaseUrl(undefined, headers({ host: "10.0.0.5", "x-forwarded-host": "cairn.org, proxy.internal", "x-forwarded-proto": "https,http" }))).toEqual({
      url: "https://cairn.org",
      source: "request",
    });
    expect(webhookEndpointUrl("https://cairn.org/")).toBe("https://cairn.org/api/webhooks/instruqt");
  });

  it("without X-Forwarded-Proto: http for a loopback host, https for any other", () => {
    expect(publicBaseUrl(undefined, headers({ host: "127.0.0.1:3000" }))?.url).toBe("http://127.0.0.1:3000");
    expect(publicBaseUrl(undefined, headers({ host: "[::1]:3000" }))?.url).toBe("http://[::1]:3000");
    expect(publicBaseUrl(undefined, headers({ host: "cairn.example.org" }))?.url).toBe("https://cairn.example.org");
    expect(publicBaseUrl(undefined, headers({ host: "cairn.example.org", "x-forwarded-proto": "http" }))?.url).toBe("http://cairn.example.org");
    // An unusable proto is not echoed either.
    expect(publicBaseUrl(undefined, headers({ host: "cairn.example.org", "x-forwarded-proto": "javascript" }))?.url).toBe("https://cairn.example.org");
  });

  it("pages show the same endpoint as settings, and a placeholder for a Host they cannot trust", () => {
    expect(endpointForRequest(undefined, headers({ host: "cairn.example.org" }))).toBe("https://cairn.example.org/api/webhooks/instruqt");
    expect(endpointForRequest(undefined, headers({ host: "evil.example/<script>" }))).toBe("https://HOST/api/webhooks/instruqt");
    expect(endpointForRequest("https://c.example/", headers({}))).toBe("https://c.example/api/webhooks/instruqt");
  });

  it("does not echo a Host header that is not a plain host", () => {
    expect(requestHost(headers({ host: "evil.example/<script>" }))).toBeNull();
    expect(requestHost(headers({ host: "[::1]:3000" }))).toBe("[::1]:3000");
    expect(publicBaseUrl(undefined, headers({ host: "a b" }))).toBeNull();
  });

  it("reaches this instance on loopback when it binds every interface, else on its address", () => {
    expect(selfOrigin(3000, "0.0.0.0")).toBe("http://127.0.0.1:3000");
    expect(selfOrigin(3000, "::")).toBe("http://127.0.0.1:3000");
    expect(selfOrigin(8080, "10.1.2.3")).toBe("http://10.1.2.3:8080");
    expect(selfOrigin(8080, "fd00::5")).toBe("http://[fd00::5]:8080");
    expect(selfOrigin(8080, "cairn-7f9c")).toBe("http://cairn-7f9c:8080");
  });
});

describe("the audit log's safeguards and wording", () => {
  const writer = () => ({ auditLog: { create: vi.fn(async () => ({})) } });
  const actor = { id: "u1", label: "admin@cairn.test" };

  it("refuses details that carry a signing secret or an API token", async () => {
    const secret = `whsec_${Buffer.alloc(32, 1).toString("base64")}`;
    const token = `cairn_${Buffer.alloc(32, 2).toString("base64url")}`;
    const client = writer();
    await expect(recordAudit(client as never, actor, "webhook_secret.set", null, { hint: secret })).rejects.toThrow(AuditLeakError);
    await expect(recordAudit(client as never, actor, "token.created", null, { name: token, prefix: "cairn_abcdef", scope: "read" })).rejects.toThrow(AuditLeakError);
    expect(client.auditLog.create).not.toHaveBeenCalled();

    await recordAudit(client as never, actor, "webhook_secret.set", "webhook_secret:1", { hint: "whsec_…ab+/" });
    expect(client.auditLog.create).toHaveBeenCalledWith({
      data: { actorId: "u1", actorEmail: "admin@cairn.test", action: "webhook_secret.set", target: "webhook_secret:1", details: { hint: "whsec_…ab+/" } },
    });
  });

  it("describes each action in one line", () => {
    expect(describeAuditEntry({ action: "webhook_secret.rotated", details: { hint: "whsec_…new1", previousHints: ["whsec_…old1"], graceHours: 24, previousExpireAt: "2026-01-02T00:00:00.000Z", reinstated: false } })).toBe(
      "Rotated to the signing secret whsec_…new1; whsec_…old1 verifies for 24 h more, until 2026-01-02T00:00:00.000Z",
    );
    expect(describeAuditEntry({ action: "webhook_secret.rotated", details: { hint: "h", previousHints: ["p"], graceHours: 10 / 3600, previousExpireAt: "t", reinstated: true } })).toContain(
      "(reinstated from its grace period); p verifies for 10 s more",
    );
    expect(describeAuditEntry({ action: "webhook.test_sent", details: { eventType: "track.started", url: "http://127.0.0.1:3000/x", status: null, latencyMs: null, error: "ECONNREFUSED" } })).toBe(
      "Sent a test track.started event to http://127.0.0.1:3000/x: failed: ECONNREFUSED",
    );
    expect(describeAuditEntry({ action: "user.role_changed", details: { email: "a@b", from: "admin", to: "instructor" } })).toBe("Changed a@b from admin to instructor");
    expect(describeAuditEntry({ action: "something.new", details: {} })).toBe("something.new");
  });
});
