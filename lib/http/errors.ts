import { z } from "zod";
import { isDatabaseUnavailable } from "@/lib/db/errors";

/**
 * The one error type Cairn's own code throws for a refusal a caller can act on, and the one
 * mapping from anything thrown to what a caller is told: the settings and enrichment APIs, the
 * exports and the server actions all answer through problemOf. Anything that is not a refusal is
 * a bug: logged, and answered 500 without its details.
 */
export class AppError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 413 | 415,
    readonly code: string,
    message: string,
    /** The input field the refusal is about, for forms. */
    readonly field?: string,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const notFound = (what: string) => new AppError(404, "not_found", `${what} does not exist`);
export const badRequest = (code: string, message: string, field?: string) => new AppError(400, code, message, field);
export const conflict = (message: string) => new AppError(409, "conflict", message);
export const invalidParameter = (parameter: string, message: string) => new AppError(400, "invalid_parameter", message, parameter);

export interface ProblemBody {
  error: string;
  message: string;
  parameter?: string;
  /** Field → message, for forms. */
  fields?: Record<string, string>;
}

export interface Problem {
  status: number;
  body: ProblemBody;
  headers: Record<string, string>;
}

export const RETRY_AFTER_SECONDS = 30;

/** Formats zod issues as "field: message" and a field → message map for forms. */
export function describeIssues(error: z.ZodError): { message: string; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.map(String).join(".") || "body";
    fields[field] ??= issue.message;
  }
  return { message: Object.entries(fields).map(([field, message]) => `${field}: ${message}`).join("; "), fields };
}

/** What a caller is told about `error`. */
export function problemOf(error: unknown): Problem {
  if (error instanceof AppError) {
    return {
      status: error.status,
      body: {
        error: error.code,
        message: error.message,
        // A query parameter is named on its own (APIs); a form field in the map forms read.
        ...(error.field && error.code === "invalid_parameter" ? { parameter: error.field } : {}),
        ...(error.field ? { fields: { [error.field]: error.message } } : {}),
      },
      headers: {},
    };
  }
  if (error instanceof z.ZodError) {
    const { message, fields } = describeIssues(error);
    return { status: 400, body: { error: "invalid_input", message, fields }, headers: {} };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      body: { error: "unavailable", message: "the database cannot be reached right now; retry later" },
      headers: { "retry-after": String(RETRY_AFTER_SECONDS) },
    };
  }
  return { status: 500, body: { error: "internal_error", message: "something went wrong; the server log has the details" }, headers: {} };
}

/** Logs what is not a refusal (a bug, or the database gone), under `area`. */
function logUnexpected(area: string, error: unknown, problem: Problem): void {
  if (problem.status >= 500) console.error(`[${area}] ${problem.body.error}:`, error instanceof Error ? error.message : error);
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
}

/** `error` as an HTTP answer: JSON, never cached. */
export function errorResponse(area: string, error: unknown): Response {
  const problem = problemOf(error);
  logUnexpected(area, error, problem);
  return json(problem.status, problem.body, problem.headers);
}

/** Runs a route's work, answering whatever it throws through problemOf. */
export async function answer(area: string, action: () => Promise<Response>): Promise<Response> {
  try {
    return await action();
  } catch (error) {
    return errorResponse(area, error);
  }
}

/** `error` as the sentence a server action shows next to its form. */
export function actionMessage(area: string, error: unknown): string {
  const problem = problemOf(error);
  logUnexpected(area, error, problem);
  return problem.status === 500 ? "Something went wrong; see the server log." : problem.body.message;
}
