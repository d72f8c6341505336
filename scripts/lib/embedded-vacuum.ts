// Autovacuum for the embedded database. PGlite is one standalone backend: it reports
// `autovacuum = on` but has no launcher, so nothing ever vacuums it. Cairn churns rows by design
// (every projection batch rewrites its plays' `participant` rows and replaces their
// `challenge_progress` rows; each event's `projection_pending` marker is inserted and deleted),
// so without this the dead rows of a long course pile up for good: tables and the data
// directory keep growing, and every dashboard scan reads the dead rows too. Counts over an index
// also need the visibility map that only VACUUM sets.
//
// What PostgreSQL's autovacuum does, with its default thresholds, from the process that owns the
// database: every interval, read pg_stat_user_tables and VACUUM (ANALYZE) the tables past a
// threshold, ANALYZE those only past the analyze threshold. It goes through the socket like any
// client, so it takes its turn between the app's transactions (the embedded server runs one at a
// time) and never inside one.
import pg from "pg";

/** PostgreSQL's defaults (autovacuum_*_threshold and *_scale_factor). */
export const AUTOVACUUM_DEFAULTS = {
  vacuumThreshold: 50,
  vacuumScaleFactor: 0.2,
  insertThreshold: 1000,
  insertScaleFactor: 0.2,
  analyzeThreshold: 50,
  analyzeScaleFactor: 0.1,
} as const;

export type AutovacuumThresholds = { [K in keyof typeof AUTOVACUUM_DEFAULTS]: number };

/** One row of pg_stat_user_tables, as the pass reads it. */
export interface TableActivity {
  /** Schema-qualified and quoted, ready for a statement. */
  name: string;
  liveRows: number;
  deadRows: number;
  insertedSinceVacuum: number;
  modifiedSinceAnalyze: number;
}

export type MaintenanceStep = { table: string; action: "vacuum" | "analyze" };

/** Which tables autovacuum would vacuum (which also analyzes them) or only analyze now. */
export function maintenanceSteps(tables: readonly TableActivity[], thresholds: AutovacuumThresholds = AUTOVACUUM_DEFAULTS): MaintenanceStep[] {
  const steps: MaintenanceStep[] = [];
  for (const table of tables) {
    const rows = Math.max(0, table.liveRows);
    const vacuum =
      table.deadRows > thresholds.vacuumThreshold + thresholds.vacuumScaleFactor * rows ||
      table.insertedSinceVacuum > thresholds.insertThreshold + thresholds.insertScaleFactor * rows;
    const analyze = table.modifiedSinceAnalyze > thresholds.analyzeThreshold + thresholds.analyzeScaleFactor * rows;
    if (vacuum) steps.push({ table: table.name, action: "vacuum" });
    else if (analyze) steps.push({ table: table.name, action: "analyze" });
  }
  return steps;
}

/** One pass over the database behind `client`: reads the activity, runs what is due. */
export async function maintenancePass(client: pg.Client, thresholds: AutovacuumThresholds = AUTOVACUUM_DEFAULTS): Promise<MaintenanceStep[]> {
  // The one backend publishes its table counters at most once a second, when idle: make the
  // statement below read every change made so far.
  await client.query("SELECT pg_stat_force_next_flush()");
  const { rows } = await client.query<{ name: string; live: string; dead: string; inserted: string; modified: string }>(`
    SELECT quote_ident(schemaname) || '.' || quote_ident(relname) AS name,
           n_live_tup AS live, n_dead_tup AS dead, n_ins_since_vacuum AS inserted, n_mod_since_analyze AS modified
    FROM pg_stat_user_tables
    ORDER BY relname`);
  const steps = maintenanceSteps(
    rows.map((row) => ({
      name: row.name,
      liveRows: Number(row.live),
      deadRows: Number(row.dead),
      insertedSinceVacuum: Number(row.inserted),
      modifiedSinceAnalyze: Number(row.modified),
    })),
    thresholds,
  );
  // One statement per table: each is a short turn on the shared backend, not one long one.
  for (const step of steps) await client.query(step.action === "vacuum" ? `VACUUM (ANALYZE) ${step.table}` : `ANALYZE ${step.table}`);
  return steps;
}

export interface EmbeddedVacuumOptions {
  connectionString: string;
  intervalMs: number;
  log: (message: string) => void;
}

/** Runs a pass every `intervalMs` until stopped; a failed pass is logged (once per message) and retried next time. */
export function startEmbeddedVacuum({ connectionString, intervalMs, log }: EmbeddedVacuumOptions): { stop: () => Promise<void> } {
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let stopped = false;
  let lastError: string | null = null;

  const pass = async () => {
    try {
      if (!client) {
        const fresh = new pg.Client({ connectionString });
        fresh.on("error", () => {}); // a dropped connection surfaces as the next query's error
        await fresh.connect();
        client = fresh;
      }
      await maintenancePass(client);
      if (lastError) log("Embedded database maintenance works again.");
      lastError = null;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== lastError && !stopped) log(`Embedded database maintenance (VACUUM) failed, retrying in ${Math.round(intervalMs / 1000)} s: ${message}`);
      lastError = message;
      const broken = client;
      client = null;
      await broken?.end().catch(() => {});
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().finally(() => {
        running = null;
        schedule();
      });
    }, intervalMs);
    timer.unref();
  };
  schedule();

  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
      await client?.end().catch(() => {});
      client = null;
    },
  };
}
