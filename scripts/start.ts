// `npm start` / `npm run dev`: everything Cairn needs to serve, in one process tree.
//
//   1. Database: DATABASE_URL if set; otherwise an embedded PostgreSQL (PGlite) persisted under
//      $CAIRN_DATA_DIR/pglite (default .data/pglite) and served on 127.0.0.1, so that a fresh
//      checkout runs with zero configuration. The app cannot tell the difference: it always gets
//      a DATABASE_URL.
//   2. Migrations: applies pending ones in-process (CAIRN_SKIP_MIGRATE=1 skips this, for
//      deployments where a single release job migrates before many instances start).
//   3. NEXTAUTH_SECRET: if unset, a random one persisted in $CAIRN_DATA_DIR/auth-secret, so that
//      sessions (and whatever the app derives from the secret) survive restarts.
//   4. Serve: production (`next build` when the build is missing or older than the sources, then
//      scripts/server.ts — the webhook on node:http, everything else through Next), or `next dev`
//      with --dev. Further arguments are passed to `next dev`.
//      While it runs, its URL is in $CAIRN_DATA_DIR/embedded-database-url (for user:create), and
//      this process vacuums it as autovacuum would (PGlite has no autovacuum; ./lib/embedded-vacuum.ts).
//   5. Shutdown: SIGINT/SIGTERM/SIGHUP are forwarded to Next; once it has exited, the embedded
//      database is closed cleanly (PGlite must be closed to leave a consistent cluster on disk).
//      Exits with Next's exit code; if Next dies on its own, exits non-zero.
//
// Environment read here (the app reads its own configuration through lib/env.ts):
//   DATABASE_URL, CAIRN_DATA_DIR, CAIRN_EMBEDDED_DB_PORT, CAIRN_EMBEDDED_VACUUM_SECONDS (60),
//   CAIRN_SKIP_MIGRATE, NEXTAUTH_SECRET, DATABASE_POOL_SIZE (to size the embedded server),
//   PORT (3000), HOSTNAME (0.0.0.0).
//
// Runs under tsx (`node --import tsx scripts/start.ts`, which is what `npm start` does). No other
// Node flags are required (scripts/lib/migrations.ts loads the wasm engine itself).

import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_MAX_CONNECTIONS, EmbeddedDatabaseError, startEmbeddedDatabase, type EmbeddedDatabase } from "./lib/embedded-db.ts";
import { startEmbeddedVacuum } from "./lib/embedded-vacuum.ts";
import { MigrationError, applyMigrations } from "./lib/migrations.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NEXT_BIN = createRequire(import.meta.url).resolve("next/dist/bin/next");
const SERVER_ENTRY = path.join(ROOT, "scripts", "server.ts");
// How long Next gets to finish in-flight requests after a forwarded signal before SIGKILL.
const CHILD_SHUTDOWN_GRACE_MS = 10_000;
// How long closing the embedded database may take before we exit regardless.
const DB_SHUTDOWN_GRACE_MS = 15_000;

const log = (message: string) => console.log(`[cairn] ${message}`);
const warn = (message: string) => console.warn(`[cairn] ${message}`);

/** A startup problem with a message fit for the operator; printed without a stack. */
class StartError extends Error {}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

interface Config {
  dev: boolean;
  nextArgs: string[];
  dataDir: string;
  port: string;
  hostname: string;
  databaseUrl: string | null;
  embeddedPort: number;
  /** Between two maintenance passes over the embedded database. */
  embeddedVacuumMs: number;
  maxConnections: number;
  skipMigrate: boolean;
}

