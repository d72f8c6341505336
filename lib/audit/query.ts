import { z } from "zod";
import { auditActions, type AuditAction } from "./log";

/** The audit log's filters, from a query string (?action=…&page=…): the page and the API share it. */
export const auditQuerySchema = z.object({
  action: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.enum(auditActions as [AuditAction, ...AuditAction[]], { error: "is not a known action" }).optional(),
  ),
  page: z.preprocess(
    (value) => (value === "" || value === undefined ? 1 : value),
    z.coerce.number({ error: "must be a page number" }).int("must be a whole number").min(1, "must be 1 or more").max(1_000_000, "is too large"),
  ),
});

export type AuditQuery = z.infer<typeof auditQuerySchema>;

/** Reads the first value of each filter from URLSearchParams or Next's searchParams object. */
export function auditQueryInput(source: URLSearchParams | Record<string, string | string[] | undefined>) {
  const get = (key: string) => {
    if (source instanceof URLSearchParams) return source.get(key) ?? undefined;
    const value = source[key];
    return Array.isArray(value) ? value[0] : value;
  };
  return { action: get("action"), page: get("page") };
}
