import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "cairn-start-config-"));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** `npm start` refuses a bad setting before it starts anything, naming the variable. */
describe("npm start's own settings", () => {
  for (const value of ["0", "-5", "1.5", "abc", "86401"]) {
    it(`CAIRN_EMBEDDED_VACUUM_SECONDS=${value} is refused`, () => {
      const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, DATABASE_URL: "", CAIRN_DATA_DIR: dataDir, CAIRN_EMBEDDED_VACUUM_SECONDS: value },
        timeout: 60_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`Cannot start: CAIRN_EMBEDDED_VACUUM_SECONDS must be a whole number of seconds from 1 to 86400, not "${value}".`);
      // Nothing was started: no embedded database was created.
      expect(readdirSync(dataDir)).toEqual([]);
    });
  }
});
