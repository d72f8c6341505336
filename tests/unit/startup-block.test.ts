import { describe, expect, it } from "vitest";
import { formatStartupBlock, type StartupReport } from "@/lib/startup/block";

const secret = (active: number, inEnvironment = false, seededNow = false): StartupReport["signingSecret"] => ({ active, inEnvironment, seededNow });
const local = { port: 3000, hostname: "0.0.0.0", publicUrl: undefined };

describe("the block that closes the start-up log", () => {
  it("on a first start: URL, admin with its generated password, secret seeded, webhook URL", () => {
    const block = formatStartupBlock(
      { createdAdmin: { email: "admin@localhost", generatedPassword: "pw-123" }, signingSecret: secret(1, true, true) },
      local,
    );
    expect(block).toContain("Open:           http://127.0.0.1:3000");
    expect(block).toContain("Admin:          admin@localhost");
    expect(block).toMatch(/Password: +pw-123 +\(generated, shown only now/);
    expect(block).toContain("Signing secret: set, seeded from INSTRUQT_WEBHOOK_SECRET on this start");
    expect(block).toContain("Webhook URL:    http://127.0.0.1:3000/api/webhooks/instruqt   (Instruqt must reach it: set CAIRN_PUBLIC_URL");
    // Every line is the app's, so it can be found among Next's output.
    expect(block.split("\n").filter(Boolean).every((line) => line.startsWith("[cairn] "))).toBe(true);
  });

  it("names CAIRN_ADMIN_PASSWORD instead of a password it did not generate", () => {
    const block = formatStartupBlock({ createdAdmin: { email: "ops@example.com", generatedPassword: null }, signingSecret: secret(1) }, local);
    expect(block).toContain("Admin:          ops@example.com");
    expect(block).toContain("Password:       from CAIRN_ADMIN_PASSWORD");
  });

  it("on later starts says an admin exists and shows no password", () => {
    const block = formatStartupBlock({ createdAdmin: null, signingSecret: secret(2, true, false) }, local);
    expect(block).toContain("an admin account exists already");
    expect(block).not.toContain("Password:");
    expect(block).toContain("set (2 active; INSTRUQT_WEBHOOK_SECRET was seeded on an earlier start");
  });

  it("says plainly when no signing secret is set", () => {
    const block = formatStartupBlock({ createdAdmin: null, signingSecret: secret(0) }, local);
    expect(block).toContain("Signing secret: not set: every delivery is refused (401)");
  });

  it("uses CAIRN_PUBLIC_URL for both URLs when set", () => {
    const block = formatStartupBlock(
      { createdAdmin: null, signingSecret: secret(1) },
      { port: 3000, hostname: "0.0.0.0", publicUrl: "https://cairn.example.com/" },
    );
    expect(block).toContain("Open:           https://cairn.example.com\n");
    expect(block).toMatch(/Webhook URL: +https:\/\/cairn\.example\.com\/api\/webhooks\/instruqt$/m);
  });

  it("opens the address it binds when that is one address", () => {
    const block = formatStartupBlock({ createdAdmin: null, signingSecret: secret(1) }, { port: 8080, hostname: "10.0.0.5", publicUrl: undefined });
    expect(block).toContain("Open:           http://10.0.0.5:8080");
  });
});
