/**
 * Admin actions refuse with the one error type (lib/http/errors.ts). The name ActionError is kept
 * for the modules that already throw it (lib/auth/user-admin.ts); it is the same class.
 */
export { AppError as ActionError, notFound } from "@/lib/http/errors";
