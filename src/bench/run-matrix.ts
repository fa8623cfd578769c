import { rmSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { IoError, SplitInvalidParts, UsageError } from "../errors.js";
import type { PartFormat } from "../runtime/pipeline.js";
import { generateKey } from "../seal/index.js";
import { privateMemoryDir, roomIn } from "../util/memory-dir.js";
import { median, quantile, round } from "../util/stats.js";
import { BenchChildFailed, type ChildCommand, type ChildRun, type Sample, runChild } from "./child.js";
import type { EnergyProbe } from "./energy.js";
import { resolveInputs } from "./inputs.js";
import type { BenchMode, RawRow } from "./matrix.js";
import { rotate } from "./matrix.js";
import type { MeasureResult } from "./measure.js";
import { PEER_MODEL, PEER_PARTS, type PeerInfer, peerInferArgs, peerPhases, peerPython, peerSetup, type PeerWarm, peerWarmArgs } from "./peer.js";
import { startMakers } from "./makers.js";
import type { Artifacts, BenchModel } from "./prepare.js";

/**
 * The command a measuring child runs: bin/msplit, as users run msplit (node with huge pages and a
 * small young generation: README, "The command line"), on this process's node.
 */
export const BIN_PATH = fileURLToPath(new URL("../../bin/msplit", import.meta.url));
const CHILD_ENV = { PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}` };

export interface MatrixOptions {
  models: BenchModel[];
  parts: number[];
  modes: BenchMode[];
  repetitions: number;
  /**
   * Children run at once (default 1). More finish sooner on several cores, but they compete for
   * memory bandwidth and caches: times are the figures of a loaded machine, and energy is not
   * measured (the counter is package-wide).
   */
  jobs?: number;
  warmRuns: number;
  /** A child stops its warm runs after this much time once it has 3 (a streamed child runs one: each re-opens every part). */
  warmBudgetMs: number;
  sampleMs: number;
  threads: number;
  /** Runs each child under this command as well (it stands for `msplit`; `{msplit}` inside it expands to bin/msplit). */
  runner?: string;
  runnerLabel?: string;
  /** Run the original's method (AlexNet, 12 pieces) in the same rounds. */
  peer: boolean;
  shapes: Map<string, number[]>;
  /** Override msplit's default pipeline for plain and sealed parts. */
  pipeline?: "resident" | "chained";
  partFormat?: PartFormat;
  workDir?: string;
  timeoutMs: number;
  energy: EnergyProbe;
  onProgress?: (p: MatrixProgress) => void;
  onNote?: (message: string) => void;
}

export interface MatrixProgress {
  /** Done and total, in estimated seconds of work (configurations differ by orders of magnitude). */
  done: number;
  total: number;
  etaSeconds: number;
  label: string;
}

export interface MatrixResult {
  rows: RawRow[];
  /** Resource samples of the first repetition of every configuration, for the time-series chart. */
  series: { model: string; parts: number; mode: string; env: string; samples: Sample[] }[];
  notes: string[];
}

interface Config {
  model: BenchModel;
  parts: number;
  mode: BenchMode | "peer";
  env: string;
  command: ChildCommand;
  artifacts?: Artifacts;
  weight: number;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/** The command for `msplit <args>` natively or under the runner. */
function msplitCommand(args: string[], runner: string | undefined): ChildCommand {
  if (!runner) return { file: BIN_PATH, args, env: CHILD_ENV };
  const self = shellQuote(BIN_PATH);
  const prefix = runner.includes("{msplit}") ? runner.replaceAll("{msplit}", self) : runner;
  // exec: the runner takes the shell's pid, so the sampled tree is the runner's.
  return { file: "/bin/sh", args: ["-c", `exec ${prefix} "$@"`, "msplit-bench", ...args], env: CHILD_ENV };
}

function measureArgs(path: string, mode: BenchMode, inputs: string, key: string, o: MatrixOptions): string[] {
  const args = ["bench", "measure", path, "--inputs", inputs, "--warm-runs", String(o.warmRuns), "--warm-ms", String(o.warmBudgetMs), "--threads", String(o.threads), "--hold"];
  if (mode !== "plain") args.push("--key", key);
  if (mode === "sealed+stream") args.push("--mode", "stream");
  else if (o.pipeline) args.push("--mode", o.pipeline);
  return args;
}

/** Signals that end the matrix early, with their numbers (the exit status is 128 + the number). */
const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** Children (and preparation threads) at once. */
const jobsOf = (o: MatrixOptions) => Math.max(1, o.jobs ?? 1);

/** Memory a tmpfs work dir must leave to the children and everything else. */
const MEMORY_RESERVE = 4 * 2 ** 30;

/**
 * Runs the experiment matrix: for each model, every part count x mode x environment, `repetitions`
 * rounds, each configuration in a fresh child process; the order rotates from round to round so
 * that drifts in machine load hit every configuration alike.
 */
export async function runMatrix(o: MatrixOptions): Promise<MatrixResult> {
  if (o.repetitions < 1 || o.warmRuns < 1) throw new UsageError("repetitions and warm runs must be at least 1");
  const work = o.workDir ? (await mkdir(o.workDir, { recursive: true }), await mkdtemp(join(o.workDir, "msplit-bench-"))) : await mkdtemp(join(tmpdir(), "msplit-bench-"));
  // Parts and bundles go to memory (/dev/shm) where it has room: writing and syncing gigabytes to a
  // disk took a third of the preparation. A runner (an enclave) sees only what it is given: --work-dir.
  const memory = o.workDir || o.runner ? undefined : await privateMemoryDir("msplit-bench-");
  const workDirs = memory ? [memory, work] : [work];
  const notes: string[] = [];
  const note = (m: string) => {
    notes.push(m);
    o.onNote?.(m);
  };
  const rows: RawRow[] = [];
  const series: MatrixResult["series"] = [];
  const envs: [string, string | undefined][] = [["native", undefined], ...(o.runner ? [[o.runnerLabel ?? o.runner.split(/\s+/)[0]!, o.runner] as [string, string]] : [])];
  // Rough cost of a configuration in seconds, for the ETA: start-up plus weights to read and load, per repetition.
  const modelWeight = new Map<string, number>();
  let done = 0;
  let total = 0;
  const started = performance.now();
  let prepareMs = 0;
  // Interrupted (Ctrl-C, kill, a closed terminal): remove the parts and bundles, which can be
  // gigabytes, and in /dev/shm would hold memory until the next boot, before exiting.
  const onSignal = (signal: NodeJS.Signals) => {
    for (const d of workDirs) rmSync(d, { recursive: true, force: true });
    process.exit(128 + (SIGNALS[signal] ?? 15));
  };
  for (const s of Object.keys(SIGNALS) as NodeJS.Signals[]) process.once(s, onSignal);
  const progress = (label: string) => {
    const elapsed = (performance.now() - started) / 1000;
    o.onProgress?.({ done, total, etaSeconds: done > 0 ? (elapsed / done) * (total - done) : NaN, label });
  };
  try {
    const key = join(work, "bench.key");
    await generateKey(key);
    let peerDir: string | undefined;
    if (o.peer) {
      peerDir = join(work, "peer");
      peerSetup(peerDir);
    }
    for (const m of o.models) modelWeight.set(m.name, m.source === "zoo" ? ZOO_SECONDS[m.name] ?? 2 : 2);
    for (const m of o.models) total += modelWeight.get(m.name)! * o.parts.length * o.modes.length * envs.length * o.repetitions;
    progress("preparing");
    for (const model of o.models) {
      const dirName = model.name.replace(/[^\w.-]/g, "_");
      // The parent never holds the model: it stays small while children run.
      const t0 = performance.now();
      const plan0 = await prepareForModel(model, workDirs.map((d) => join(d, dirName)), key, o, note);
      prepareMs += performance.now() - t0;
      if (!plan0) continue;
      const { artifacts, inputsFile } = plan0;
      const configs: Config[] = [];
      for (const a of artifacts) {
        for (const mode of o.modes) {
          for (const [env, runner] of envs) {
            const path = mode === "plain" ? a.plainDir : a.bundleDir;
            configs.push({ model, parts: a.requested, mode, env, artifacts: a.made, command: msplitCommand(measureArgs(path, mode, inputsFile, key, o), runner), weight: modelWeight.get(model.name)! });
          }
        }
      }
      if (peerDir && model.name === PEER_MODEL && model.source === "zoo" && o.parts.includes(PEER_PARTS)) {
        configs.push({ model, parts: PEER_PARTS, mode: "peer", env: "native", command: { file: peerPython(), args: peerInferArgs(peerDir, join(work, "peer-result.txt")) }, weight: 3 });
        total += 3 * o.repetitions;
      }
      const failed = new Set<Config>();
      const queue: [Config, number][] = [];
      for (let rep = 0; rep < o.repetitions; rep++) for (const c of rotate(configs, rep)) queue.push([c, rep]);
      const runNext = async (): Promise<void> => {
        for (let item = queue.shift(); item; item = queue.shift()) {
          const [c, rep] = item;
          const what = `${c.model.name} ${c.parts} parts ${c.mode} ${c.env}`;
          progress(`${what} (rep ${rep + 1}/${o.repetitions})`);
          done += c.weight;
          if (failed.has(c)) continue;
          const load1 = loadavg()[0]!;
          try {
            rows.push(c.mode === "peer" ? await runPeer(c, rep, peerDir!, o, load1) : await runMsplit(c, rep, o, load1, series));
          } catch (e) {
            // One configuration that cannot run (e.g. plain parts, which an enclave refuses) must not sink the whole matrix.
            if (!(e instanceof BenchChildFailed)) throw e;
            failed.add(c);
            note(`${what}: failed, left out of the report: ${e.message}`);
          }
        }
      };
      await Promise.all(Array.from({ length: jobsOf(o) }, runNext));
      for (const d of workDirs) await rm(join(d, dirName), { recursive: true, force: true });
    }
    progress("done");
    if (rows.length === 0) throw new BenchChildFailed(`no configuration ran: ${notes.filter((n) => n.includes("failed")).slice(0, 3).join("; ")}`);
    const where = memory ? "in /dev/shm where it had room" : `in ${work}`;
    note(`Preparing the parts and bundles (${jobsOf(o)} thread${jobsOf(o) > 1 ? "s" : ""}, ${where}) took ${(prepareMs / 1000).toFixed(0)} s of the matrix's ${((performance.now() - started) / 1000).toFixed(0)} s; it is not part of any figure.`);
    return { rows, series, notes };
  } finally {
    for (const s of Object.keys(SIGNALS) as NodeJS.Signals[]) process.off(s, onSignal);
    for (const d of workDirs) await rm(d, { recursive: true, force: true });
  }
}

