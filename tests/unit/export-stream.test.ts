import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keysetBatches, nextBatchSize, type BatchSizing } from "@/lib/export/batches";
import type { ExportCursor } from "@/lib/export/query";
import type { SqlClient } from "@/lib/export/sql-client";
import { csvByteStream } from "@/lib/export/stream";

/**
 * A fake database of `keys` sorted ids with a last activity, then `nullKeys` ids without one, each
 * with `perKey` rows, answering keyset batches the way the real queries do: rows after the cursor
 * within its phase (last column: the activity, null in the second phase), for at most `limit`
 * keys. It records every query, and can be made to fail or to hold a query until released.
 */
function fakeDatabase(keys: number, perKey = 1, nullKeys = 0) {
  const ids = Array.from({ length: keys }, (_, i) => `p${String(i).padStart(6, "0")}`);
  const nullIds = Array.from({ length: nullKeys }, (_, i) => `q${String(i).padStart(6, "0")}`);
  const queries: { after: string | null; phase: "active" | "null"; limit: number }[] = [];
  let failOn: number | null = null;
  const client: SqlClient = {
    async rows({ values }) {
      const [cursor, limit] = values as [ExportCursor | null, number];
      const phase = cursor !== null && cursor.at === null ? "null" : "active";
      const after = cursor === null || cursor.id === "" ? null : cursor.id;
      queries.push({ after, phase, limit });
      if (failOn !== null && queries.length === failOn) throw new Error("connection terminated unexpectedly");
      const page = (phase === "null" ? nullIds : ids).filter((id) => after === null || id > after).slice(0, limit);
      const at = phase === "null" ? null : "2024-03-01T09:00:00";
      return page.flatMap((id) => Array.from({ length: perKey }, (_, n) => [id, n, at]));
    },
  };
  return { ids, nullIds, queries, client, failAt: (n: number) => (failOn = n) };
}

const query = (cursor: ExportCursor | null, limit: number) => ({ text: "", values: [cursor, limit] });
const format = (row: readonly unknown[]) => `${row[0]}#${row[1]}\n`;
const fixed = (size: number): BatchSizing => ({ initial: size, min: size, max: size, targetChars: 1 });

async function collect(iterable: AsyncIterable<string>): Promise<string> {
  let text = "";
  for await (const chunk of iterable) text += chunk;
  return text;
}

