import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

/**
 * Resource use of a process and its descendants, read from /proc by another process (Linux).
 * Hand-written because the libraries for this (pidusage and the like) watch one pid, not a tree
 * (a runner such as gramine-sgx may start the measured program as a child), and do not read the
 * kernel's peak-RSS accounting (VmHWM).
 */
export interface TreeUsage {
  pids: number[];
  /** utime + stime of every live process in the tree, and of the children they reaped, in ms. */
  cpuMs: number;
  /** Sum of current RSS. */
  rssKiB: number;
  /** Sum of each process's kernel-recorded peak RSS (exact for one process, an upper bound for several). */
  hwmKiB: number;
}

let ticksPerSecond: number | undefined;

/** The kernel's clock tick for /proc/<pid>/stat times (USER_HZ, 100 on Linux unless rebuilt). */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export function procAvailable(): boolean {
  try {
    readFileSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
}

function statFields(pid: number): string[] | undefined {
  try {
    // The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

function children(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
      if (text) out.push(...text.split(" ").map(Number));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/** `pid` and its descendants that are alive now. */
export function processTree(pid: number): number[] {
  const seen: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    if (seen.includes(p)) continue;
    seen.push(p);
    queue.push(...children(p));
  }
  return seen;
}

function statusKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** One reading of the tree rooted at `pid`; undefined once the root is gone. */
export function readTree(pid: number): TreeUsage | undefined {
  if (!statFields(pid)) return undefined;
  const pids = processTree(pid);
  const hz = clockTicks();
  let cpuMs = 0;
  let rssKiB = 0;
  let hwmKiB = 0;
  for (const p of pids) {
    const f = statFields(p);
    // Fields 14-17 of stat(5) (utime, stime, cutime, cstime) are at 11-14 once the first two are cut.
    if (f) cpuMs += ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / hz;
    rssKiB += statusKiB(p, "VmRSS");
    hwmKiB += statusKiB(p, "VmHWM");
  }
  return { pids, cpuMs, rssKiB, hwmKiB };
}