/** Seconds one zoo configuration takes here (start-up, load, 10 warm runs), relative, for the ETA only. */
const ZOO_SECONDS: Record<string, number> = { alexnet: 2, mobilenet_v3_large: 1, mobilenet_v3_small: 0.8, resnet50: 2, resnet101: 3, squeezenet1_1: 0.8, vgg16: 6, vgg19: 7 };

/**
 * Makes every part count of `model` (parts and bundles) with --jobs threads, into the first of
 * `dirs` with room for all of them (every part count stays until the model's rounds are over).
 */
async function prepareForModel(
  model: BenchModel,
  dirs: string[],
  key: string,
  o: MatrixOptions,
  note: (m: string) => void,
): Promise<{ artifacts: { requested: number; made: Artifacts; plainDir: string; bundleDir: string }[]; inputsFile: string } | undefined> {
  const makers = startMakers(jobsOf(o), { model, keyPath: key, partFormat: o.partFormat });
  const made = new Map<number, Artifacts>();
  let dir = dirs[0]!;
  const prepare = async (parts: number): Promise<void> => {
    try {
      made.set(parts, await makers.make({ parts, dir: join(dir, String(parts)) }));
    } catch (e) {
      if (!(e instanceof SplitInvalidParts)) throw e;
      note(`${model.name}: ${parts} parts skipped: ${e.message}`);
    }
  };
  try {
    // The first part count shows how large the parts are (plain + sealed, ~2x the model).
    const [first, ...rest] = o.parts;
    await mkdir(dir, { recursive: true });
    try {
      await prepare(first!);
    } catch (e) {
      // Memory without room even for one part count (a large model, a small /dev/shm): the disk.
      if (!(e instanceof IoError) || dirs.length < 2) throw e;
      dir = dirs[dirs.length - 1]!;
      await mkdir(dir, { recursive: true });
      await prepare(first!);
    }
    const bytes = made.get(first!)?.bytes;
    if (bytes !== undefined && rest.length > 0) {
      const need = bytes * 2.2 * rest.length + 2 ** 28;
      let room = 0;
      for (const d of dirs) {
        await mkdir(d, { recursive: true });
        room = await roomIn(d, MEMORY_RESERVE);
        dir = d;
        if (room >= need) break;
      }
      if (room < need) throw new IoError(`${model.name} needs about ${(need / 2 ** 30).toFixed(1)} GiB more in ${dir} (${(room / 2 ** 30).toFixed(1)} GiB free): give --work-dir on a larger disk`);
    }
    const queue = [...rest];
    const maker = async () => {
      for (let parts = queue.shift(); parts !== undefined; parts = queue.shift()) {
        try {
          await prepare(parts);
        } catch (e) {
          queue.length = 0;
          throw e;
        }
      }
    };
    // Every maker stops before an error leaves: none may still be writing when the work dir is removed.
    const settled = await Promise.allSettled(Array.from({ length: jobsOf(o) }, maker));
    for (const s of settled) if (s.status === "rejected") throw s.reason;
  } finally {
    await makers.close();
  }
  const artifacts = o.parts.flatMap((requested) => {
    const a = made.get(requested);
    return a ? [{ requested, made: a, plainDir: a.plainDir, bundleDir: a.bundleDir }] : [];
  });
  if (artifacts.length === 0) return undefined;
  const inputs = resolveInputs(artifacts[0]!.made.plan.model.inputs, o.shapes);
  const inputsFile = join(dirs[0]!, "inputs.json");
  await writeFile(inputsFile, JSON.stringify(inputs));
  return { artifacts, inputsFile };
}

