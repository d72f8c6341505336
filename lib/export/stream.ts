import { CSV_BOM } from "./csv";

/**
 * CSV text chunks as a byte stream that only asks for the next chunk when the reader wants it
 * (pull): a slow client slows the queries down instead of piling batches up in memory. At most
 * one chunk waits in the stream's queue (highWaterMark 1), so the next batch is being read while
 * the previous one is on the wire.
 *
 * The export stops querying when the reader cancels (the HTTP response is torn down) or `signal`
 * aborts (the request's signal: the client disconnected). A failure after the first byte cannot
 * become an error status any more, so the stream errors instead of ending: the client sees a
 * broken download, never a silently truncated file that looks complete.
 */
export function csvByteStream(
  chunks: (signal: AbortSignal) => AsyncIterator<string>,
  options: { bom?: boolean; signal?: AbortSignal; onError?: (error: unknown) => void } = {},
): ReadableStream<Uint8Array> {
  const stop = new AbortController();
  if (options.signal?.aborted) stop.abort();
  else options.signal?.addEventListener("abort", () => stop.abort(), { once: true });

  const iterator = chunks(stop.signal);
  const encoder = new TextEncoder();
  let prefix = options.bom ? CSV_BOM : "";

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let next: IteratorResult<string>;
        try {
          next = await iterator.next();
        } catch (error) {
          options.onError?.(error);
          if (!stop.signal.aborted) controller.error(error);
          return;
        }
        if (stop.signal.aborted) {
          // Cancelled while the batch was being read: the stream is already closed to us.
          // Aborted through the request's signal only: end it.
          try {
            controller.close();
          } catch {
            // already cancelled
          }
          return;
        }
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(prefix + next.value));
        prefix = "";
      },
      async cancel() {
        stop.abort();
        await iterator.return?.(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}
