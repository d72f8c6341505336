const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `read` every 50 ms until `check` accepts what it returned, and returns that; past the
 * deadline it fails naming `what` and the last value seen. For asynchronous work (jobs, the
 * projector, deliveries) that a test waits for rather than sleeping a fixed time.
 */
export async function eventually<T>(read: () => Promise<T> | T, check: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await sleep(50);
    last = await read();
  }
  return last;
}
