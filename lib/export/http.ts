import { isDatabaseUnavailable } from "@/lib/db/errors";
import { errorResponse, invalidParameter } from "@/lib/http/errors";
import { filterFileName, selectionOf } from "@/lib/plays/filter";
import { openExport, type ExportKind, type OpenedExport } from "./exports";
import { parseExportQuery } from "./params";
import { exportSqlClient } from "./sql-client";

/**
 * GET /api/export/{progress,challenges}.csv after authorization: the query string checked (400
 * naming the parameter), the first query run (503 if the database cannot answer), then the CSV
 * streamed as an attachment whose name says what was filtered
 * (`progress-track-<slug>-status-completed.csv`; `progress.csv` unfiltered).
 */

export async function exportResponse(request: Request, kind: ExportKind): Promise<Response> {
  const parsed = parseExportQuery(new URL(request.url).searchParams);
  if (!parsed.ok) {
    return errorResponse("export", invalidParameter(parsed.parameter, parsed.message));
  }

  let opened: OpenedExport;
  try {
    const selection = await selectionOf(parsed.query.filter);
    opened = await openExport(exportSqlClient(), kind, { selection, bom: parsed.query.bom }, {
      signal: request.signal,
      onError: (error) => logFailure(kind, "while streaming", error),
    });
  } catch (error) {
    logFailure(kind, "before streaming", error);
    return errorResponse("export", error);
  }

  return new Response(opened.body, {
    status: 200,
    headers: {
      ...(opened.omittedParamKeys > 0 ? { "x-cairn-omitted-param-columns": String(opened.omittedParamKeys) } : {}),
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filterFileName(kind, parsed.query.filter)}"`,
      // Learners' names and emails: never kept by a shared cache or the browser's.
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      // Reverse proxies (nginx) would otherwise buffer the whole download before sending any of it.
      "x-accel-buffering": "no",
    },
  });
}

function logFailure(kind: ExportKind, when: string, error: unknown): void {
  const cause = isDatabaseUnavailable(error) ? "database unavailable" : "unexpected error";
  console.error(`[export] ${kind}.csv failed ${when} (${cause}):`, error instanceof Error ? error.message : error);
}
