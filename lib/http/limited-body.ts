/**
 * Reads a request body as UTF-8 text, refusing it once it exceeds a limit without buffering more
 * than the limit (a declared Content-Length over it is refused without keeping any of it).
 */

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/**
 * How much more of an oversized undeclared (chunked) body is read and thrown away before
 * answering. Cancelling the stream at the limit aborts the request while the client is still
 * sending, and a client that gets a TCP reset mid-upload may never read the 413 (the fuzz test
 * saw it: ECONNRESET instead of 413). Past this much, the request is cut off after all.
 */
export const DRAIN_LIMIT = 8 * 1024 * 1024;

async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number): Promise<void> {
  let left = budget;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    left -= value.byteLength;
    if (left < 0) {
      await reader.cancel().catch(() => {});
      return;
    }
  }
}

export async function readLimitedText(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    // Refused without keeping a byte; read to its end when that is cheap, for the same reason.
    if (request.body && declared <= limit + DRAIN_LIMIT) await discardRest(request.body.getReader(), declared);
    throw new BodyTooLargeError(limit);
  }
  if (!request.body) return "";

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await discardRest(reader, DRAIN_LIMIT);
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}