function resources(run: ChildRun) {
  return {
    wall_ms: round(run.wallMs),
    cpu_ms: round(run.cpuMs),
    cpu_mean_pct: round(run.meanCpuPct, 1),
    cpu_peak_pct: round(run.peakCpuPct, 1),
    rss_mean_kb: Math.round(run.meanRssKiB),
    rss_peak_sampled_kb: run.peakRssSampledKiB,
    energy_j: run.energyJ === undefined ? undefined : round(run.energyJ),
    power_w: run.energyJ === undefined ? undefined : round(run.energyJ / (run.wallMs / 1000), 2),
    samples: run.samples.length,
  };
}

function warmStats(times: readonly number[]) {
  return { warm_median_ms: round(median(times)), warm_p95_ms: round(quantile(times, 0.95)), warm_runs: times.length, warm_all_ms: times.map((t) => round(t)) };
}

async function runMsplit(c: Config, rep: number, o: MatrixOptions, load1: number, series: MatrixResult["series"]): Promise<RawRow> {
  const run = await runChild(c.command, { sampleMs: o.sampleMs, energy: o.energy, hold: true, timeoutMs: o.timeoutMs });
  const r = run.result as MeasureResult;
  if (rep === 0) series.push({ model: c.model.name, parts: c.parts, mode: c.mode, env: c.env, samples: run.samples });
  // The child's clock starts when its runtime does; what the parent saw before that (fork, exec, a runner's start-up) is start-up too.
  const launch = Math.max(0, run.wallMs - r.end_ms);
  return {
    model: c.model.name,
    parts: c.parts,
    parts_made: r.parts,
    mode: c.mode,
    pipeline: r.mode,
    env: c.env,
    rep: rep + 1,
    startup_ms: round(launch + r.startup_ms),
    overhead_ms: round(r.overhead_ms),
    first_ms: round(r.first_ms),
    ...warmStats(r.warm_ms),
    cold_ms: round(launch + r.first_done_ms),
    ...resources(run),
    rss_peak_kb: run.hwmKiB ?? run.peakRssSampledKiB,
    load1: round(load1, 2),
  };
}

