/**
 * A cap on the webhook bodies being read at once. Bodies are read before their signature can be
 * checked, so without a cap anyone could make the server buffer 1 MiB per open request (100
 * concurrent uploads cost 150 MiB of RSS). A body takes a slot and reserves its declared length
 * (the whole per-body limit when undeclared) from a byte budget; past either cap the caller
 * answers 503 with Retry-After without reading the body. Svix's deliveries are a few KiB with a
 * Content-Length, so honest traffic stays far under the byte budget while 1 MiB bodies hit it.
 *
 * Process-wide (on globalThis): the production server and Next's bundle each load their own copy
 * of lib/, and the cap must hold for the process, not per copy.
 */

export const MAX_CONCURRENT_BODIES = 64;
export const BODY_BYTE_BUDGET = 16 * 1024 * 1024;

export interface BodySlot {
  release(): void;
}

interface SlotState {
  bodies: number;
  bytes: number;
}

const STATE = Symbol.for("cairn.http.bodySlots");
const store = globalThis as unknown as Record<typeof STATE, SlotState | undefined>;
const state = (store[STATE] ??= { bodies: 0, bytes: 0 });

/** Bytes a body reserves: what it declares, capped at the per-body limit; the limit if unknown. */
export function reservationFor(contentLength: string | null | undefined, limit: number): number {
  const declared = contentLength == null || contentLength === "" ? Number.NaN : Number(contentLength);
  return Number.isFinite(declared) && declared >= 0 ? Math.min(declared, limit) : limit;
}

/** Takes a slot for a body of `bytes` (see reservationFor), or null when the server is full. */
export function acquireBodySlot(bytes: number, caps = { bodies: MAX_CONCURRENT_BODIES, bytes: BODY_BYTE_BUDGET }): BodySlot | null {
  if (state.bodies >= caps.bodies || state.bytes + bytes > caps.bytes) return null;
  state.bodies++;
  state.bytes += bytes;
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      state.bodies--;
      state.bytes -= bytes;
    },
  };
}

/** Bodies and reserved bytes in flight (for tests and diagnostics). */
export function bodySlotsInUse(): { bodies: number; bytes: number } {
  return { ...state };
}
