import { describe, expect, it } from "vitest";
import { clientAddress, stampSocketAddress } from "@/lib/auth/client-address";

describe("the server stamps the socket address when no proxy is trusted", () => {
  it("replaces a forged X-Forwarded-For with the socket's address", () => {
    const headers: Record<string, string | string[] | undefined> = { "x-forwarded-for": "203.0.113.9, 198.51.100.7" };
    stampSocketAddress(headers, "192.0.2.44", 0);
    expect(headers["x-forwarded-for"]).toBe("192.0.2.44");
    expect(clientAddress(headers["x-forwarded-for"] as string, 0)).toBe("192.0.2.44");
  });

  it("removes the header when the socket has no address", () => {
    const headers: Record<string, string | string[] | undefined> = { "x-forwarded-for": "203.0.113.9" };
    stampSocketAddress(headers, undefined, 0);
    expect(headers).not.toHaveProperty("x-forwarded-for");
  });

  it("leaves the header to a trusted proxy", () => {
    const headers: Record<string, string | string[] | undefined> = { "x-forwarded-for": "203.0.113.9, 198.51.100.7" };
    stampSocketAddress(headers, "10.0.0.2", 1);
    expect(headers["x-forwarded-for"]).toBe("203.0.113.9, 198.51.100.7");
    expect(clientAddress(headers["x-forwarded-for"] as string, 1)).toBe("198.51.100.7");
  });
});
