import type { IncomingMessage, ServerResponse } from "node:http";

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

/**
 * The same rules for a node:http request (the production server's webhook path), reading the
 * stream's events directly rather than through a Fetch Request. Rejects with BodyTooLargeError
 * past the limit (after discarding up to DRAIN_LIMIT more), with BodyUnreadableError when the
 * client goes away or the stream fails. A body past the drain budget is left unread: the caller
 * cuts the connection off after answering (see `finishNodeRequest`).
 */
export class BodyUnreadableError extends Error {}

// Requests refused for a body past the drain budget: their connection is cut after the answer.
const cutOff = new WeakSet<IncomingMessage>();

/**
 * How long a body may take to arrive. Svix sends a few KiB at once; a sender trickling bytes would
 * otherwise hold one of the few body slots (lib/http/body-slots.ts) until Node's 5-minute request
 * timeout, and a handful of them would keep every honest delivery out.
 */
export const BODY_READ_TIMEOUT_MS = 10_000;

export function readLimitedNodeBody(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    if (declared > limit + DRAIN_LIMIT) {
      cutOff.add(request);
      return Promise.reject(new BodyTooLargeError(limit));
    }
  }
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number.isFinite(declared) && declared > limit;
    let settled = false;
    const timer = setTimeout(() => {
      request.pause();
      cutOff.add(request);
      settle(new BodyUnreadableError(`the body did not arrive within ${BODY_READ_TIMEOUT_MS / 1000} s`));
    }, BODY_READ_TIMEOUT_MS);
    const settle = (error: Error | null, text?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("close", onClose);
      if (error) reject(error);
      else resolve(text!);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (!over && size > limit) {
        over = true;
        chunks.length = 0;
      }
      if (!over) chunks.push(chunk);
      else if (size > limit + DRAIN_LIMIT) {
        request.pause();
        cutOff.add(request);
        settle(new BodyTooLargeError(limit));
      }
    };
    const onEnd = () => (over ? settle(new BodyTooLargeError(limit)) : settle(null, Buffer.concat(chunks, size).toString("utf8")));
    const onError = () => settle(new BodyUnreadableError("the request body could not be read"));
    const onClose = () => {
      if (!request.complete) settle(new BodyUnreadableError("the client went away before the body was complete"));
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("close", onClose);
  });
}

/**
 * After answering a request whose body was not read to its end (refused before reading, or past
 * the drain budget): discard at most DRAIN_LIMIT more so a client still sending can read the
 * answer, then cut the connection off instead of reading on.
 */
export function discardRestOfNodeRequest(request: IncomingMessage, response: ServerResponse): void {
  if (request.complete || request.destroyed) return;
  if (cutOff.has(request)) {
    response.once("finish", () => request.destroy());
    return;
  }
  let left = DRAIN_LIMIT;
  request.on("data", (chunk: Buffer) => {
    left -= chunk.byteLength;
    if (left < 0) request.destroy();
  });
  request.on("error", () => {});
  request.resume();
}
