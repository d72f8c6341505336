#!/usr/bin/env node
// Generates the Prisma client into lib/generated/prisma (see the generator block in
// prisma/schema.prisma). Runs as the package's `postinstall` and as `npm run db:generate`.
//
// Why a wrapper instead of a bare `prisma generate`:
//   The Prisma CLI resolves (and, if absent, downloads) the native schema-engine binary before
//   running *any* command, including `generate`, which never executes it. Cairn migrates with the
//   WebAssembly schema engine (scripts/migrate.ts), so the native binary is dead weight, and on
//   machines without access to binaries.prisma.sh (CI sandboxes, air-gapped hosts) the download
//   fails and takes `npm install` down with it. Pointing PRISMA_SCHEMA_ENGINE_BINARY at any
//   existing file satisfies the lookup; Node's own executable is always there.
//   An explicitly set PRISMA_SCHEMA_ENGINE_BINARY (a real engine) is respected.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const prismaBin = path.join(root, "node_modules", ".bin", process.platform === "win32" ? "prisma.cmd" : "prisma");

if (!existsSync(prismaBin)) {
  // `npm install --omit=dev` leaves the CLI out; the client must then come from a build
  // artefact. Fail loudly rather than leave an app that cannot import its own client.
  console.error(`[generate-client] Prisma CLI not found at ${prismaBin}; install dev dependencies first.`);
  process.exit(1);
}

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
  // Both of these make the CLI phone home (update check, telemetry). Offline they only add
  // latency and noise to every install.
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  CHECKPOINT_DISABLE: "1",
};

const result = spawnSync(prismaBin, ["generate"], {
  cwd: root,
  env,
  stdio: "inherit",
  // .cmd shims on Windows can only be started through a shell.
  shell: process.platform === "win32",
});

if (result.error) {
  console.error(`[generate-client] could not run prisma generate: ${result.error.message}`);
  process.exit(1);
}
if (result.status !== 0) {
  console.error(`[generate-client] prisma generate failed (${result.signal ?? `exit code ${result.status}`})`);
  process.exit(result.status || 1);
}
