import pg from "pg";
import { env } from "@/lib/env";
import { PLAYS_CHANNEL } from "@/lib/progress/projector";
import { liveThresholds, readBoard, reevaluate, sortBoard, type LiveEntry } from "./board";

/**
 * One process's view of the live board, shared by every open stream: ONE connection LISTENs on
 * `cairn_plays` (whichever instance projected a play notifies every instance), the plays a
 * notification names are read again in one statement, and the whole board is read again on a
 * timer — flags that appear with the passing of time (stuck, idle), medians that moved, plays that
 * went inactive. Viewers then cost memory, not queries. The hub runs only while someone watches.
 */

/** How often the whole board is read again (time-based flags, medians, inactivity). */
export const REFRESH_MS = 15_000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

export interface BoardView {
  /** Every active play, needs-help first, durations and flags as of `now`. */
  entries: LiveEntry[];
  now: Date;
}

export type Subscriber = (view: BoardView) => void;

export interface HubOptions {
  databaseUrl?: string;
  refreshMs?: number;
  log?: (line: string) => void;
}

export class LiveHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly board = new Map<string, LiveEntry>();
  private loaded = false;
  private listener: pg.Client | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay = RECONNECT_MIN_MS;
  /** Bumped on every start and stop: work begun under an older generation is dropped. */
  private generation = 0;
  private running = false;
  // Pending reads, serialized: a full read, and/or the plays notifications named.
  private wantFull = false;
  private readonly wantIds = new Set<string>();
  private reading: Promise<void> | undefined;
  private lastError: string | undefined;

  constructor(private readonly options: HubOptions = {}) {}

  get listening(): boolean {
    return this.listener !== undefined;
  }

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    if (!this.running) this.start();
    else if (this.loaded) subscriber(this.view());
    return () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) void this.stop();
    };
  }

  private log(line: string): void {
    (this.options.log ?? ((text: string) => console.log(`[live] ${text}`)))(line);
  }

  private start(): void {
    this.running = true;
    this.generation++;
    void this.listen(this.generation);
    this.requestFull();
    this.refreshTimer = setInterval(() => this.requestFull(), this.options.refreshMs ?? REFRESH_MS);
    this.refreshTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    clearInterval(this.refreshTimer);
    clearTimeout(this.reconnectTimer);
    this.board.clear();
    this.loaded = false;
    this.wantFull = false;
    this.wantIds.clear();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => {});
  }

  /** The board as of now: durations and flags re-evaluated from each play's facts. */
  private view(): BoardView {
    const now = new Date();
    const thresholds = liveThresholds();
    const entries = sortBoard(
      [...this.board.values()].map((entry) => ({ ...entry, play: { ...entry.play, ...reevaluate(entry.facts, now, thresholds) } })),
    );
    return { entries, now };
  }

  private requestFull(): void {
    this.wantFull = true;
    this.drain();
  }

  private requestIds(ids: readonly string[]): void {
    for (const id of ids) this.wantIds.add(id);
    this.drain();
  }

  private drain(): void {
    if (this.reading || !this.running) return;
    const generation = this.generation;
    this.reading = this.readPending(generation).finally(() => {
      this.reading = undefined;
      // Also after a stop and a restart: the new generation's requests waited for this read.
      if (this.wantFull || this.wantIds.size > 0) this.drain();
    });
  }

  private async readPending(generation: number): Promise<void> {
    const full = this.wantFull;
    const ids = full ? [] : [...this.wantIds];
    this.wantFull = false;
    this.wantIds.clear();
    try {
      const entries = await readBoard({}, full ? {} : { participantIds: ids });
      if (generation !== this.generation) return;
      if (full) {
        this.board.clear();
      } else {
        for (const id of ids) this.board.delete(id);
      }
      for (const entry of entries) this.board.set(entry.play.participant_id, entry);
      this.loaded = true;
      if (this.lastError) this.log("reading the board again");
      this.lastError = undefined;
    } catch (error) {
      // The database gone: keep what we had, read everything again on the next tick.
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.lastError) this.log(`reading the board failed: ${message}`);
      this.lastError = message;
      if (generation === this.generation) this.wantFull = this.wantFull || full || ids.length > 0;
      return;
    }
    const view = this.view();
    for (const subscriber of this.subscribers) {
      try {
        subscriber(view);
      } catch (error) {
        this.log(`a viewer failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private onNotification(payload: string | undefined): void {
    try {
      const ids = (JSON.parse(payload ?? "") as { participant_ids?: unknown }).participant_ids;
      if (Array.isArray(ids) && ids.every((id) => typeof id === "string")) {
        this.requestIds(ids);
        return;
      }
    } catch {
      // fall through: a payload we cannot read still means something changed
    }
    this.requestFull();
  }

  private async listen(generation: number): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl ?? env().DATABASE_URL });
    client.on("error", () => {}); // surfaced through "end"
    client.on("notification", (message) => {
      if (message.channel === PLAYS_CHANNEL) this.onNotification(message.payload);
    });
    client.once("end", () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      if (generation === this.generation) this.reconnect(generation);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${PLAYS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => {});
      if (generation === this.generation) {
        this.log(`cannot listen for plays: ${error instanceof Error ? error.message : String(error)}`);
        this.reconnect(generation);
      }
      return;
    }
    if (generation !== this.generation) {
      await client.end().catch(() => {});
      return;
    }
    this.listener = client;
    this.reconnectDelay = RECONNECT_MIN_MS;
    // Whatever changed while no one listened: read everything again.
    this.requestFull();
  }

  private reconnect(generation: number): void {
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(RECONNECT_MAX_MS, delay * 2);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (generation === this.generation) void this.listen(generation);
    }, delay);
    this.reconnectTimer.unref?.();
  }
}

// On globalThis: Next.js may load this module more than once (route bundles, the custom server);
// one LISTEN connection per process is the point.
const HUB = Symbol.for("cairn.live.hub");
const holder = globalThis as unknown as { [HUB]?: LiveHub };

export function liveHub(): LiveHub {
  holder[HUB] ??= new LiveHub();
  return holder[HUB];
}
