/**
 * Whether an error means "the database cannot be reached or is not accepting work right now" —
 * the case where the webhook answers 503 so Svix retries later — as opposed to a bug.
 */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
  "08000",
  "08001",
  "08003",
  "08006",
  "40001", // serialization_failure: retrying later succeeds
  "40P01", // deadlock_detected: likewise
  "P1001", // Prisma: can't reach database server
  "P1002",
  "P1017", // server closed the connection
  "P2024", // timed out fetching a connection from the pool
  "P2028", // transaction API error (e.g. transaction could not start in time)
]);

const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connect ECONNREFUSED/i,
  /Connection terminated unexpectedly/i,
  /the database system is (starting up|shutting down)/i,
  /terminating connection/i,
  /Client has encountered a connection error/i,
  /Transaction already closed|Unable to start a transaction/i,
];

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; message?: unknown; cause?: unknown; meta?: { code?: unknown } };
    if (typeof candidate.code === "string" && UNAVAILABLE_CODES.has(candidate.code)) return true;
    if (typeof candidate.meta?.code === "string" && UNAVAILABLE_CODES.has(candidate.meta.code)) return true;
    if (typeof candidate.message === "string" && UNAVAILABLE_MESSAGES.some((re) => re.test(candidate.message as string)))
      return true;
    current = candidate.cause;
  }
  return false;
}
