import { z } from "zod";
import { parsePlayFilter, type PlayFilter } from "@/lib/plays/filter";

/**
 * The export's query string: the one play filter (lib/plays/filter.ts, the same parameters as the
 * pages) and `bom`. Every problem is a 400 that names the parameter, and unknown parameters are
 * refused too: a misspelt filter (`?stauts=…`) silently ignored would hand an LMS or CRM job every
 * learner instead of the ones it asked for. An empty value (`?track=`, as an HTML form sends for
 * "any") means "no filter".
 */

export interface ExportQuery {
  filter: PlayFilter;
  bom: boolean;
}

export type ParsedExportQuery =
  | { ok: true; query: ExportQuery }
  | { ok: false; parameter: string; message: string };

const bom = z.enum(["1", "true", "0", "false"]);

export function parseExportQuery(params: URLSearchParams): ParsedExportQuery {
  const { filter, problems } = parsePlayFilter(params, { strict: true, others: ["bom"] });
  const given = params.getAll("bom").map((value) => value.trim()).filter((value) => value !== "");
  if (given.length > 1) problems.push({ parameter: "bom", message: "bom: give it once" });
  let withBom = false;
  if (given.length === 1) {
    const checked = bom.safeParse(given[0]!.toLowerCase());
    if (!checked.success) problems.push({ parameter: "bom", message: `bom: must be 1 or 0 (true or false), not "${given[0]}"` });
    else withBom = checked.data === "1" || checked.data === "true";
  }
  const first = problems[0];
  if (first) return { ok: false, parameter: first.parameter, message: first.message };
  return { ok: true, query: { filter, bom: withBom } };
}