describe("keysetBatches", () => {
  it("returns every row exactly once, in key order, for any size and batch size", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: 0, max: 30 }),
        async (keys, perKey, size, nullKeys) => {
          const db = fakeDatabase(keys, perKey, nullKeys);
          const text = await collect(
            keysetBatches({ client: db.client, query, format, signal: new AbortController().signal, sizing: fixed(size) }),
          );
          const expected = [...db.ids, ...db.nullIds].flatMap((id) => Array.from({ length: perKey }, (_, n) => `${id}#${n}\n`)).join("");
          expect(text).toBe(expected);
          // Per phase: one query per full batch, plus the short (possibly empty) one that ends it.
          const active = Math.floor(keys / size) + 1;
          expect(db.queries.length).toBe(active + Math.floor(nullKeys / size) + 1);
          expect(db.queries[0]!.after).toBeNull();
          for (let i = 1; i < active; i++) expect(db.queries[i]).toMatchObject({ after: db.ids[i * size - 1], phase: "active" });
          expect(db.queries[active]).toMatchObject({ after: null, phase: "null" });
          for (let i = active + 1; i < db.queries.length; i++) {
            expect(db.queries[i]).toMatchObject({ after: db.nullIds[(i - active) * size - 1], phase: "null" });
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("skips rows formatted as empty text without losing its place", async () => {
    const db = fakeDatabase(10, 2);
    const text = await collect(
      keysetBatches({
        client: db.client,
        query,
        format: (row) => (row[1] === 0 ? "" : `${row[0]}\n`),
        signal: new AbortController().signal,
        sizing: fixed(3),
      }),
    );
    expect(text).toBe(db.ids.map((id) => `${id}\n`).join(""));
  });

  it("sizes later batches by what the earlier ones weighed", async () => {
    const db = fakeDatabase(1000);
    const sizing: BatchSizing = { initial: 10, min: 5, max: 400, targetChars: 100 * "p000000#0\n".length };
    await collect(keysetBatches({ client: db.client, query, format, signal: new AbortController().signal, sizing }));
    // The first batch is the initial size; the read-ahead query goes out before the first batch
    // is weighed, so it reuses the initial size; after that, ~100 rows of 10 characters.
    expect(db.queries.slice(0, 4).map((q) => q.limit)).toEqual([10, 10, 100, 100]);
  });

  it("queries nothing once the signal is aborted", async () => {
    const db = fakeDatabase(100);
    const abort = new AbortController();
    const batches = keysetBatches({ client: db.client, query, format, signal: abort.signal, sizing: fixed(10) });
    expect((await batches.next()).value).toContain("p000000#0");
    const issued = db.queries.length;
    abort.abort();
    expect((await batches.next()).done).toBe(true);
    expect(db.queries.length).toBe(issued);
    expect(issued).toBeLessThanOrEqual(2);
  });

  it("passes a database failure on", async () => {
    const db = fakeDatabase(100);
    db.failAt(3);
    await expect(
      collect(keysetBatches({ client: db.client, query, format, signal: new AbortController().signal, sizing: fixed(10) })),
    ).rejects.toThrow(/connection terminated/);
  });
});

describe("nextBatchSize", () => {
  const sizing: BatchSizing = { initial: 500, min: 20, max: 5000, targetChars: 1_000_000 };
  it("aims at the target weight, within bounds", () => {
    expect(nextBatchSize(sizing, 500, 150_000)).toBe(3333); // 300 characters a row
    expect(nextBatchSize(sizing, 500, 50_000)).toBe(5000); // tiny rows: capped
    expect(nextBatchSize(sizing, 20, 20_000_000)).toBe(20); // 1 MB rows: at least the minimum
    expect(nextBatchSize(sizing, 100, 0)).toBe(5000);
    expect(nextBatchSize(sizing, 0, 0)).toBe(500);
  });
});

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("csvByteStream", () => {
  const source = (db: ReturnType<typeof fakeDatabase>, size = 10) =>
    async function* (signal: AbortSignal) {
      yield "header\r\n";
      yield* keysetBatches({ client: db.client, query, format, signal, sizing: fixed(size) });
    };

  it("encodes the chunks as UTF-8, with a BOM only at the very start when asked", async () => {
    const chunks = async function* () {
      yield "a,é\r\n";
      yield "東京\r\n";
    };
    const withBom = await readAll(csvByteStream(chunks, { bom: true }));
    expect([...withBom.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder("utf-8", { ignoreBOM: true }).decode(withBom)).toBe("\uFEFFa,é\r\n東京\r\n");
    const without = await readAll(csvByteStream(chunks));
    expect(new TextDecoder("utf-8", { ignoreBOM: true }).decode(without)).toBe("a,é\r\n東京\r\n");
  });

  it("reads from the database only as fast as the reader takes (backpressure)", async () => {
    const db = fakeDatabase(10_000);
    const stream = csvByteStream(source(db));
    const reader = stream.getReader();
    await reader.read(); // header
    await reader.read(); // first batch
    await settle();
    // One batch read, one queued in the stream, one read ahead: never the 1001 queries of the whole.
    expect(db.queries.length).toBeLessThanOrEqual(3);
    await reader.read();
    await settle();
    expect(db.queries.length).toBeLessThanOrEqual(4);
    await reader.cancel();
  });

  it("stops querying when the reader cancels", async () => {
    const db = fakeDatabase(10_000);
    const reader = csvByteStream(source(db)).getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    const issued = db.queries.length;
    await settle();
    expect(db.queries.length).toBe(issued);
  });

  it("stops querying and ends when the request's signal aborts", async () => {
    const db = fakeDatabase(10_000);
    const abort = new AbortController();
    const reader = csvByteStream(source(db), { signal: abort.signal }).getReader();
    await reader.read();
    await reader.read();
    abort.abort();
    const issued = db.queries.length;
    for (let i = 0; i < 5; i++) if ((await reader.read()).done) break;
    expect((await reader.read()).done).toBe(true);
    expect(db.queries.length).toBe(issued);
  });

  it("does not query at all for a request that is already gone", async () => {
    const db = fakeDatabase(100);
    const abort = new AbortController();
    abort.abort();
    const bytes = await readAll(csvByteStream(source(db), { signal: abort.signal }));
    expect(bytes.length).toBe(0);
    expect(db.queries.length).toBe(0);
  });

  it("errors (never ends cleanly) when the database fails mid-export", async () => {
    const db = fakeDatabase(1000);
    db.failAt(3);
    const errors: unknown[] = [];
    const reader = csvByteStream(source(db), { onError: (error) => errors.push(error) }).getReader();
    let received = "";
    const decoder = new TextDecoder();
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return "ended";
          received += decoder.decode(value);
        }
      })(),
    ).rejects.toThrow(/connection terminated/);
    expect(received.startsWith("header\r\np000000#0\n")).toBe(true);
    expect(errors).toHaveLength(1);
  });
});
