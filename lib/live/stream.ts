import type { LiveEntry, LiveScope } from "./board";
import { liveHub, type BoardView, type LiveHub } from "./hub";
import { changeKey } from "./play";

/**
 * GET /api/live/stream's body: Server-Sent Events for one viewer over the process's shared hub.
 * On connecting, an `event: play` for every play in scope; then one for each play that changed
 * (a new event, or a flag that came or went with time) and an `event: gone` for each that left
 * the board; a comment every 15 s keeps proxies from closing an idle connection.
 */

export const HEARTBEAT_MS = 15_000;

const encoder = new TextEncoder();

export function inScope(entry: LiveEntry, scope: LiveScope): boolean {
  if (scope.trackId === null) {
    // Unknown when the viewer connected: the track's plays may be arriving now.
    const key = scope.trackKey;
    if (key === undefined || (entry.play.track_id !== key && entry.play.track_slug !== key)) return false;
  } else if (scope.trackId !== undefined && entry.play.track_id !== scope.trackId) {
    return false;
  }
  if (scope.inviteId !== undefined && entry.inviteId !== scope.inviteId) return false;
  return true;
}

/** The SSE messages that take a viewer who last saw `sent` to `view`; updates `sent`. */
export function diffView(view: BoardView, scope: LiveScope, sent: Map<string, string>): string {
  let out = "";
  const seen = new Set<string>();
  for (const entry of view.entries) {
    if (!inScope(entry, scope)) continue;
    const id = entry.play.participant_id;
    seen.add(id);
    const key = changeKey(entry.play, entry.facts);
    if (sent.get(id) === key) continue;
    sent.set(id, key);
    out += `event: play\ndata: ${JSON.stringify(entry.play)}\n\n`;
  }
  for (const id of [...sent.keys()]) {
    if (seen.has(id)) continue;
    sent.delete(id);
    out += `event: gone\ndata: ${JSON.stringify({ participant_id: id })}\n\n`;
  }
  return out;
}

export function liveEventStream(
  scope: LiveScope,
  signal: AbortSignal,
  options: { hub?: LiveHub; heartbeatMs?: number } = {},
): ReadableStream<Uint8Array> {
  const hub = options.hub ?? liveHub();
  let cleanup: (() => void) | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const sent = new Map<string, string>();
      let closed = false;
      const handles: { heartbeat?: NodeJS.Timeout; unsubscribe?: () => void } = {};
      function close() {
        if (closed) return;
        closed = true;
        clearInterval(handles.heartbeat);
        handles.unsubscribe?.();
        signal.removeEventListener("abort", close);
        try {
          controller.close();
        } catch {
          // already closed by the runtime
        }
      }
      function write(text: string) {
        if (closed || text === "") return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          close();
        }
      }
      cleanup = close;
      if (signal.aborted) return close();
      signal.addEventListener("abort", close);
      // Browsers reconnect after this many milliseconds when the connection drops.
      write("retry: 3000\n\n");
      handles.unsubscribe = hub.subscribe((view) => write(diffView(view, scope, sent)));
      handles.heartbeat = setInterval(() => write(": heartbeat\n\n"), options.heartbeatMs ?? HEARTBEAT_MS);
    },
    cancel() {
      cleanup?.();
    },
  });
}
