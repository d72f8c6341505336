// `npm run user:create -- --email E --role admin|instructor [--name N]`: creates a user who can
// sign in. The password is asked for without echo on a terminal, or read from standard input
// when it is piped (`printf '%s' "$PASSWORD" | npm run user:create -- ...`), never from the
// command line, where `ps` and shell history would show it.
//
// The database: DATABASE_URL when set. Otherwise the embedded one under $CAIRN_DATA_DIR
// (default .data): through the running `npm start` when there is one (it publishes the URL in
// $CAIRN_DATA_DIR/embedded-database-url, since PGlite has a single owner), else opened here
// directly, migrated like `npm start` would, and closed again.
//
// Like scripts/start.ts, this entry point reads the few variables it needs to find the database
// itself; the app's code it calls reads its configuration through lib/env.ts as always.
//
// Exit codes: 0 created; 1 refused (duplicate email, database problem); 2 bad arguments or input.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { z } from "zod";
import { commandActor } from "@/lib/audit/actor";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password";
import { inviteUser, inviteUserSchema } from "@/lib/auth/user-admin";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const COMMAND = "npm run user:create";
const USAGE = `Usage: ${COMMAND} -- --email EMAIL --role admin|instructor [--name NAME]

Creates a user. The password is prompted for (no echo) on a terminal, or read from standard
input when piped, e.g.  printf '%s' "$PASSWORD" | ${COMMAND} -- --email a@b.c --role admin
It must be at least ${MIN_PASSWORD_LENGTH} characters.`;

class UsageError extends Error {}

async function main(): Promise<number> {
  let args: { email?: string; role?: string; name?: string; help?: boolean };
  try {
    args = parseArgs({
      options: { email: { type: "string" }, role: { type: "string" }, name: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (!args.email) throw new UsageError("--email is required");
  if (!args.role) throw new UsageError("--role is required (admin or instructor)");

  // Check everything but the password before asking for it.
  const withoutPassword = inviteUserSchema.omit({ password: true }).safeParse({ email: args.email, role: args.role, name: args.name });
  if (!withoutPassword.success) throw new UsageError(describe(withoutPassword.error));

  const password = await readPassword();
  const input = { ...withoutPassword.data, password };
  const full = inviteUserSchema.safeParse(input);
  if (!full.success) throw new UsageError(describe(full.error));

  const database = await resolveDatabase();
  process.env.DATABASE_URL = database.url;
  try {
    const { user } = await inviteUser(commandActor(COMMAND), input);
    console.log(`Created ${user.role} ${user.email}. They can sign in now.`);
    return 0;
  } finally {
    await db().$disconnect().catch(() => {});
    await database.close();
  }
}

function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.join(".");
      return field === "password" ? `the password ${issue.message}` : `--${field} ${issue.message}`;
    })
    .join("; ");
}

// ---------------------------------------------------------------------------------------------
// Password input
// ---------------------------------------------------------------------------------------------

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    // `echo pw |` and here-strings add one newline: it is not part of the password.
    const text = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
    if (text === "") throw new UsageError("no password on standard input (pipe it in, or run this on a terminal to be asked)");
    return text;
  }
  // Echo goes off before the first prompt shows and stays off until the last answer, so nothing
  // typed after (or ahead of) a prompt reaches the screen.
  process.stdin.setRawMode(true);
  try {
    const first = await promptHidden("Password: ");
    if (first.length < MIN_PASSWORD_LENGTH) throw new UsageError(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
    const second = await promptHidden("Repeat the password: ");
    if (first !== second) throw new UsageError("the passwords do not match");
    return first;
  } finally {
    process.stdin.setRawMode(false);
    process.stdin.pause();
  }
}

/** Reads one line from the terminal (already in raw mode, so nothing is echoed). */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    stdin.setEncoding("utf8");
    let value = "";
    const finish = (error?: Error) => {
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") return finish();
        if (char === "\u0003") return finish(new UsageError("cancelled"));
        if (char === "\u0004") return finish(value ? undefined : new UsageError("cancelled"));
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else if (char >= " ") value += char;
      }
    };
    stdin.on("data", onData);
    stdin.resume();
    process.stderr.write(question);
  });
}

// ---------------------------------------------------------------------------------------------
// Database
// ---------------------------------------------------------------------------------------------

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function resolveDatabase(): Promise<{ url: string; close: () => Promise<void> }> {
  const nothingToClose = async () => {};
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, close: nothingToClose };

  const dataDir = path.resolve(process.env.CAIRN_DATA_DIR || path.join(ROOT, ".data"));
  const published = path.join(dataDir, "embedded-database-url");
  const url = fs.existsSync(published) ? fs.readFileSync(published, "utf8").trim() : "";
  if (url && (await canConnect(url))) {
    console.error(`Using the embedded database of the running server (${dataDir}).`);
    return { url, close: nothingToClose };
  }

  // No server is running (or it died and left the file): open the database ourselves. The
  // directory lock refuses if a server is starting up and owns it already.
  // Loaded only here: most runs go through DATABASE_URL or the running server.
  const { startEmbeddedDatabase } = await import("./lib/embedded-db.ts");
  const { applyMigrations } = await import("./lib/migrations.ts");
  console.error(`No server is running: opening the embedded database in ${path.join(dataDir, "pglite")}.`);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const embedded = await startEmbeddedDatabase({ dataDir: path.join(dataDir, "pglite") });
  try {
    await applyMigrations({ connectionString: embedded.connectionString });
  } catch (error) {
    await embedded.stop();
    throw error;
  }
  return { url: embedded.connectionString, close: () => embedded.stop() };
}

// ---------------------------------------------------------------------------------------------

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${COMMAND}: ${error.message}`);
      if (/required|Unknown option|unexpected argument/i.test(error.message)) console.error(`\n${USAGE}`);
      process.exit(2);
    }
    if (error instanceof AppError) {
      console.error(`${COMMAND}: ${error.message}`);
      process.exit(1);
    }
    const name = (error as { name?: string })?.name;
    if (name === "EmbeddedDatabaseError" || name === "MigrationError" || name === "ConfigurationError") {
      console.error(`${COMMAND}: ${(error as Error).message}`);
      process.exit(1);
    }
    console.error(`${COMMAND}: could not create the user:`, error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