function readConfig(argv: string[]): Config {
  const dev = argv.includes("--dev");
  const nextArgs = argv.filter((arg) => arg !== "--dev");
  const dataDir = path.resolve(process.env.CAIRN_DATA_DIR || path.join(ROOT, ".data"));

  const port = process.env.PORT || "3000";
  if (!/^\d+$/.test(port) || Number(port) > 65535) throw new StartError(`PORT must be a TCP port number, not "${port}".`);

  let embeddedPort = 0;
  if (process.env.CAIRN_EMBEDDED_DB_PORT) {
    embeddedPort = Number(process.env.CAIRN_EMBEDDED_DB_PORT);
    if (!Number.isInteger(embeddedPort) || embeddedPort < 0 || embeddedPort > 65535) {
      throw new StartError(`CAIRN_EMBEDDED_DB_PORT must be a TCP port number, not "${process.env.CAIRN_EMBEDDED_DB_PORT}".`);
    }
  }

  // PostgreSQL's autovacuum_naptime is 60 s: the same rhythm by default.
  const vacuumSeconds = process.env.CAIRN_EMBEDDED_VACUUM_SECONDS || "60";
  if (!/^\d+$/.test(vacuumSeconds) || Number(vacuumSeconds) < 1 || Number(vacuumSeconds) > 86_400) {
    throw new StartError(`CAIRN_EMBEDDED_VACUUM_SECONDS must be a whole number of seconds from 1 to 86400, not "${vacuumSeconds}".`);
  }

  // The embedded server must accept at least the app's whole pool plus a few connections for
  // migrations and tooling; an over-full server refuses connections outright.
  const poolSize = Number.parseInt(process.env.DATABASE_POOL_SIZE ?? "", 10);
  const maxConnections = Math.max(DEFAULT_MAX_CONNECTIONS, (Number.isInteger(poolSize) ? poolSize : 10) + 10);

  return {
    dev,
    nextArgs,
    dataDir,
    port,
    // Note: Docker sets HOSTNAME to the container id, which binds Next to the container's
    // address only (not 127.0.0.1); set HOSTNAME=0.0.0.0 in container images.
    hostname: process.env.HOSTNAME || "0.0.0.0",
    databaseUrl: process.env.DATABASE_URL || null,
    embeddedPort,
    embeddedVacuumMs: Number(vacuumSeconds) * 1000,
    maxConnections,
    skipMigrate: ["1", "true", "yes"].includes(String(process.env.CAIRN_SKIP_MIGRATE ?? "").toLowerCase()),
  };
}

/**
 * NEXTAUTH_SECRET from the environment, or else from $CAIRN_DATA_DIR/auth-secret (created on
 * first start). The file is created exclusively, so two starts racing still agree on one secret.
 */
