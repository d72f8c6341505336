import { Random } from "./random";
import type { SimEvent } from "./traffic";

/**
 * How Svix hands events over, as a pure plan: at least once and in no guaranteed order. A
 * duplicate is the same message (same svix-id, same body) delivered again a little later, as
 * after a lost acknowledgement; a reordered event arrives some positions after where it
 * happened.
 */

export interface PlannedDelivery {
  svixId: string;
  body: string;
  /** This copy repeats a message planned earlier. */
  duplicate: boolean;
}

export interface DeliveryPlanOptions {
  seed: string | number;
  /** Probability that a message is delivered a second time. */
  duplicates: number;
  /** Probability that a message is delivered late, after up to `reorderWindow` later ones. */
  reorder: number;
  reorderWindow?: number;
  /** How far behind its first copy a duplicate arrives, at most (in deliveries). */
  duplicateWindow?: number;
}

export function planDeliveries(events: readonly SimEvent[], options: DeliveryPlanOptions): PlannedDelivery[] {
  const rng = new Random(`${options.seed}:delivery`);
  const reorderWindow = options.reorderWindow ?? 20;
  const duplicateWindow = options.duplicateWindow ?? 50;
  // Sort keys: position in time, pushed back for late deliveries; ties keep the original order.
  const keyed: { key: number; order: number; delivery: PlannedDelivery }[] = [];
  events.forEach((event, position) => {
    const body = JSON.stringify(event.payload);
    const late = rng.chance(options.reorder) ? rng.int(1, reorderWindow) + 0.5 : 0;
    keyed.push({ key: position + late, order: keyed.length, delivery: { svixId: event.svixId, body, duplicate: false } });
    if (rng.chance(options.duplicates)) {
      keyed.push({ key: position + late + rng.int(1, duplicateWindow) + 0.25, order: keyed.length, delivery: { svixId: event.svixId, body, duplicate: true } });
    }
  });
  keyed.sort((a, b) => a.key - b.key || a.order - b.order);
  return keyed.map((entry) => entry.delivery);
}
