import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startApp, type AppServer } from "../support/app-server";
import { signIn, withSession } from "../support/session";
import { query, uid } from "./admin-helpers";

/** `npm run user:create` (scripts/user-create.ts), run the way an operator runs it. */

const baseUrl = inject("baseUrl");
const databaseUrl = inject("databaseUrl");
const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = path.join(root, "node_modules", ".bin", "tsx");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the command with `stdin` piped in (or nothing, closed), under `env` on top of ours. */
function userCreate(args: string[], stdin: string | null, env: Record<string, string | undefined>): Promise<Run> {
  const merged = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env };
  const childEnv = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ["scripts/user-create.ts", ...args], { cwd: root, env: childEnv, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (stdin !== null) child.stdin.write(stdin);
    child.stdin.end();
  });
}

/**
 * Runs the command on a pseudo-terminal (util-linux `script`), typing each answer once its prompt
 * shows: typed earlier, the terminal itself would echo it before the command turns echo off.
 */
function userCreateOnTerminal(args: string[], answers: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  const merged = { ...process.env, ...env };
  const childEnv = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
  const command = [tsx, "scripts/user-create.ts", ...args].map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: root, env: childEnv, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    const pending = [...answers];
    const prompts = [/Password: $/, /Repeat the password: $/];
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const prompt = prompts[answers.length - pending.length];
      if (prompt && pending.length > 0 && prompt.test(output)) child.stdin.write(`${pending.shift()}\r`);
    });
    child.stderr.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const me = async (url: string, cookie: string) => (await withSession(cookie)(`${url}/api/me`)).json();

describe("npm run user:create with DATABASE_URL", () => {
  const env = { DATABASE_URL: databaseUrl };

  it("creates a user from a piped password, who can then sign in", async () => {
    const email = `cli-${uid()}@cairn.test`;
    const password = "piped password 123";
    const run = await userCreate(["--email", email, "--role", "instructor", "--name", "Cli Person"], `${password}\n`, env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Created instructor ${email}`);
    expect(run.stdout + run.stderr).not.toContain(password);

    const cookie = await signIn(baseUrl, email, password);
    expect(await me(baseUrl, cookie)).toMatchObject({ kind: "user", email, role: "instructor", name: "Cli Person" });

    const [entry] = await query<{ actor_id: string | null; actor_email: string; details: Record<string, unknown> }>(
      databaseUrl,
      "SELECT actor_id, actor_email, details FROM audit_log WHERE action = 'user.created' AND details->>'email' = $1",
      [email],
    );
    expect(entry).toEqual({ actor_id: null, actor_email: "npm run user:create", details: { email, role: "instructor", passwordGenerated: false } });
  });

  it("keeps a password's inner spaces and only drops the one trailing newline", async () => {
    const email = `cli-spaces-${uid()}@cairn.test`;
    const run = await userCreate(["--email", email, "--role", "admin"], "  spaced out pass  \r\n", env);
    expect(run.code, run.stderr).toBe(0);
    const cookie = await signIn(baseUrl, email, "  spaced out pass  ");
    expect(await me(baseUrl, cookie)).toMatchObject({ role: "admin" });
  });

  it("on a terminal, asks for the password twice without echoing it", async () => {
    const email = `cli-tty-${uid()}@cairn.test`;
    const password = "typed on a terminal";
    const run = await userCreateOnTerminal(["--email", email, "--role", "instructor"], [password, password], env);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain("Password: ");
    expect(run.output).toContain("Repeat the password: ");
    expect(run.output).toContain(`Created instructor ${email}`);
    expect(run.output).not.toContain(password);
    await signIn(baseUrl, email, password);

    const mismatch = await userCreateOnTerminal(["--email", `cli-tty2-${uid()}@cairn.test`, "--role", "instructor"], [password, "something else entirely"], env);
    expect(mismatch.code).toBe(2);
    expect(mismatch.output).toContain("the passwords do not match");
  });

  it("refuses a duplicate email with exit code 1", async () => {
    const email = `cli-dup-${uid()}@cairn.test`;
    expect((await userCreate(["--email", email, "--role", "instructor"], "first password 1", env)).code).toBe(0);
    const run = await userCreate(["--email", email.toUpperCase(), "--role", "admin"], "second password 2", env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`A user with the email ${email} already exists.`);
  });

  it("refuses bad arguments and input with exit code 2 and says what is wrong", async () => {
    const email = `cli-bad-${uid()}@cairn.test`;
    const cases: [string[], string | null, RegExp][] = [
      [["--email", email, "--role", "owner"], "good password 1", /--role must be admin or instructor/],
      [["--email", email, "--role", "instructor"], "short", /the password must be at least 10 characters/],
      [["--email", email, "--role", "instructor"], "", /no password on standard input/],
      [["--email", email, "--role", "instructor"], null, /no password on standard input/],
      [["--role", "instructor"], "good password 1", /--email is required/],
      [["--email", email], "good password 1", /--role is required/],
      [["--email", "not-an-email", "--role", "admin"], "good password 1", /--email must be an email address/],
      [["--email", email, "--role", "admin", "--password", "x"], "good password 1", /Unknown option '--password'/],
    ];
    for (const [args, stdin, message] of cases) {
      const run = await userCreate(args, stdin, env);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(message);
    }
    expect(await query(databaseUrl, "SELECT 1 FROM app_user WHERE email = $1", [email])).toEqual([]);
  });
});

describe("npm run user:create with the embedded database", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "cairn-user-create-"));
  const env = { DATABASE_URL: undefined, CAIRN_DATA_DIR: dataDir };
  const first = { email: `embedded-first-${uid()}@cairn.test`, password: "embedded first password" };
  const second = { email: `embedded-second-${uid()}@cairn.test`, password: "embedded second password" };
  let app: AppServer | undefined;

  afterAll(async () => {
    await app?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("with no server running, opens (and migrates) the embedded database itself", async () => {
    const run = await userCreate(["--email", first.email, "--role", "admin"], first.password, env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("No server is running");
    // It closed the database again: the next owner can take it.
    expect(fs.existsSync(path.join(dataDir, "pglite.lock"))).toBe(false);
  });

  it("with `npm start` running, goes through the URL the server publishes, and both users can sign in", async () => {
    app = await startApp({ ...env, NEXTAUTH_SECRET: "user-create-embedded-secret-0123456789abcdef", CAIRN_WORKER: "projector", INSTRUQT_WEBHOOK_SECRET: undefined });
    const published = path.join(dataDir, "embedded-database-url");
    expect(fs.readFileSync(published, "utf8")).toMatch(/^postgresql:\/\/postgres:postgres@127\.0\.0\.1:\d+\/postgres/);

    const run = await userCreate(["--email", second.email, "--role", "instructor"], second.password, env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("Using the embedded database of the running server");

    expect(await me(app.baseUrl, await signIn(app.baseUrl, first.email, first.password))).toMatchObject({ email: first.email, role: "admin" });
    expect(await me(app.baseUrl, await signIn(app.baseUrl, second.email, second.password))).toMatchObject({ email: second.email, role: "instructor" });

    // The command's first user is the admin: start-up saw a user and created no admin@localhost.
    const url = fs.readFileSync(published, "utf8").trim();
    const users = await query<{ email: string }>(url, "SELECT email FROM app_user ORDER BY created_at");
    expect(users.map((u) => u.email)).toEqual([first.email, second.email]);

    await app.stop();
    app = undefined;
    expect(fs.existsSync(published)).toBe(false);
  });
});
