// `npm run bench [-- --small] [--only ingest,dashboard,export,projection] [--keep]`: runs each
// bench/<name>.bench.ts section on the databases and servers it needs, prints one table and writes
// bench/results/latest.json and latest.md. See bench/README.md for the method.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import { z } from "zod";
import { arg, parseArgs, runMain, UsageError, validateArgs } from "@/tools/simulate/cli";
import { seedDatabase } from "@/tools/simulate/seed";
import { startApp, type AppServer } from "@/tests/support/app-server";
import { signIn } from "@/tests/support/session";
import type { BenchContext, BenchModule, BenchSection } from "./types";

const root = fileURLToPath(new URL("..", import.meta.url));
const SECTIONS = ["ingest", "dashboard", "export", "projection"] as const;
type SectionName = (typeof SECTIONS)[number];

const USAGE = `usage: npm run bench -- [--small] [--only ingest,dashboard,export,projection] [--keep]

  --small           quick run: 100k events / 10k plays, fewer requests (default: 1M / 100k / 20 tracks)
  --only LIST       run only these sections
  --events N, --plays N, --tracks N   size of the seeded data set for dashboard and export
  --admin-url URL   PostgreSQL to create the benchmark databases on
                    (default $CAIRN_BENCH_ADMIN_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/postgres)
  --keep            keep the seeded database (its name is printed)`;

const Args = z.object({
  small: arg.flag(),
  keep: arg.flag(),
  only: arg.string().optional(),
  events: arg.int(1, 100_000_000).optional(),
  plays: arg.int(1, 10_000_000).optional(),
  tracks: arg.int(1, 10_000).default(20),
  "admin-url": arg.string().optional(),
});

const ADMIN = { email: "bench@cairn.local", password: `bench-${randomBytes(9).toString("base64url")}` };

class Databases {
  private readonly created: string[] = [];
  constructor(private readonly adminUrl: string) {}

