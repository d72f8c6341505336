import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../../support/app-server";

/**
 * A disposable PostgreSQL 15 cluster of the test's own (real server binaries, not PGlite): initdb
 * in a temp dir, trust auth, loopback on a free port, its socket in the same dir. The fault tests
 * kill it (pg_ctl stop -m immediate) without disturbing the machine's PostgreSQL or anyone else.
 * We run as root, and PostgreSQL refuses to run as root, so every command runs as `postgres`.
 */

const run = promisify(execFile);

function findBinDir(): string {
  const preferred = "/usr/lib/postgresql/15/bin";
  if (existsSync(join(preferred, "initdb"))) return preferred;
  const versions = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").sort() : [];
  for (const version of versions.reverse()) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (existsSync(join(dir, "initdb"))) return dir;
  }
  throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)");
}

const asPostgres = (command: string, args: string[]) =>
  process.getuid?.() === 0 ? (["runuser", ["-u", "postgres", "--", command, ...args]] as const) : ([command, args] as const);

/** Clusters still running, stopped on exit if a test dies before its cleanup. */
const live = new Set<Cluster>();
process.once("exit", () => {
  for (const cluster of live) cluster.destroySync();
});

export class Cluster {
  readonly url: string;
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {
    this.url = `postgresql://postgres@127.0.0.1:${port}/cairn`;
  }

  get dataDir(): string {
    return join(this.dir, "data");
  }

  static async create(): Promise<Cluster> {
    const bin = findBinDir();
    const dir = mkdtempSync(join(tmpdir(), "cairn-faults-pg-"));
    if (process.getuid?.() === 0) await run("chown", ["postgres:postgres", dir]);
    const cluster = new Cluster(dir, await freePort(), bin);
    live.add(cluster);
    try {
      const [cmd, args] = asPostgres(join(bin, "initdb"), ["-D", cluster.dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
      await run(cmd, [...args]);
      await cluster.start();
      const admin = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${cluster.port}/postgres` });
      await admin.connect();
      await admin.query("CREATE DATABASE cairn");
      await admin.end();
    } catch (error) {
      cluster.destroySync();
      throw error;
    }
    return cluster;
  }

  async start(): Promise<void> {
    // Durability settings stay at their defaults (fsync, synchronous_commit on): the tests are about
    // what a committed acknowledgement survives.
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=60 -c shared_buffers=32MB`;
    const [cmd, args] = asPostgres(join(this.bin, "pg_ctl"), ["-D", this.dataDir, "-l", join(this.dir, "server.log"), "-o", options, "-w", "-t", "60", "start"]);
    await run(cmd, [...args]);
  }

  /** `immediate` is a crash: no checkpoint, backends killed, recovery from WAL on the next start. */
  async stop(mode: "immediate" | "fast" = "fast"): Promise<void> {
    const [cmd, args] = asPostgres(join(this.bin, "pg_ctl"), ["-D", this.dataDir, "-m", mode, "-w", "stop"]);
    await run(cmd, [...args]);
  }

  async query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** Stops the server if it runs and removes its directory; safe to call twice. */
  destroySync(): void {
    if (existsSync(join(this.dataDir, "postmaster.pid"))) {
      const [cmd, args] = asPostgres(join(this.bin, "pg_ctl"), ["-D", this.dataDir, "-m", "immediate", "-w", "stop"]);
      spawnSync(cmd, [...args], { stdio: "ignore" });
    }
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  async destroy(): Promise<void> {
    this.destroySync();
  }
}
