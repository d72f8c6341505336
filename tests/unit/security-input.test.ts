import { describe, expect, it } from "vitest";
import { clientAddress } from "@/lib/auth/client-address";
import { safeCallbackPath, safeRedirect } from "@/lib/auth/redirect";
import { findUnstorableText, isStorableText, urlTextProblem } from "@/lib/http/text";
import { isSameOriginRequest } from "@/lib/settings/origins";

describe("safeCallbackPath", () => {
  it.each([
    ["/\\evil.example/x"],
    ["/\tevil.example/x"],
    ["/\t/evil.example/x"],
    ["/\n/evil.example/x"],
    ["/\r/evil.example"],
    ["/\\\\evil.example/x"],
    ["//evil.example/x"],
    ["https://evil.example/x"],
    ["/.//evil.example"],
    ["javascript:alert(1)"],
    ["http://cairn.invalid@evil.example/"],
    [""],
  ])("refuses %j", (raw) => {
    expect(safeCallbackPath(raw)).toBe("/");
  });

  it("keeps same-origin paths, queries and fragments", () => {
    expect(safeCallbackPath("/learners?q=ada#top")).toBe("/learners?q=ada#top");
    expect(safeCallbackPath("/tracks/a%20b")).toBe("/tracks/a%20b");
    expect(safeCallbackPath("http://localhost:3000/events", "http://localhost:3000")).toBe("/events");
    expect(safeCallbackPath("http://localhost:3001/events", "http://localhost:3000")).toBe("/");
  });

  it("next-auth's redirect answers on the base URL", () => {
    expect(safeRedirect("/learners", "http://localhost:3000")).toBe("http://localhost:3000/learners");
    expect(safeRedirect("/\\evil.example", "http://localhost:3000")).toBe("http://localhost:3000/");
    expect(safeRedirect("https://evil.example/", "http://localhost:3000")).toBe("http://localhost:3000/");
  });
});

describe("clientAddress", () => {
  it("without a trusted proxy, the right-most entry (what Next fills in from the socket)", () => {
    expect(clientAddress("192.0.2.1", 0)).toBe("192.0.2.1");
    expect(clientAddress(null, 0)).toBe("unknown");
  });

  it("with N trusted proxies, the N-th entry from the right; what the client wrote is ignored", () => {
    expect(clientAddress("6.6.6.6, 192.0.2.1", 1)).toBe("192.0.2.1");
    expect(clientAddress("6.6.6.6, 192.0.2.1, 10.0.0.2", 2)).toBe("192.0.2.1");
    expect(clientAddress("192.0.2.1", 2)).toBe("192.0.2.1");
  });

  it("only ever an IP address: long or garbage headers give a short, valid key", () => {
    expect(clientAddress("a".repeat(6000), 1)).toBe("unknown");
    expect(clientAddress(`${"1.2.3.4, ".repeat(2000)}5.6.7.8`, 1)).toBe("5.6.7.8");
    expect(clientAddress("[2001:DB8::1]:443", 1)).toBe("2001:db8::1");
    expect(clientAddress("192.0.2.9:5000", 1)).toBe("192.0.2.9");
    expect(clientAddress("not an ip, also not", 1)).toBe("unknown");
  });
});

describe("storable text", () => {
  it("refuses NUL and lone surrogates, keeps the rest", () => {
    expect(isStorableText("plain ✓ 😀")).toBe(true);
    expect(isStorableText("a\u0000b")).toBe(false);
    expect(isStorableText("\ud800")).toBe(false);
    expect(isStorableText("x\udc00")).toBe(false);
  });

  it("finds the first bad key or value in a JSON body", () => {
    expect(findUnstorableText({ a: "ok", b: ["x", { c: "n\u0000" }] })).toBe("b.1.c");
    expect(findUnstorableText({ ["k\u0000"]: 1 })).toBe("k\u0000");
    expect(findUnstorableText({ a: 1, b: null, c: "ok" })).toBeNull();
  });

  it("checks each decoded path segment and query part", () => {
    expect(urlTextProblem("/tracks/a%00b", "")).toMatch(/path/);
    expect(urlTextProblem("/learners/%ED%A0%80", "")).toMatch(/UTF-8/);
    expect(urlTextProblem("/learners", "?q=%00")).toMatch(/"q"/);
    expect(urlTextProblem("/learners", "?q=%ED%A0%80")).toMatch(/UTF-8/);
    expect(urlTextProblem("/learners", "?q=a+b&track=x%20y&flag")).toBeNull();
    expect(urlTextProblem("/tracks/caf%C3%A9", "?q=%F0%9F%98%80")).toBeNull();
  });
});

describe("isSameOriginRequest", () => {
  const headers = (values: Record<string, string>) => new Headers(values);

  it("compares scheme, host and port", () => {
    const base = { host: "cairn.example:3000", "x-forwarded-proto": "http" };
    expect(isSameOriginRequest(headers({ ...base, origin: "http://cairn.example:3000" }), [])).toBe(true);
    expect(isSameOriginRequest(headers({ ...base, origin: "https://cairn.example:3000" }), [])).toBe(false);
    expect(isSameOriginRequest(headers({ ...base, origin: "http://cairn.example:3001" }), [])).toBe(false);
    expect(isSameOriginRequest(headers({ ...base, origin: "https://cairn.example" }), ["https://cairn.example/"])).toBe(true);
  });

  it("believes X-Forwarded-Host and -Proto only behind a trusted proxy", () => {
    const forged = { host: "cairn.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https", origin: "https://evil.example" };
    expect(isSameOriginRequest(headers(forged), [])).toBe(false);
    expect(isSameOriginRequest(headers(forged), [], { trustProxy: true })).toBe(true);
  });
});
