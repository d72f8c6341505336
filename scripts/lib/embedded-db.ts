// Embedded PostgreSQL for zero-config starts: PGlite (Postgres compiled to WebAssembly) served
// over the PostgreSQL wire protocol on 127.0.0.1, so the app reaches it through Prisma +
// @prisma/adapter-pg exactly like a real server (DESIGN.md principle 5). The app never imports
// this module; only scripts/start.ts, scripts/lib/migrations.ts (shadow database for
// `db:migration`) and test setup do.
//
// PGlite is a *single* Postgres backend (one session). @electric-sql/pglite-socket accepts many
// TCP connections and funnels their protocol messages into that one backend. That has
// consequences the rest of the code base must keep in mind:
//   * Work is fully serialized. While one connection is inside a transaction, every other
//     connection waits (it does not fail). Transactions therefore never interleave, and
//     pg_advisory_xact_lock can never block: it is granted immediately, because nobody else can
//     be mid-transaction at the same time.
//   * Session state is shared: SET (without LOCAL), session advisory locks, prepared statement
//     names and temp tables are visible to all connections. Use transaction-scoped variants.
//   * Code running inside an interactive transaction must not wait on a query issued through a
//     *different* connection (e.g. the global Prisma client instead of `tx`): that query queues
//     behind the transaction, which waits for it -> hangs forever. On real PostgreSQL the same
//     code would merely be wrong; here it deadlocks.
//   * Postgres version is whatever PGlite bundles (18.x in 0.5.14); user, password and database
//     name in the connection string are ignored (it is always `postgres`/`postgres`).

import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import fs from "node:fs";
import path from "node:path";

/** A problem the operator can act on; its message is printable as is. */
export class EmbeddedDatabaseError extends Error {
  name = "EmbeddedDatabaseError";
}

/** Default ceiling for simultaneous client connections, see startEmbeddedDatabase(). */
export const DEFAULT_MAX_CONNECTIONS = 20;

// Frontend message type bytes (https://www.postgresql.org/docs/current/protocol-message-formats.html).
const MSG_QUERY = 0x51; // 'Q' simple query: a complete exchange on its own
const MSG_SYNC = 0x53; // 'S' ends an extended-protocol exchange (Parse/Bind/Describe/Execute...)
const MSG_TERMINATE = 0x58; // 'X'

/** Encodes a simple Query message; used to roll back after a client vanishes. */
function queryMessage(sql: string): Uint8Array {
  const body = Buffer.from(`${sql}\0`, "utf8");
  const msg = Buffer.alloc(5 + body.length);
  msg[0] = MSG_QUERY;
  msg.writeInt32BE(4 + body.length, 1);
  body.copy(msg, 5);
  return new Uint8Array(msg);
}
const SYNC_MESSAGE = new Uint8Array([MSG_SYNC, 0, 0, 0, 4]);
const ROLLBACK_MESSAGE = queryMessage("ROLLBACK");

/**
 * Whether, after this message, the backend is free to serve another connection (unless a
 * transaction block is open, which is checked separately).
 *
 * The startup packet has no type byte: it begins with its int32 length, whose first byte is 0.
 * Not handled: COPY FROM STDIN (a Query followed by CopyData messages), which neither Prisma nor
 * Cairn uses.
 */
function endsExchange(message: Uint8Array): boolean {
  const type = message[0];
  return type === MSG_SYNC || type === MSG_QUERY || type === MSG_TERMINATE || type === 0;
}

/**
 * Replacement for pglite-socket's internal QueryQueueManager (same four methods, which is all
 * PGLiteSocketServer and its connection handlers call).
 *
 * Why replace it: the stock queue (0.2.17) only keeps a connection's messages together while an
 * explicit transaction is open. An extended-protocol exchange (Parse, Bind, Describe, Execute,
 * Sync — how node-postgres and therefore Prisma send every parameterized query) is several
 * messages; when a large query (e.g. a webhook payload of a few hundred KB) arrives in more than
 * one TCP chunk, another connection's exchange can run between its Parse and its Bind, replacing
 * the unnamed prepared statement. We reproduced queries silently returning *another query's
 * rows* and inserts failing with type errors. This queue hands the backend to one connection
 * from its first message until the exchange ends (Sync or simple Query) and no transaction block
 * is open.
 *
 * It also fixes two smaller defects of the stock queue: one message failing inside PGlite stopped
 * all further processing for good, and a client that vanished between Parse and Sync left its
 * unfinished work to be committed by the next client's Sync (the stock queue only rolled back
 * explicit transaction blocks). Here anything a vanished client left open is rolled back.
 */
