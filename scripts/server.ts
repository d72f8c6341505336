// The production HTTP server that `npm start` runs (scripts/start.ts spawns it): one node:http
// listener on one port. POST /api/webhooks/instruqt is answered here directly by the same lib
// function the route file calls, skipping Next's per-request pipeline (routing, proxy, the Web
// Request adaptation) that capped ingest at a few hundred requests a second. Every other request
// is handed to Next in its documented custom-server mode.
//
// Runs under tsx (`node --import tsx`), so this file and the lib/ it imports are a second module
// graph beside Next's bundle in the same process: process-wide state that both must share lives
// on globalThis (see lib/db/client.ts, lib/webhooks/secrets.ts, lib/webhooks/refusals.ts,
// lib/http/body-slots.ts, lib/instance.ts).

import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import { stampSocketAddress } from "@/lib/auth/client-address";
import { env } from "@/lib/env";
import { handleInstruqtWebhookNode } from "@/lib/ingest/handle-webhook";
import { startupReport, markCustomServer } from "@/lib/instance";
import { formatStartupBlock } from "@/lib/startup/block";
import { WEBHOOK_PATH } from "@/lib/webhooks/endpoint";
import { flushRefusals } from "@/lib/webhooks/refusals";

// The fault tests find the serving process by this title (Next's own is "next-server").
process.title = "cairn-server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// How long in-flight requests get after SIGTERM before the process exits regardless.
const SHUTDOWN_GRACE_MS = 8_000;

/** True for the webhook's exact path, with or without a query string. */
export function isWebhookRequest(url: string | undefined): boolean {
  if (!url?.startsWith(WEBHOOK_PATH)) return false;
  const rest = url.slice(WEBHOOK_PATH.length);
  return rest === "" || rest.startsWith("?");
}

async function main(): Promise<void> {
  let config: ReturnType<typeof env>;
  try {
    config = env();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
  const { PORT: port, HOSTNAME: hostname } = config;

  // Set before prepare(): instrumentation runs inside it and leaves the closing log block to us.
  markCustomServer();
  const app = next({ dev: false, dir: ROOT, hostname, port });
  await app.prepare();
  const handle = app.getRequestHandler();

  const server = http.createServer((request, response) => {
    if (isWebhookRequest(request.url)) {
      void handleInstruqtWebhookNode(request, response);
      return;
    }
    stampSocketAddress(request.headers, request.socket.remoteAddress, config.CAIRN_TRUSTED_PROXY);
    void handle(request, response);
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`[cairn] ${signal}: closing the HTTP server`);
    setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
    server.close(() => {
      void flushRefusals().finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, stop);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => resolve());
  });
  console.log(`[cairn] ready: serving on http://${hostname}:${port} (webhook answered directly, everything else by Next.js)`);

  // The block closes the log once start-up seeding has run (retried until the database answers).
  const report = await startupReport();
  console.log(formatStartupBlock(report, { port, hostname, publicUrl: config.CAIRN_PUBLIC_URL }));
}

main().catch((error) => {
  console.error("[cairn] the server could not start:", error);
  process.exit(1);
});
