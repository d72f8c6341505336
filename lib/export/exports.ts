import { keysetBatches, type BatchSizing } from "./batches";
import { challengeHeader, challengeRecord, chooseParamColumns, progressHeader, progressRecord } from "./columns";
import type { PlaySelection } from "@/lib/plays/filter";
import { challengeBatchQuery, paramKeysQuery, progressBatchQuery } from "./query";
import type { SqlClient } from "./sql-client";
import { csvByteStream } from "./stream";

/**
 * The two export files as byte streams:
 * - progress: one row per play, then one param_<key> column per custom-parameter key found in the
 *   selected plays (found by a first query over the same filter, before any byte is sent; at most
 *   MAX_PARAM_COLUMNS of them);
 * - challenges: one row per play × challenge, for exactly the plays the progress file lists with
 *   the same filter.
 * Rows come by last activity, newest first, then participant_id (then challenge_index).
 */

export type ExportKind = "progress" | "challenges";

export interface OpenedExport {
  body: ReadableStream<Uint8Array>;
  /** Custom-parameter keys beyond MAX_PARAM_COLUMNS, left out as columns (still in the JSON). */
  omittedParamKeys: number;
}

export interface OpenExportOptions {
  /** Aborted when the client is gone (the request's signal). */
  signal?: AbortSignal;
  onError?: (error: unknown) => void;
  sizing?: BatchSizing;
}

/**
 * Runs the queries that must succeed before a response starts (the parameter keys), then returns
 * the stream that reads the rest batch by batch as it is consumed. A failure here is still an
 * error status; a failure later breaks the stream.
 */
export async function openExport(
  client: SqlClient,
  kind: ExportKind,
  { selection, bom }: { selection: PlaySelection; bom: boolean },
  options: OpenExportOptions = {},
): Promise<OpenedExport> {
  let header: string;
  let omittedParamKeys = 0;
  let format: (row: readonly unknown[]) => string;
  let query: typeof progressBatchQuery;
  if (kind === "progress") {
    const keyRows = await client.rows(paramKeysQuery(selection));
    const { keys, omitted } = chooseParamColumns(keyRows.map((row) => String(row[0])));
    omittedParamKeys = omitted;
    header = progressHeader(keys);
    format = (row) => progressRecord(row, keys);
    query = progressBatchQuery;
  } else {
    header = challengeHeader();
    format = challengeRecord;
    query = challengeBatchQuery;
  }

  const body = csvByteStream(
    async function* (signal) {
      yield header;
      yield* keysetBatches({
        client,
        query: (cursor, limit) => query(selection, cursor, limit),
        format,
        signal,
        sizing: options.sizing,
      });
    },
    { bom, signal: options.signal, onError: options.onError },
  );
  return { body, omittedParamKeys };
}
