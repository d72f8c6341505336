/**
 * The shape every benchmark section returns. `npm run bench` (bench/run.ts) runs each
 * `bench/*.bench.ts`, prints the rows as a table and writes bench/results/latest.json plus a
 * Markdown summary.
 */
export interface BenchRow {
  metric: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. "≥ 1000" or "< 300 ms". */
  target?: string;
  /** Whether the target was met; absent when the row has no target. */
  pass?: boolean;
}

export interface BenchSection {
  name: string;
  rows: BenchRow[];
  /** Why a target was missed and what would fix it; methodology notes. */
  notes?: string[];
}

export interface BenchContext {
  /** A PostgreSQL database seeded with the large data set (1M events / 100k plays / 20 tracks). */
  databaseUrl: string;
  /** A running Cairn app over that database, when the section needs HTTP. */
  baseUrl?: string;
  /** Cookie header of a signed-in admin on baseUrl. */
  sessionCookie?: string;
  /** `npm run bench -- --small`: a quick run (smaller data set, fewer requests). */
  small?: boolean;
}

export type BenchModule = { run(context: BenchContext): Promise<BenchSection> };
