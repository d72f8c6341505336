import { describe, expect, it } from "vitest";
import { AUTOVACUUM_DEFAULTS, maintenanceSteps, type TableActivity } from "../../scripts/lib/embedded-vacuum";

const table = (name: string, activity: Partial<Omit<TableActivity, "name">>): TableActivity => ({
  name,
  liveRows: 0,
  deadRows: 0,
  insertedSinceVacuum: 0,
  modifiedSinceAnalyze: 0,
  ...activity,
});

describe("which embedded tables are due for VACUUM or ANALYZE (PostgreSQL's autovacuum rules)", () => {
  it("vacuums past 50 dead rows plus 20% of the live ones, not at the threshold", () => {
    expect(maintenanceSteps([table("public.participant", { liveRows: 1000, deadRows: 250 })])).toEqual([]);
    expect(maintenanceSteps([table("public.participant", { liveRows: 1000, deadRows: 251 })])).toEqual([
      { table: "public.participant", action: "vacuum" },
    ]);
  });

  it("vacuums an insert-only table past 1000 inserts plus 20% (the visibility map for index-only counts)", () => {
    expect(maintenanceSteps([table("public.webhook_event", { liveRows: 10_000, insertedSinceVacuum: 3000 })])).toEqual([]);
    expect(maintenanceSteps([table("public.webhook_event", { liveRows: 10_000, insertedSinceVacuum: 3001 })])).toEqual([
      { table: "public.webhook_event", action: "vacuum" },
    ]);
  });

  it("only analyzes a table whose changes passed the analyze threshold but not the vacuum ones", () => {
    expect(maintenanceSteps([table("public.job", { liveRows: 1000, modifiedSinceAnalyze: 151, deadRows: 10 })])).toEqual([
      { table: "public.job", action: "analyze" },
    ]);
    expect(maintenanceSteps([table("public.job", { liveRows: 1000, modifiedSinceAnalyze: 150 })])).toEqual([]);
  });

  it("leaves quiet tables alone and keeps the order it was given", () => {
    const steps = maintenanceSteps([
      table("public.a", { deadRows: 51 }),
      table("public.quiet", { liveRows: 10, deadRows: 3, modifiedSinceAnalyze: 3 }),
      table("public.b", { modifiedSinceAnalyze: 51 }),
    ]);
    expect(steps).toEqual([
      { table: "public.a", action: "vacuum" },
      { table: "public.b", action: "analyze" },
    ]);
  });

  it("takes other thresholds", () => {
    const eager = { ...AUTOVACUUM_DEFAULTS, vacuumThreshold: 0, vacuumScaleFactor: 0 };
    expect(maintenanceSteps([table("public.t", { deadRows: 1 })], eager)).toEqual([{ table: "public.t", action: "vacuum" }]);
  });
});
