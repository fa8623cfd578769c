import { spawn } from "node:child_process";
import { MsplitError } from "../errors.js";
import { type EnergyProbe, joulesBetween, readEnergy } from "./energy.js";
import { readTree } from "./proc.js";

/** A benchmark child failed, hung, or printed no result. */
export class BenchChildFailed extends MsplitError {
  static override code = "ERR_BENCH_CHILD" as const;
}

/** The line a measuring child prints its JSON result on (other output, e.g. a runner's logs, is ignored). */
export const RESULT_MARK = "msplit-bench-result ";

export interface ChildCommand {
  file: string;
  args: string[];
  env?: Record<string, string>;
}

export interface ChildOptions {
  sampleMs: number;
  energy: EnergyProbe;
  /**
   * The child waits after its result line until its stdin closes (`bench measure --hold`), so the
   * kernel's peak RSS of the still-live process can be read. Without it, the peak is the sampled one.
   */
  hold: boolean;
  timeoutMs: number;
  /** Picks the result out of one stdout line (default: the line that starts with RESULT_MARK). */
  resultLine?: (line: string) => string | undefined;
}

const markedLine = (line: string) => (line.startsWith(RESULT_MARK) ? line.slice(RESULT_MARK.length) : undefined);

export interface Sample {
  /** ms since spawn. */
  t: number;
  cpuPct: number;
  rssKiB: number;
}

export interface ChildRun {
  /** The parsed result line. */
  result: unknown;
  /** Spawn to result line, monotonic clock. */
  wallMs: number;
  samples: Sample[];
  cpuMs: number;
  meanCpuPct: number;
  peakCpuPct: number;
  meanRssKiB: number;
  peakRssSampledKiB: number;
  /** The kernel's peak RSS (VmHWM) read before the child exited; undefined without `hold`. */
  hwmKiB?: number;
  energyJ?: number;
}

/**
 * Runs one benchmark child and watches it from outside: CPU time and RSS of its process tree
 * from /proc every `sampleMs` (this process's event loop stays free: the child does the work),
 * package energy around it when RAPL is readable.
 */
export function runChild(cmd: ChildCommand, options: ChildOptions): Promise<ChildRun> {
  const energy0 = options.energy.available ? readEnergy(options.energy) : undefined;
  const t0 = performance.now();
  const child = spawn(cmd.file, cmd.args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...cmd.env } });
  if (!options.hold) child.stdin.end();
  const samples: Sample[] = [];
  let last = { t: 0, cpuMs: 0 };
  let peakRss = 0;
  let final: { t: number; cpuMs: number; hwmKiB?: number; energyJ?: number } | undefined;
  let result: unknown;
  let stdout = "";
  let stderr = "";

  const sample = () => {
    const u = child.pid === undefined ? undefined : readTree(child.pid);
    if (!u) return undefined;
    const t = performance.now() - t0;
    if (t > last.t) samples.push({ t, cpuPct: ((u.cpuMs - last.cpuMs) / (t - last.t)) * 100, rssKiB: u.rssKiB });
    last = { t, cpuMs: u.cpuMs };
    peakRss = Math.max(peakRss, u.rssKiB);
    return u;
  };
  const timer = setInterval(sample, options.sampleMs);
  const finish = () => {
    if (final) return;
    const u = sample();
    final = {
      t: performance.now() - t0,
      cpuMs: u?.cpuMs ?? last.cpuMs,
      hwmKiB: options.hold ? u?.hwmKiB : undefined,
      energyJ: energy0 ? joulesBetween(options.energy, energy0, readEnergy(options.energy)) : undefined,
    };
    clearInterval(timer);
    child.stdin?.end();
  };

  return new Promise<ChildRun>((resolve, reject) => {
    const deadline = setTimeout(() => {
      child.kill("SIGKILL");
      fail(`timed out after ${options.timeoutMs / 1000} s`);
    }, options.timeoutMs);
    const fail = (why: string) => {
      clearInterval(timer);
      clearTimeout(deadline);
      const tail = stderr.trim().split("\n").slice(-3).join(" | ");
      reject(new BenchChildFailed(`${[cmd.file, ...cmd.args].join(" ")}: ${why}${tail ? `: ${tail}` : ""}`));
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      if (result !== undefined) return;
      const pick = options.resultLine ?? markedLine;
      const line = stdout.split("\n").slice(0, -1).map(pick).find((l) => l !== undefined);
      if (line === undefined) return;
      try {
        result = JSON.parse(line);
      } catch {
        result = null;
      }
      finish();
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-8192);
    });
    child.on("error", (e) => fail(e.message));
    child.on("close", (code, signal) => {
      clearTimeout(deadline);
      finish();
      if (code !== 0) return fail(signal ? `killed by ${signal}` : `exit status ${code}`);
      if (result === undefined || result === null) return fail("no result line");
      const f = final!;
      const rss = samples.map((s) => s.rssKiB);
      resolve({
        result,
        wallMs: f.t,
        samples,
        cpuMs: f.cpuMs,
        meanCpuPct: f.t > 0 ? (f.cpuMs / f.t) * 100 : 0,
        peakCpuPct: Math.max(0, ...samples.map((s) => s.cpuPct)),
        meanRssKiB: rss.length ? rss.reduce((a, b) => a + b, 0) / rss.length : 0,
        peakRssSampledKiB: peakRss,
        hwmKiB: f.hwmKiB,
        energyJ: f.energyJ,
      });
    });
  });
}
