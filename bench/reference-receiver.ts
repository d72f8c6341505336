// The reference receiver for the ingest benchmark: the least a correct Svix webhook receiver can
// do — node:http, read the body (1 MiB cap), verify with svix, parse, one
// INSERT … ON CONFLICT DO NOTHING into a table on the same database, answer 201/200. Cairn's
// throughput divided by this one's says what Cairn's framework, validation and projection cost.
//
//   PORT=… DATABASE_URL=… WEBHOOK_SECRET=whsec_… tsx bench/reference-receiver.ts
import { createServer } from "node:http";
import pg from "pg";
import { Webhook } from "svix";

const port = Number(process.env.PORT ?? 0);
const databaseUrl = process.env.DATABASE_URL;
const secret = process.env.WEBHOOK_SECRET;
if (!databaseUrl || !secret) {
  console.error("reference-receiver needs DATABASE_URL and WEBHOOK_SECRET");
  process.exit(2);
}

const LIMIT = 1024 * 1024;
const webhook = new Webhook(secret);
// The same pool size as Cairn's default (DATABASE_POOL_SIZE=10).
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });

await pool.query(`CREATE TABLE IF NOT EXISTS reference_event (
  id BIGSERIAL PRIMARY KEY,
  svix_id TEXT NOT NULL UNIQUE,
  payload JSONB NOT NULL,
  received_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`);

const reply = (res: import("node:http").ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(body);
};

const server = createServer((req, res) => {
  if (req.method !== "POST") return reply(res, 405, '{"error":"method"}');
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > LIMIT) {
      refused = true;
      reply(res, 413, '{"error":"too_large"}');
      req.destroy();
    } else {
      chunks.push(chunk);
    }
  });
  req.on("end", async () => {
    if (refused) return;
    const body = Buffer.concat(chunks).toString("utf8");
    const headers = {
      "svix-id": String(req.headers["svix-id"] ?? ""),
      "svix-timestamp": String(req.headers["svix-timestamp"] ?? ""),
      "svix-signature": String(req.headers["svix-signature"] ?? ""),
    };
    try {
      webhook.verify(body, headers);
    } catch {
      return reply(res, 401, '{"error":"bad_signature"}');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return reply(res, 400, '{"error":"bad_json"}');
    }
    try {
      const result = await pool.query("INSERT INTO reference_event (svix_id, payload) VALUES ($1, $2) ON CONFLICT (svix_id) DO NOTHING", [headers["svix-id"], JSON.stringify(payload)]);
      reply(res, result.rowCount ? 201 : 200, result.rowCount ? '{"status":"stored"}' : '{"status":"duplicate"}');
    } catch {
      reply(res, 503, '{"error":"unavailable"}', { "retry-after": "30" });
    }
  });
});

server.keepAliveTimeout = 65_000;
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  console.log(`reference receiver listening on ${typeof address === "object" && address ? address.port : port}`);
});

const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