  urlFor(name: string): string {
    const url = new URL(this.adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  private async admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /** A fresh, migrated database. */
  async create(purpose: string): Promise<{ name: string; url: string }> {
    const name = `cairn_bench_${purpose}_${Date.now().toString(36)}_${randomBytes(2).toString("hex")}`;
    await this.admin((client) => client.query(`CREATE DATABASE "${name}"`));
    this.created.push(name);
    const url = this.urlFor(name);
    const { applyMigrations } = await import("../scripts/lib/migrations.ts");
    await applyMigrations({ connectionString: url });
    return { name, url };
  }

  async drop(name: string): Promise<void> {
    await this.admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    this.created.splice(this.created.indexOf(name), 1);
  }

  async dropAll(keep: string[] = []): Promise<void> {
    for (const name of [...this.created]) if (!keep.includes(name)) await this.drop(name).catch((error: Error) => console.error(`could not drop ${name}: ${error.message}`));
  }
}

async function loadSection(name: SectionName): Promise<BenchModule | null> {
  const file = `${root}bench/${name}.bench.ts`;
  if (!existsSync(file)) return null;
  const loaded = (await import(pathToFileURL(file).href)) as Partial<BenchModule>;
  if (typeof loaded.run !== "function") throw new Error(`bench/${name}.bench.ts does not export run(context)`);
  return loaded as BenchModule;
}

function title(name: SectionName): string {
  return { ingest: "Ingest", dashboard: "Dashboard read models", export: "CSV export", projection: "Projection" }[name];
}

/** Sections that bind lib/env (and so the Prisma client) to their own database: one process each. */
const OWN_PROCESS = new Set<SectionName>(["dashboard", "projection"]);

async function runInChild(name: SectionName, context: BenchContext): Promise<BenchSection> {
  const child = spawn(process.execPath, ["--import", "tsx", `${root}bench/section.ts`, name, JSON.stringify(context)], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let result: BenchSection | null = null;
  const lines = createInterface({ input: child.stdout });
  lines.on("line", (line) => {
    if (line.startsWith("BENCH_SECTION ")) result = JSON.parse(line.slice("BENCH_SECTION ".length)) as BenchSection;
    else console.log(line);
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (!result) throw new Error(`the ${name} section's process ended (exit ${code}) without a result`);
  return result;
}

async function runSection(name: SectionName, context: BenchContext): Promise<BenchSection> {
  const started = Date.now();
  console.log(`\n── ${title(name)} ──`);
  let bench: BenchModule | null;
  try {
    bench = await loadSection(name);
  } catch (error) {
    return { name: title(name), rows: [], notes: [`could not load bench/${name}.bench.ts: ${(error as Error).message}`] };
  }
  if (!bench) return { name: title(name), rows: [], notes: [`not run: bench/${name}.bench.ts does not exist yet`] };
  try {
    const section = OWN_PROCESS.has(name) ? await runInChild(name, context) : await bench.run(context);
    console.log(`   done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return section;
  } catch (error) {
    console.error(error);
    return { name: title(name), rows: [], notes: [`failed: ${(error as Error).message}`] };
  }
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString("en") : String(value);
}

function printTable(sections: BenchSection[]): void {
  const lines: string[][] = [["section", "metric", "value", "unit", "target", ""]];
  for (const section of sections) {
    if (section.rows.length === 0) lines.push([section.name, "(no figures)", "", "", "", ""]);
    for (const row of section.rows) {
      lines.push([section.name, row.metric, formatValue(row.value), row.unit, row.target ?? "", row.pass === undefined ? "" : row.pass ? "ok" : "MISSED"]);
    }
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  console.log("");
  for (const [n, line] of lines.entries()) {
    console.log(line.map((cell, i) => (i === 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ").trimEnd());
    if (n === 0) console.log(widths.map((w) => "─".repeat(w)).join("  "));
  }
  for (const section of sections) for (const note of section.notes ?? []) console.log(`\n${section.name}: ${note}`);
}

function markdown(sections: BenchSection[], meta: Record<string, unknown>): string {
  const out = [`# Cairn benchmark — ${meta.date}`, "", `Machine: ${meta.cpus} CPUs, ${meta.memoryGiB} GiB; data set ${meta.dataSet}; load average at start ${meta.loadAverage}.`, ""];
  for (const section of sections) {
    out.push(`## ${section.name}`, "");
    if (section.rows.length) {
      out.push("| metric | value | unit | target | |", "| --- | ---: | --- | --- | --- |");
      for (const row of section.rows) out.push(`| ${row.metric} | ${formatValue(row.value)} | ${row.unit} | ${row.target ?? ""} | ${row.pass === undefined ? "" : row.pass ? "✅" : "❌ missed"} |`);
      out.push("");
    }
    for (const note of section.notes ?? []) out.push(`- ${note}`);
    out.push("");
  }
  return out.join("\n");
}

runMain(USAGE, async () => {
  const args = validateArgs(Args, parseArgs(process.argv.slice(2)));
  const only = args.only ? args.only.split(",").map((s) => s.trim()) : [...SECTIONS];
  for (const name of only) if (!(SECTIONS as readonly string[]).includes(name)) throw new UsageError(`--only: unknown section "${name}" (${SECTIONS.join(", ")})`);
  const wanted = SECTIONS.filter((name) => only.includes(name));
  const events = args.events ?? (args.small ? 100_000 : 1_000_000);
  const plays = args.plays ?? (args.small ? 10_000 : 100_000);
  const adminUrl = args["admin-url"] ?? process.env.CAIRN_BENCH_ADMIN_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const host = new URL(adminUrl).hostname;
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) throw new UsageError("--admin-url must be a PostgreSQL on this machine");

  const meta = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg().map((l) => l.toFixed(1)).join(" "),
    dataSet: `${events.toLocaleString("en")} events / ${plays.toLocaleString("en")} plays / ${args.tracks} tracks`,
    small: args.small,
  };
  console.log(`Cairn benchmark: ${wanted.join(", ")}${args.small ? " (--small)" : ""}; data set ${meta.dataSet}`);

  const databases = new Databases(adminUrl);
  const sections: BenchSection[] = [];
  const keep: string[] = [];
  let app: AppServer | undefined;
  const stopAll = async () => {
    await app?.stop().catch(() => {});
    await databases.dropAll(keep);
  };
  // Ctrl-C still stops the servers and drops the databases.
  const onSignal = () => void stopAll().finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    for (const name of wanted.filter((n) => n === "ingest" || n === "projection")) {
      const database = await databases.create(name);
      sections.push(await runSection(name, { databaseUrl: database.url, small: args.small }));
      await databases.drop(database.name);
    }

    const readModels = wanted.filter((n) => n === "dashboard" || n === "export");
    if (readModels.length) {
      const seeded = await databases.create("seeded");
      if (args.keep) keep.push(seeded.name);
      console.log(`\n── Seeding ${seeded.name}: ${meta.dataSet} ──`);
      const result = await seedDatabase({
        databaseUrl: seeded.url,
        events,
        plays,
        tracks: args.tracks,
        seed: "bench",
        endMs: Date.now(),
        log: (line) => console.log(line),
      });
      console.log(`   seeded ${result.events.toLocaleString("en")} events in ${(result.elapsedMs / 1000).toFixed(0)} s`);
      app = await startApp({
        DATABASE_URL: seeded.url,
        NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
        CAIRN_ADMIN_EMAIL: ADMIN.email,
        CAIRN_ADMIN_PASSWORD: ADMIN.password,
        CAIRN_WORKER: "off",
      });
      const sessionCookie = await signIn(app.baseUrl, ADMIN.email, ADMIN.password);
      for (const name of readModels) {
        sections.push(await runSection(name, { databaseUrl: seeded.url, baseUrl: app.baseUrl, sessionCookie, small: args.small }));
      }
      sections.push({
        name: "Seeding",
        rows: [
          { metric: "events written", value: result.events, unit: "events" },
          { metric: "plays written", value: result.plays, unit: "plays" },
          { metric: "seed time", value: Math.round(result.elapsedMs / 100) / 10, unit: "s", target: "≤ 300 s", pass: result.elapsedMs <= 300_000 },
          { metric: "seed rate", value: Math.round(result.events / (result.elapsedMs / 1000)), unit: "events/s" },
        ],
      });
      if (args.keep) console.log(`kept the seeded database: ${seeded.url}`);
    }
  } finally {
    await stopAll();
  }

  const order = ["Ingest", "Dashboard read models", "CSV export", "Projection", "Seeding"];
  sections.sort((a, b) => (order.indexOf(a.name) + 1 || 99) - (order.indexOf(b.name) + 1 || 99));
  printTable(sections);
  mkdirSync(`${root}bench/results`, { recursive: true });
  writeFileSync(`${root}bench/results/latest.json`, `${JSON.stringify({ ...meta, sections }, null, 2)}\n`);
  writeFileSync(`${root}bench/results/latest.md`, markdown(sections, meta));
  console.log("\nwrote bench/results/latest.json and bench/results/latest.md");
  const missed = sections.flatMap((s) => s.rows).filter((row) => row.pass === false).length;
  console.log(missed ? `${missed} target(s) missed: see the notes.` : "every target met.");
  return 0;
});
