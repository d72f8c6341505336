import { describe, expect, it } from "vitest";
import { planDeliveries } from "@/tools/simulate/delivery";
import { generateTraffic } from "@/tools/simulate/traffic";

const { events } = generateTraffic({ seed: "delivery", learners: 200, tracks: 4, startMs: Date.UTC(2024, 0, 1), spreadSeconds: 3600 });

describe("planDeliveries", () => {
  it("delivers every event exactly once when asked for no duplicates and no reordering", () => {
    const plan = planDeliveries(events, { seed: 1, duplicates: 0, reorder: 0 });
    expect(plan.map((d) => d.svixId)).toEqual(events.map((e) => e.svixId));
    expect(plan.every((d) => !d.duplicate)).toBe(true);
    expect(JSON.parse(plan[0]!.body)).toEqual(events[0]!.payload);
  });

  it("repeats about the requested share of messages, with the same id and body, after the first copy", () => {
    const plan = planDeliveries(events, { seed: 2, duplicates: 0.1, reorder: 0 });
    const copies = plan.filter((d) => d.duplicate);
    expect(copies.length / events.length).toBeGreaterThan(0.07);
    expect(copies.length / events.length).toBeLessThan(0.13);
    for (const copy of copies) {
      const first = plan.findIndex((d) => d.svixId === copy.svixId);
      expect(plan[first]!.duplicate).toBe(false);
      expect(plan[first]!.body).toBe(copy.body);
      expect(plan.indexOf(copy)).toBeGreaterThan(first);
    }
    expect(new Set(plan.map((d) => d.svixId))).toEqual(new Set(events.map((e) => e.svixId)));
  });

  it("moves about the requested share of messages later, keeping every message", () => {
    const plan = planDeliveries(events, { seed: 3, duplicates: 0, reorder: 0.2 });
    expect(plan).toHaveLength(events.length);
    expect(new Set(plan.map((d) => d.svixId)).size).toBe(events.length);
    const position = new Map(events.map((e, i) => [e.svixId, i]));
    // An inversion: a delivery that happened after the one delivered next.
    let inversions = 0;
    for (let i = 1; i < plan.length; i++) if (position.get(plan[i - 1]!.svixId)! > position.get(plan[i]!.svixId)!) inversions++;
    expect(inversions / events.length).toBeGreaterThan(0.1);
    expect(inversions / events.length).toBeLessThan(0.3);
  });

  it("is deterministic for a seed", () => {
    const options = { seed: 4, duplicates: 0.05, reorder: 0.1 };
    expect(planDeliveries(events, options)).toEqual(planDeliveries(events, options));
    expect(planDeliveries(events, { ...options, seed: 5 })).not.toEqual(planDeliveries(events, options));
  });
});
