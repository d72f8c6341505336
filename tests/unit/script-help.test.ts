import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Every command the README lists answers --help with its usage and exits 0, touching nothing. */
describe("--help on every script", () => {
  const scripts = ["start", "migrate", "user-create", "demo", "simulate", "seed", "reproject"];
  for (const script of scripts) {
    it(`scripts/${script}.ts --help`, () => {
      const result = spawnSync(process.execPath, ["--import", "tsx", `scripts/${script}.ts`, "--help"], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, DATABASE_URL: "" },
        timeout: 60_000,
      });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/usage/i);
    });
  }
});
