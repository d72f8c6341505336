import { describe, expect, it } from "vitest";
import { acquireBodySlot, bodySlotsInUse, reservationFor, type BodySlot } from "@/lib/http/body-slots";

const MiB = 1024 * 1024;

describe("the cap on bodies read at once", () => {
  it("reserves the declared length, capped at the limit; the whole limit when undeclared or malformed", () => {
    expect(reservationFor("2048", MiB)).toBe(2048);
    expect(reservationFor("0", MiB)).toBe(0);
    expect(reservationFor(String(5 * MiB), MiB)).toBe(MiB);
    expect(reservationFor(null, MiB)).toBe(MiB);
    expect(reservationFor(undefined, MiB)).toBe(MiB);
    expect(reservationFor("", MiB)).toBe(MiB);
    expect(reservationFor("12abc", MiB)).toBe(MiB);
    expect(reservationFor("-5", MiB)).toBe(MiB);
  });

  it("refuses past the number of bodies, and admits again once one is released", () => {
    const caps = { bodies: 3, bytes: 100 * MiB };
    const slots = [1, 2, 3].map(() => acquireBodySlot(10, caps));
    expect(slots.every(Boolean)).toBe(true);
    expect(acquireBodySlot(10, caps)).toBeNull();
    slots[0]!.release();
    const again = acquireBodySlot(10, caps);
    expect(again).not.toBeNull();
    for (const slot of [again, ...slots]) slot!.release();
    expect(bodySlotsInUse()).toEqual({ bodies: 0, bytes: 0 });
  });

  it("refuses past the byte budget while small bodies still fit", () => {
    const caps = { bodies: 100, bytes: 3 * MiB };
    const big = [1, 2, 3].map(() => acquireBodySlot(MiB, caps));
    expect(big.every(Boolean)).toBe(true);
    expect(acquireBodySlot(MiB, caps)).toBeNull();
    expect(acquireBodySlot(1, caps)).toBeNull();
    big[2]!.release();
    const small: (BodySlot | null)[] = Array.from({ length: 50 }, () => acquireBodySlot(4096, caps));
    expect(small.every(Boolean)).toBe(true);
    for (const slot of [...big, ...small]) slot!.release();
    expect(bodySlotsInUse()).toEqual({ bodies: 0, bytes: 0 });
  });

  it("releasing a slot twice frees it once", () => {
    const caps = { bodies: 1, bytes: MiB };
    const slot = acquireBodySlot(10, caps)!;
    slot.release();
    slot.release();
    expect(bodySlotsInUse()).toEqual({ bodies: 0, bytes: 0 });
  });
});