type QueueItem =
  | { handlerId: number; reset?: false; message: Uint8Array; onData: (data: Uint8Array) => void; resolve: (bytes: number) => void; reject: (error: unknown) => void }
  | { handlerId: number; reset: true; resolve: (bytes: number) => void; reject: (error: unknown) => void };

class ExchangeQueue {
  #db: PGlite;
  #queue: QueueItem[] = [];
  #running = false;
  /** Connection that currently owns the backend (mid-exchange or in a transaction), or null. */
  #owner: number | null = null;
  /** Connection whose message is executing right now, or null. */
  #inFlight: number | null = null;
  #idleWaiters: Array<() => void> = [];

  constructor(db: PGlite) {
    this.#db = db;
  }

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ handlerId, message, onData, resolve, reject });
      void this.#pump();
    });
  }

  getQueueLength(): number {
    return this.#queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    const kept: QueueItem[] = [];
    for (const item of this.#queue) {
      if (item.handlerId === handlerId && !item.reset) item.reject(new Error("Handler disconnected"));
      else kept.push(item);
    }
    this.#queue = kept;
  }

  /**
   * Called when a connection goes away. If it owned the backend (open transaction, or an
   * exchange cut off before Sync), roll back just as a real server does when a backend's client
   * disconnects, and hand the backend to the next connection.
   */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.#owner !== handlerId && this.#inFlight !== handlerId) return;
    await new Promise<number>((resolve, reject) => {
      // At the front, and tagged with the owner's id, so it runs next even while the backend is
      // reserved for that connection.
      this.#queue.unshift({ handlerId, reset: true, resolve, reject });
      void this.#pump();
    });
  }

  /** Resolves once nothing is queued or executing; used before closing PGlite. */
  drain(): Promise<void> {
    if (!this.#running && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #next(): number {
    if (this.#owner === null) return this.#queue.length > 0 ? 0 : -1;
    return this.#queue.findIndex((item) => item.handlerId === this.#owner);
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let index = this.#next(); index !== -1; index = this.#next()) {
        const item = this.#queue.splice(index, 1)[0]!;
        this.#inFlight = item.handlerId;
        try {
          if (item.reset) {
            await this.#rollback();
            this.#owner = null;
            item.resolve(0);
            continue;
          }
          let bytes = 0;
          await this.#db.runExclusive(() =>
            this.#db.execProtocolRawStream(item.message, {
              onRawData: (data) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
          this.#owner = this.#db.isInTransaction() || !endsExchange(item.message) ? item.handlerId : null;
          item.resolve(bytes);
        } catch (error) {
          // The backend raised outside the protocol (PGlite closed, wasm trap...). Nothing
          // sensible can keep this connection's exchange going; free the backend for others.
          this.#owner = null;
          item.reject(error);
        } finally {
          this.#inFlight = null;
        }
      }
    } finally {
      this.#running = false;
      if (this.#queue.length === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  async #rollback(): Promise<void> {
    if (this.#db.closed) return;
    const discard = { onRawData: () => {} };
    await this.#db.runExclusive(async () => {
      // ROLLBACK ends an explicit transaction or an unfinished implicit one (warning only when
      // there is none). If the exchange had failed, the backend ignores everything up to the next
      // Sync, which then aborts it. Either way the backend ends idle, with nothing committed.
      await this.#db.execProtocolRawStream(ROLLBACK_MESSAGE, discard);
      await this.#db.execProtocolRawStream(SYNC_MESSAGE, discard);
    });
  }
}

/**
 * Prevents two processes from opening the same PGlite data directory: PGlite runs Postgres in
 * single-user mode without a postmaster lock, so a second opener would corrupt the cluster.
 * The lock is the file `<dataDir>.lock` holding the owner's pid; a lock left by a dead process
 * (crash, SIGKILL) is taken over. Returns a release function.
 */
