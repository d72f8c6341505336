import { readdirSync, readFileSync } from "node:fs";

/**
 * The app's process tree, read from /proc: scripts/start.ts spawns the server (scripts/server.ts,
 * titled cairn-server; `next start` used to be titled next-server). Killing only the parent would leave the server running.
 */

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may contain spaces and parentheses: the fields after its last ")" are fixed.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[1]);
  } catch {
    return null;
  }
}

export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const parent = parentOf(pid);
    if (parent === null) continue;
    children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
}

/** Resident memory of a process in KiB (VmRSS), or null once it is gone. */
export function rssKiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** The process that serves HTTP: the descendant titled cairn-server (npm start) or next-server. */
export function nextServerPid(root: number): number {
  const pid = descendants(root).find((p) => /^(cairn|next)-server/.test(commandLine(p)));
  if (pid === undefined) {
    const tree = [root, ...descendants(root)].map((p) => `${p}: ${commandLine(p)}`).join("\n");
    throw new Error(`no cairn-server process under ${root}:\n${tree}`);
  }
  return pid;
}

/** SIGKILLs a process and all its descendants at once, as a machine losing power would. */
export function killTree(root: number): number[] {
  const pids = [root, ...descendants(root)];
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return pids;
}

export async function waitUntilGone(pids: number[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        // A zombie still answers signal 0; its state in /proc says it is dead.
        return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
      } catch {
        return false;
      }
    });
    if (alive.length === 0) return;
    if (Date.now() > deadline) throw new Error(`processes still alive: ${alive.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
