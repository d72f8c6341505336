import type { SqlClient } from "./sql-client";
import type { ExportCursor, SqlQuery } from "./query";

/**
 * The keyset loop: fetch a batch after the cursor, format it, hand it on, repeat until a batch
 * comes back short. Column 0 of every row is the play's id and the last column its last activity
 * (the cursor); a batch's `limit` counts distinct plays, so a page of plays may return several
 * rows per play (their challenges). The walk has two phases (see query.ts): plays with a last
 * activity, then those without; a short batch of the first phase starts the second.
 *
 * Batches are sized by bytes, not rows: a row is usually a few hundred bytes, but custom
 * parameters can make one far larger, so each next batch is sized to land near `targetChars` of
 * CSV text from what the previous one weighed. Memory then stays flat whatever the rows hold.
 */

export interface BatchSizing {
  initial: number;
  min: number;
  max: number;
  /** CSV characters a batch should weigh, roughly. */
  targetChars: number;
}

export const DEFAULT_SIZING: BatchSizing = { initial: 500, min: 20, max: 5_000, targetChars: 512 * 1024 };

export function nextBatchSize(sizing: BatchSizing, units: number, chars: number): number {
  if (units <= 0) return sizing.initial;
  if (chars <= 0) return sizing.max;
  const ideal = Math.floor((sizing.targetChars * units) / chars);
  return Math.min(sizing.max, Math.max(sizing.min, ideal));
}

export interface KeysetExport {
  client: SqlClient;
  /** The batch query: plays after `cursor` (null: from the start), at most `limit` of them. */
  query: (cursor: ExportCursor | null, limit: number) => SqlQuery;
  /** A row as CSV text ("" to skip it). */
  format: (row: readonly unknown[]) => string;
  /** Aborted when the client goes away: no further batch is queried. */
  signal: AbortSignal;
  sizing?: BatchSizing;
}

interface Pending {
  rows: Promise<unknown[][]>;
  limit: number;
}

export async function* keysetBatches({ client, query, format, signal, sizing = DEFAULT_SIZING }: KeysetExport) {
  const fetchBatch = (cursor: ExportCursor | null, limit: number): Pending => {
    const rows = client.rows(query(cursor, limit));
    // If the export stops before this batch is awaited, its failure must not become an
    // unhandled rejection; awaiting it below still sees the error.
    rows.catch(() => undefined);
    return { rows, limit };
  };

  let nextLimit = sizing.initial;
  let pending: Pending | null = signal.aborted ? null : fetchBatch(null, nextLimit);
  let inNullPhase = false;
  while (pending !== null) {
    const rows = await pending.rows;
    const requested = pending.limit;
    pending = null;
    if (signal.aborted) return;

    let keys = 0;
    let lastKey: unknown = undefined;
    for (const row of rows) {
      if (keys === 0 || row[0] !== lastKey) {
        keys++;
        lastKey = row[0];
      }
    }
    const last = rows[rows.length - 1];
    // Read ahead: the next batch is on its way from PostgreSQL while this one is formatted and
    // sent, so the database and Node work at the same time. Its size follows the previous
    // batch's weight (this one's is not known yet). A short batch ends its phase.
    if (keys >= requested && last !== undefined) {
      const at = last[last.length - 1];
      pending = fetchBatch({ at: inNullPhase || at === null || at === undefined ? null : String(at), id: String(lastKey) }, nextLimit);
    } else if (!inNullPhase) {
      inNullPhase = true;
      pending = fetchBatch({ at: null, id: "" }, nextLimit);
    }

    let text = "";
    for (const row of rows) text += format(row);
    nextLimit = nextBatchSize(sizing, keys, text.length);
    if (text !== "") yield text;
  }
}