function acquireDirectoryLock(dataDir: string): () => void {
  const lockPath = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lockPath, "wx", 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(lockPath, "utf8").trim() === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number.parseInt(fs.readFileSync(lockPath, "utf8"), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new EmbeddedDatabaseError(
          `The embedded database in ${dataDir} is already in use by process ${holder}. ` +
            "Stop that process, or set CAIRN_DATA_DIR to another directory, or DATABASE_URL to use a server.",
        );
      }
      // Stale (holder died) or our own leftover: remove and retry once.
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

export interface EmbeddedDatabase {
  /** postgresql://postgres:postgres@127.0.0.1:PORT/postgres?sslmode=disable */
  connectionString: string;
  host: string;
  port: number;
  /** Absolute path of the PGlite cluster, or null when in memory. */
  dataDir: string | null;
  /** The PGlite instance (for tests; the app must go through connectionString). */
  db: PGlite;
  stats: () => { activeConnections: number; queuedQueries: number; maxConnections: number };
  /**
   * Closes the listener and client connections, rolls back whatever they left open, then closes
   * PGlite (which flushes it to disk). Idempotent.
   */
  stop: () => Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** Directory of the cluster (created if missing); null keeps everything in memory (shadow databases, tests). */
  dataDir?: string | null;
  /** Interface to listen on; keep it on loopback: there is no authentication at all. */
  host?: string;
  /** 0 (default) lets the OS pick a free port. */
  port?: number;
  /**
   * Concurrent client connections accepted; extra ones are refused. Connections are cheap (they
   * share one backend), so the default leaves headroom over the app's pool (node-postgres
   * defaults to 10) for migrations, `next dev` reloads and scripts.
   */
  maxConnections?: number;
  log?: (message: string) => void;
}

/** Starts PGlite and serves it on host:port. */
export async function startEmbeddedDatabase({
  dataDir = null,
  host = "127.0.0.1",
  port = 0,
  maxConnections = DEFAULT_MAX_CONNECTIONS,
  log = () => {},
}: EmbeddedDatabaseOptions = {}): Promise<EmbeddedDatabase> {
  let releaseLock = () => {};
  let resolvedDir: string | null = null;
  if (dataDir) {
    resolvedDir = path.resolve(dataDir);
    fs.mkdirSync(path.dirname(resolvedDir), { recursive: true });
    releaseLock = acquireDirectoryLock(resolvedDir);
  }

  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    const started = Date.now();
    try {
      db = await PGlite.create(resolvedDir ?? undefined);
    } catch (error) {
      throw new EmbeddedDatabaseError(
        `Could not open the embedded database${resolvedDir ? ` in ${resolvedDir}` : ""}: ${error instanceof Error ? error.message : String(error)}. ` +
          "A cluster written by a different PGlite/PostgreSQL major version cannot be opened; restore it with the version that wrote it, or move the directory away to start empty.",
        { cause: error },
      );
    }
    log(`PGlite ready in ${Date.now() - started} ms (${resolvedDir ?? "in memory"})`);

    const openDb = db;
    const socketServer = new PGLiteSocketServer({ db: openDb, host, port, maxConnections });
    server = socketServer;
    const queue = new ExchangeQueue(openDb);
    // Connection handlers read server.queryQueue when they are created (on connect), so
    // swapping it before start() routes every connection through ExchangeQueue. The property is
    // private in the typings; ExchangeQueue has the same public methods as the one it replaces.
    (socketServer as unknown as { queryQueue: ExchangeQueue }).queryQueue = queue;
    await server.start();

    // getServerConn() reports the bound port once listening (port 0 -> the OS's choice).
    const actualPort = Number(socketServer.getServerConn().split(":").pop());
    if (!Number.isInteger(actualPort) || actualPort <= 0) {
      throw new Error(`Unexpected embedded database address: ${socketServer.getServerConn()}`);
    }

    let stopping: Promise<void> | null = null;
    const stop = () =>
      (stopping ??= (async () => {
        try {
          await socketServer.stop();
          await queue.drain();
        } finally {
          try {
            if (!openDb.closed) await openDb.close();
          } finally {
            releaseLock();
          }
        }
      })());

    return {
      connectionString: `postgresql://postgres:postgres@${host}:${actualPort}/postgres?sslmode=disable`,
      host,
      port: actualPort,
      dataDir: resolvedDir,
      db: openDb,
      stats: () => socketServer.getStats(),
      stop,
    };
  } catch (error) {
    await server?.stop().catch(() => {});
    if (db && !db.closed) await db.close().catch(() => {});
    releaseLock();
    throw error;
  }
}
