import WebSocket from "ws";

/**
 * The app server's live heap, read through Node's inspector: SIGUSR1 opens it (on the port the
 * test gave the process through NODE_OPTIONS=--inspect-port), a full garbage collection runs, and
 * process.memoryUsage() is read. What is still reachable after a full GC is what a leak would
 * grow; RSS also counts pages the allocator keeps after a burst of 1 MiB bodies, which varies
 * run to run by hundreds of MiB and cannot tell a leak from a high-water mark.
 */

export interface LiveMemory {
  /** JS objects still reachable after a full GC. */
  heapUsedBytes: number;
  /** Memory outside the JS heap held by JS objects (Buffers, ArrayBuffers), after the same GC. */
  externalBytes: number;
  rssBytes: number;
}

export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string } };
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
  }

  /** Opens the inspector of `pid` (started with --inspect-port=`port`) and connects to it. */
  static async attach(pid: number, port: number, timeoutMs = 10_000): Promise<Inspector> {
    process.kill(pid, "SIGUSR1");
    const deadline = Date.now() + timeoutMs;
    let url: string | undefined;
    while (!url) {
      try {
        const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
        url = targets[0]?.webSocketDebuggerUrl;
      } catch {
        // not listening yet
      }
      if (!url) {
        if (Date.now() > deadline) throw new Error(`the inspector of process ${pid} did not open on port ${port}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    return new Inspector(socket);
  }

  private send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Heap and external memory after full collections (two: weak callbacks free more on the second). */
  async liveMemory(): Promise<LiveMemory> {
    await this.send("HeapProfiler.collectGarbage");
    await this.send("HeapProfiler.collectGarbage");
    const { result } = await this.send<{ result: { value: string } }>("Runtime.evaluate", {
      expression: "JSON.stringify(process.memoryUsage())",
      returnByValue: true,
    });
    const usage = JSON.parse(result.value) as { heapUsed: number; external: number; rss: number };
    return { heapUsedBytes: usage.heapUsed, externalBytes: usage.external, rssBytes: usage.rss };
  }

  close(): void {
    this.socket.close();
  }
}
