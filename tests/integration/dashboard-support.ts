import { expect } from "vitest";
import type { BuiltEvent } from "../support/events-factory";
import { waitForProjectionAt } from "../support/projection";
import { sendEvent } from "../support/webhooks";

/**
 * Shared by the dashboard read-model tests: events go in through the real, signed webhook (so
 * the projection the dashboards read is the one ingest really writes); the read models are then
 * called directly against the same database.
 */

/**
 * Delivers built events in order, insists each was stored for the first time, and waits for the
 * projector (progress is written after the 201, not with it).
 */
export async function deliver(baseUrl: string, events: readonly BuiltEvent[]): Promise<void> {
  for (const event of events) {
    const response = await sendEvent(baseUrl, event.payload, { svixId: event.svixId });
    expect(response.status, `${event.svixId} (${event.payload.type}) → ${await response.clone().text()}`).toBe(201);
  }
  await waitForProjectionAt(baseUrl);
}

/** Delivers a raw payload and insists it was stored. */
export async function deliverPayload(baseUrl: string, payload: Record<string, unknown>, svixId: string): Promise<void> {
  const response = await sendEvent(baseUrl, payload, { svixId });
  expect(response.status, `${svixId} → ${await response.clone().text()}`).toBe(201);
  await waitForProjectionAt(baseUrl);
}

/** Polls `read` until `check` passes (refusal counters are flushed about once a second). */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => void, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    try {
      check(value);
      return value;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
