#!/usr/bin/env node
// `npm test`: every suite, in order of cost — type check, unit, integration (real HTTP against the
// real app on a fresh PostgreSQL database per run, plus the embedded-database start), end-to-end
// in a real browser, fault tests. Exits non-zero when anything fails and ends with one line
// "Tests: N passed, N failed" summing every suite.
//
//   npm test                       everything
//   npm test -- unit integration   only the named suites (typecheck lint unit integration e2e faults)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(`usage: npm test [-- SUITE...]

Runs every suite in order, or only the named ones: typecheck lint unit integration e2e faults.
Ends with "Tests: N passed, N failed"; exits non-zero when anything fails.`);
  process.exit(0);
}

const root = new URL("..", import.meta.url).pathname;
const reports = join(root, "test-results", "reports");
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: "1",
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1",
  NODE_OPTIONS: [process.env.NODE_OPTIONS, "--experimental-wasm-modules", "--no-warnings=ExperimentalWarning"]
    .filter(Boolean)
    .join(" "),
};
const bin = (name) => join(root, "node_modules", ".bin", name);

const vitest = (project) => ({
  name: project,
  command: bin("vitest"),
  args: ["run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile=${join(reports, `${project}.json`)}`],
  count: () => countVitest(join(reports, `${project}.json`)),
});

const suites = [
  { name: "typecheck", command: bin("tsc"), args: ["--noEmit", "-p", "."], count: () => null },
  { name: "lint", command: bin("eslint"), args: ["."], count: () => null },
  vitest("unit"),
  vitest("integration"),
  {
    name: "e2e",
    command: bin("playwright"),
    args: ["test"],
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: join(reports, "e2e.json") },
    count: () => countPlaywright(join(reports, "e2e.json")),
  },
  vitest("faults"),
];

function countVitest(file) {
  if (!existsSync(file)) return null;
  const report = JSON.parse(readFileSync(file, "utf8"));
  return { passed: report.numPassedTests ?? 0, failed: report.numFailedTests ?? 0, skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0) };
}

function countPlaywright(file) {
  if (!existsSync(file)) return null;
  const { stats } = JSON.parse(readFileSync(file, "utf8"));
  return { passed: (stats.expected ?? 0) + (stats.flaky ?? 0), failed: stats.unexpected ?? 0, skipped: stats.skipped ?? 0 };
}

const wanted = process.argv.slice(2);
const selected = wanted.length ? suites.filter((s) => wanted.includes(s.name)) : suites;
if (wanted.length && selected.length !== wanted.length) {
  console.error(`Unknown suite; choose from: ${suites.map((s) => s.name).join(" ")}`);
  process.exit(2);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const failedSuites = [];
for (const suite of selected) {
  console.log(`\n=== ${suite.name} ===`);
  const started = Date.now();
  const result = spawnSync(suite.command, suite.args, { cwd: root, stdio: "inherit", env: { ...env, ...suite.env } });
  const counted = suite.count();
  if (counted) {
    totals.passed += counted.passed;
    totals.failed += counted.failed;
    totals.skipped += counted.skipped;
  }
  const ok = result.status === 0;
  if (!ok) failedSuites.push(suite.name);
  console.log(`=== ${suite.name}: ${ok ? "ok" : `FAILED (exit ${result.status ?? result.signal})`} in ${Math.round((Date.now() - started) / 1000)} s ===`);
}

if (failedSuites.length) console.log(`\nFailed suites: ${failedSuites.join(", ")}`);
// A suite that failed without reporting counts (a crash, a type error) still fails the run.
const failed = Math.max(totals.failed, failedSuites.length > 0 && totals.failed === 0 ? 1 : 0);
console.log(`\nTests: ${totals.passed} passed, ${failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}`);
process.exit(failedSuites.length ? 1 : 0);
