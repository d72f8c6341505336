import pg from "pg";

/**
 * Projection is asynchronous: a 201 means the event is stored, not that progress is written. Tests
 * that post webhooks and then read progress wait here until the projector has nothing pending
 * (every marker is deleted in the transaction that writes its projection, so "none pending" means
 * "all committed").
 */
export async function waitForProjection(databaseUrl: string, timeoutMs = 15_000): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ pending: number }>("SELECT count(*)::int AS pending FROM projection_pending");
      const pending = rows[0]!.pending;
      if (pending === 0) return;
      if (Date.now() > deadline) throw new Error(`projection still has ${pending} pending event(s) after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    await client.end();
  }
}

/**
 * The same wait through a running app's GET /api/health (`projection.pending_events`), for tests
 * that only know the app — its embedded database has no URL the test could open.
 */
export async function waitForProjectionAt(baseUrl: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      const body = (await response.json()) as { projection?: { pending_events?: number } };
      if (response.ok && body.projection?.pending_events === 0) return;
      last = `${response.status} ${JSON.stringify(body)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`projection did not catch up within ${timeoutMs} ms (last health: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