async function runPeer(c: Config, rep: number, dir: string, o: MatrixOptions, load1: number): Promise<RawRow> {
  const json = (line: string) => (line.startsWith("{") ? line : undefined);
  const cold = await runChild(c.command, { sampleMs: o.sampleMs, energy: o.energy, hold: false, timeoutMs: o.timeoutMs, resultLine: json });
  const p = cold.result as PeerInfer;
  // Warm inference in a second process (the peer's `warm` loads the pieces again, then times runs).
  const warm = await runChild({ file: peerPython(), args: peerWarmArgs(dir, o.warmRuns) }, { sampleMs: o.sampleMs, energy: o.energy, hold: false, timeoutMs: o.timeoutMs, resultLine: json });
  const w = warm.result as PeerWarm;
  return {
    model: c.model.name,
    parts: c.parts,
    parts_made: PEER_PARTS,
    mode: "peer",
    pipeline: "torch",
    env: c.env,
    rep: rep + 1,
    ...peerPhases(p),
    ...warmStats(w.times_ms),
    cold_ms: round(cold.wallMs),
    ...resources(cold),
    // The peer exits right after its result: its own ru_maxrss (the kernel's accounting) is the peak.
    rss_peak_kb: Math.max(p.maxrss_kib, cold.peakRssSampledKiB),
    load1: round(load1, 2),
  };
}
