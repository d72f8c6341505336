/**
 * Next.js handles SIGTERM/SIGINT itself: it closes its HTTP server and calls process.exit at once,
 * which would cut a background loop off mid-batch or mid-job. This holds that exit (and any other)
 * until `settled` has settled. Several loops may hold it; each wraps the exit the previous one left.
 */
export function holdExitUntil(settled: Promise<unknown>): void {
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => {
    void settled.finally(() => exit(code));
  }) as typeof process.exit;
}