function resolveAuthSecret(dataDir: string, usingEmbeddedDb: boolean): { secret: string; source: string } {
  if (process.env.NEXTAUTH_SECRET) return { secret: process.env.NEXTAUTH_SECRET, source: "environment" };

  const file = path.join(dataDir, "auth-secret");
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, `${randomBytes(32).toString("base64url")}\n`, { flag: "wx", mode: 0o600 });
    log(`Generated NEXTAUTH_SECRET, stored in ${file}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const secret = fs.readFileSync(file, "utf8").trim();
  if (secret.length < 32) throw new StartError(`${file} holds no usable secret; delete it to generate a new one, or set NEXTAUTH_SECRET.`);
  if (!usingEmbeddedDb) {
    // With a shared database, instances must share the secret (sessions, and keys derived from
    // it for data encrypted at rest). A per-machine file silently breaks that.
    warn(`NEXTAUTH_SECRET is not set; using the one in ${file}. Set NEXTAUTH_SECRET explicitly when running more than one instance or when ${dataDir} is not persistent.`);
  }
  return { secret, source: file };
}

// ---------------------------------------------------------------------------------------------
// Production build freshness
// ---------------------------------------------------------------------------------------------

// Everything `next build` compiles or reads. public/ is served from disk at run time and needs
// no rebuild. lib/generated (the Prisma client) is included: a regenerated client must be
// rebuilt into the bundle.
const BUILD_INPUT_DIRS = ["app", "components", "lib"];
const BUILD_INPUT_FILE = /^(package\.json|package-lock\.json|tsconfig\.json|(next|tailwind|postcss)\.config\.[cm]?[jt]s|(proxy|middleware|instrumentation)\.[jt]s|\.env(\..+)?)$/;

/** True if any file under dir is newer than `since` (stops at the first one). */
function anyNewer(dir: string, since: number): boolean {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      if (anyNewer(full, since)) return true;
    } else if ((fs.statSync(full, { throwIfNoEntry: false })?.mtimeMs ?? 0) > since) {
      return true;
    }
  }
  return false;
}

/** Why a build is needed, or null when .next holds a build newer than every input. */
function staleBuildReason(): string | null {
  const buildId = fs.statSync(path.join(ROOT, ".next", "BUILD_ID"), { throwIfNoEntry: false });
  if (!buildId) return "no production build yet";
  const since = buildId.mtimeMs;
  for (const name of fs.readdirSync(ROOT)) {
    if (BUILD_INPUT_FILE.test(name) && fs.statSync(path.join(ROOT, name)).mtimeMs > since) return `${name} changed`;
  }
  if ((fs.statSync(path.join(ROOT, "prisma", "schema.prisma"), { throwIfNoEntry: false })?.mtimeMs ?? 0) > since) return "prisma/schema.prisma changed";
  for (const dir of BUILD_INPUT_DIRS) {
    if (anyNewer(path.join(ROOT, dir), since)) return `${dir}/ changed`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Process supervision
// ---------------------------------------------------------------------------------------------

let embedded: EmbeddedDatabase | null = null; // while it runs
let embeddedStarting: Promise<EmbeddedDatabase> | null = null; // so a signal during startup can still close it
let child: ChildProcess | null = null; // the running `next build|dev` or server
let shutdownSignal: NodeJS.Signals | null = null; // set once a signal asked us to stop
let exiting = false;
let publishedUrlFile: string | null = null; // $CAIRN_DATA_DIR/embedded-database-url while the embedded database runs
let embeddedVacuum: { stop: () => Promise<void> } | null = null; // while the embedded database runs

/**
 * Tells other processes on this machine (`npm run user:create`) where the running embedded
 * database listens: PGlite has a single owner, so they must go through this server.
 */
function publishEmbeddedUrl(dataDir: string, url: string): void {
  publishedUrlFile = path.join(dataDir, "embedded-database-url");
  fs.writeFileSync(publishedUrlFile, `${url}\n`, { mode: 0o600 });
}

function unpublishEmbeddedUrl(): void {
  if (!publishedUrlFile) return;
  fs.rmSync(publishedUrlFile, { force: true });
  publishedUrlFile = null;
}

/** Closes the embedded database (if any) and exits. Only ever runs once. */
async function exit(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  if (!embedded && embeddedStarting) embedded = await embeddedStarting.catch(() => null);
  unpublishEmbeddedUrl();
  // A pass in progress ends before the database closes, but a stuck one does not hold up the exit.
  if (embeddedVacuum) await Promise.race([embeddedVacuum.stop(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  embeddedVacuum = null;
  if (embedded) {
    const db = embedded;
    embedded = null;
    log("Closing the embedded database...");
    const timeout = new Promise<"timeout">((resolve) => setTimeout(resolve, DB_SHUTDOWN_GRACE_MS, "timeout").unref());
    const result = await Promise.race([db.stop().then(() => "closed" as const, (error: unknown) => error), timeout]);
    if (result === "timeout") warn("The embedded database did not close in time; exiting anyway.");
    else if (result instanceof Error) warn(`Closing the embedded database failed: ${result.message}`);
    else log("Embedded database closed.");
  }
  process.exit(code);
}

function onSignal(signal: NodeJS.Signals): void {
  if (shutdownSignal) {
    // Second signal: the operator is impatient. Do not wait for a graceful shutdown of Next.
    if (child) child.kill("SIGKILL");
    return;
  }
  shutdownSignal = signal;
  if (child) {
    log(`${signal} received, stopping the server...`);
    child.kill(signal);
    setTimeout(() => {
      if (child) {
        warn(`The server did not stop within ${CHILD_SHUTDOWN_GRACE_MS / 1000} s; killing it.`);
        child.kill("SIGKILL");
      }
    }, CHILD_SHUTDOWN_GRACE_MS).unref();
  } else {
    // Still starting (database, migrations): nothing to wait for.
    log(`${signal} received during startup, stopping.`);
    void exit(128 + (os.constants.signals[signal] ?? 0));
  }
}

/** Runs `next <args>` and resolves with its exit code (128+n when killed by signal n). */
function runNext(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return runChild([NEXT_BIN, ...args], env);
}

/**
 * Runs the production server (scripts/server.ts: the webhook on node:http, Next for the rest)
 * under tsx, in one process: `node --import tsx` rather than the tsx CLI, which would put a
 * second process between us and the server for signals to cross.
 */
function runServer(env: NodeJS.ProcessEnv): Promise<number> {
  return runChild(["--import", "tsx", SERVER_ENTRY], { ...env, NODE_ENV: "production" });
}

function runChild(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const spawned = spawn(process.execPath, args, { cwd: ROOT, env, stdio: "inherit" });
    child = spawned;
    spawned.once("error", (error) => {
      warn(`Could not start Next.js: ${error.message}`);
      child = null;
      resolve(1);
    });
    spawned.once("exit", (code, signal) => {
      child = null;
      resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

const USAGE = `Usage: npm start            serve Cairn (production build, built first when stale)
       npm run dev          the same with Next's development server (npm run dev -- ARGS passes ARGS to next dev)

Environment (all optional; see README "Configuration" and .env.example):
  DATABASE_URL            PostgreSQL to use; unset: an embedded PostgreSQL (PGlite) under CAIRN_DATA_DIR
  CAIRN_DATA_DIR          where the embedded database and generated secrets live (.data)
  CAIRN_EMBEDDED_DB_PORT  port of the embedded database on 127.0.0.1 (a free one)
  CAIRN_SKIP_MIGRATE=1    do not apply pending migrations at start
  PORT, HOSTNAME          where to listen (3000, 0.0.0.0)`;

async function main(): Promise<void> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log(USAGE);
    return;
  }
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);

  const config = readConfig(process.argv.slice(2));

  // 1. Database
  let databaseUrl = config.databaseUrl;
  if (databaseUrl) {
    log("Using the PostgreSQL database from DATABASE_URL.");
  } else {
    const pgliteDir = path.join(config.dataDir, "pglite");
    log(`DATABASE_URL is not set: starting the embedded database (PGlite), data in ${pgliteDir}`);
    fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    embeddedStarting = startEmbeddedDatabase({
      dataDir: pgliteDir,
      port: config.embeddedPort,
      maxConnections: config.maxConnections,
      log,
    });
    embedded = await embeddedStarting;
    if (shutdownSignal) return;
    databaseUrl = embedded.connectionString;
    publishEmbeddedUrl(config.dataDir, databaseUrl);
    log(`Embedded database listening on ${embedded.host}:${embedded.port} (loopback only). Set DATABASE_URL to use your own PostgreSQL instead.`);
  }

  // 2. Migrations
  if (config.skipMigrate) {
    log("CAIRN_SKIP_MIGRATE is set: not applying migrations.");
  } else {
    await applyMigrations({ connectionString: databaseUrl, log });
  }
  if (shutdownSignal) return;
  if (embedded) embeddedVacuum = startEmbeddedVacuum({ connectionString: databaseUrl, intervalMs: config.embeddedVacuumMs, log: warn });

  // 3. Secret
  const auth = resolveAuthSecret(config.dataDir, Boolean(embedded));

  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    NEXTAUTH_SECRET: auth.secret,
    NEXT_TELEMETRY_DISABLED: "1",
    PORT: config.port,
    HOSTNAME: config.hostname,
  };

  // 4. Build (production only) and serve
  if (!config.dev) {
    const reason = staleBuildReason();
    if (reason) {
      log(`Building for production (${reason})...`);
      const code = await runNext(["build"], env);
      if (shutdownSignal) return void exit(code);
      if (code !== 0) {
        warn(`next build failed (exit code ${code}).`);
        return void exit(code || 1);
      }
    } else {
      log("Production build is up to date.");
    }
  }

  log(`Starting ${config.dev ? "Next.js (development)" : "the server (production)"} on http://${config.hostname}:${config.port}`);
  if (!config.dev && config.nextArgs.length > 0) warn(`Ignoring arguments meant for Next.js in production: ${config.nextArgs.join(" ")}`);
  const code = config.dev
    ? await runNext(["dev", "--port", config.port, "--hostname", config.hostname, ...config.nextArgs], env)
    : await runServer(env);
  if (shutdownSignal) {
    log(`The server stopped (exit code ${code}).`);
    return void exit(code);
  }
  warn(`The server exited unexpectedly (exit code ${code}).`);
  return void exit(code || 1);
}

main().catch((error) => {
  // Errors caused by our own shutdown (a signal during migrations closes the database under
  // them) are expected; exit() is already under way.
  if (shutdownSignal) return;
  if (error instanceof StartError || error instanceof MigrationError || error instanceof EmbeddedDatabaseError) warn(`Cannot start: ${error.message}`);
  else console.error("[cairn] Cannot start:", error);
  void exit(1);
});
