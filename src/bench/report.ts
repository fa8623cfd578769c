import { writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { assertAbsentOrEmpty, commitStagingDir, createStagingDir, discardStagingDir } from "../util/staging.js";
import { renderChart, reportCharts } from "./charts.js";
import { toCsv } from "./csv.js";
import { probeEnergy } from "./energy.js";
import { renderHtml } from "./html.js";
import { machineInfo, type MachineInfo } from "./machine.js";
import { RAW_COLUMNS, SUMMARY_COLUMNS, type SummaryRow, summarize } from "./matrix.js";
import { PEER_MODEL, PEER_PARTS, peerStatus } from "./peer.js";
import { procAvailable } from "./proc.js";
import { type MatrixOptions, runMatrix } from "./run-matrix.js";
import { markdownTable, peerComparison, summaryTable, type Table, wholeVsSplit } from "./tables.js";

export interface ReportOptions extends Omit<MatrixOptions, "energy" | "jobs"> {
  /** Children at once, or `auto` (default): see autoJobs. */
  jobs?: number | "auto";
  outDir: string;
  /** The command line that made the report, as the report prints it. */
  command: string;
}

export interface ReportResult {
  outDir: string;
  summary: SummaryRow[];
  tables: Table[];
  notes: string[];
  machine: MachineInfo;
  files: string[];
}

const METHOD = [
  "Each configuration x repetition runs in a fresh child process (`msplit bench measure`), so its memory figures are its own; rounds rotate the order of configurations so that drifts in machine load hit all alike.",
  "Phases use the monotonic clock (performance.now). Start-up: spawn to the start of loading (process, runtime, modules; a runner's own start-up, such as enclave creation, counts here). Overhead: read + decrypt + session creation. First inference and warm inference (median and p95 over the warm runs of every repetition, pooled: up to --warm-runs per process, stopping after --warm-ms once there are 3; a streamed process runs one, since each streamed run re-opens every part) are separate. Cold: spawn to the end of the first inference. Wall: spawn to the result.",
  "Inputs are seeded pseudo-random tensors shaped by the model's input signature (symbolic dims from --shape); one intra-op thread unless --threads says otherwise.",
  "CPU and memory are sampled from outside the measured process, from /proc/<pid>/stat and /status of its process tree every --sample-ms (100 % = one core); onnxruntime's run() blocks the child's event loop, so it could not sample itself. Peak RSS is the kernel's VmHWM of the still-live child, read after its result and before it may exit.",
  "Energy is the CPU package's RAPL counter (powercap energy_uj) across the child, which counts every process on the package; where it cannot be read the columns say n/a. Mean power = energy / wall time.",
  "Preparation (split, write plain parts, seal the same parts) happens before the rounds and is not measured. Zoo models have seeded random weights: timings do not depend on weight values.",
];

/**
 * How many children `--jobs auto` runs at once: one where RAPL can be read, because its counter is
 * package-wide and energy is one of the report's figures; else one per `threads` cores, at most two
 * (the full default matrix, 840 children, takes about twice as long one at a time: docs/benchmarks.md).
 */
export function autoJobs(energyReadable: boolean, cores: number, threads: number): { jobs: number; why: string } {
  if (energyReadable) return { jobs: 1, why: "--jobs auto: RAPL is readable, and its counter cannot tell two children apart" };
  const jobs = Math.max(1, Math.min(2, Math.floor(cores / Math.max(1, threads))));
  return { jobs, why: `--jobs auto: no energy counter to keep to one child, ${cores} core${cores === 1 ? "" : "s"}, ${threads} thread${threads === 1 ? "" : "s"} per child` };
}

/**
 * `msplit bench report`: runs the experiment matrix and writes raw.csv, summary.csv, samples.csv,
 * charts (SVG and PNG), report.md and a self-contained report.html into one new directory.
 */
export async function benchReport(o: ReportOptions): Promise<ReportResult> {
  if (!procAvailable()) throw new UsageError("bench report samples processes through /proc: it runs on Linux only");
  if (o.models.length === 0 || o.parts.length === 0 || o.modes.length === 0) throw new UsageError("the matrix is empty: give at least one model, part count and mode");
  await assertAbsentOrEmpty(o.outDir);
  const machine = machineInfo(o.command);
  const notes: string[] = [];
  const note = (m: string) => {
    notes.push(m);
    o.onNote?.(m);
  };
  notes.push(o.runner ? `Environments: native and "${o.runner}" (${o.runnerLabel ?? o.runner.split(/\s+/)[0]}), interleaved in the same rounds.` : "Native runs only: no --runner was given, so there is no enclave comparison in this report.");
  const probed = probeEnergy();
  const { jobs, why } = o.jobs === undefined || o.jobs === "auto" ? autoJobs(probed.available, availableParallelism(), o.threads) : { jobs: Math.max(1, o.jobs), why: `--jobs ${o.jobs}` };
  // A package-wide counter cannot tell two children running at once apart.
  const energy = jobs > 1 && probed.available ? { available: false, reason: `${jobs} children ran at once (${why}) and RAPL counts the whole package`, zones: [] } : probed;
  notes.push(energy.available ? `Energy from RAPL: ${energy.zones.map((z) => z.name).join(", ")} (package-wide: other processes on the package count too).` : `Energy and power: n/a. ${energy.reason}. Nothing is estimated in their place.`);
  if (jobs > 1)
    notes.push(`${jobs} children ran at once (${why}): they competed for memory bandwidth and caches, so times and CPU figures are those of a busier machine (docs/benchmarks.md measures how much); memory figures are each process's own. --jobs 1 measures one child at a time.`);
  else notes.push(`One child ran at a time (${why}).`);
  let peer = o.peer;
  if (peer) {
    const status = peerStatus();
    const inMatrix = o.models.some((m) => m.source === "zoo" && m.name === PEER_MODEL) && o.parts.includes(PEER_PARTS);
    if (!status.ok) notes.push(`Peer skipped: ${status.detail}.`);
    else if (!inMatrix) notes.push(`Peer skipped: it runs ${PEER_MODEL} with ${PEER_PARTS} pieces, which this matrix does not include.`);
    else notes.push(`Peer: the original's method (scripts/peer/original.py) with ${status.detail}, AlexNet in 12 pieces, in the same rounds.`);
    peer = status.ok && inMatrix;
  } else notes.push("Peer not requested (--peer runs the original's method, AlexNet in 12 pieces, beside msplit).");

  const matrix = await runMatrix({ ...o, jobs, peer, energy, onNote: note });
  machine.load_end = loadavg().map((l) => Math.round(l * 100) / 100);
  const loads = matrix.rows.map((r) => r.load1);
  notes.push(`Machine load (1-minute average) while children started: ${Math.min(...loads)} to ${Math.max(...loads)} on ${machine.cores} cores; at start ${machine.load_start[0]}, at end ${machine.load_end[0]}. Above ~${Math.max(1, machine.cores - 1)} other work competed with the measured processes.`);

  const summary = summarize(matrix.rows);
  const tables = [wholeVsSplit(summary), peerComparison(summary), summaryTable(summary)].filter((t): t is Table => t !== undefined);
  const charts = [];
  for (const c of reportCharts(summary, matrix.series)) charts.push(await renderChart(c));

  const tmp = await createStagingDir(o.outDir, 0o755);
  const files: string[] = [];
  const put = async (name: string, data: string | Buffer) => {
    await writeFile(join(tmp, name), data);
    files.push(name);
  };
  try {
    await put("raw.csv", toCsv(matrix.rows, RAW_COLUMNS));
    await put("summary.csv", toCsv(summary, SUMMARY_COLUMNS));
    const samples = matrix.series.flatMap((s) => s.samples.map((p) => ({ model: s.model, parts: s.parts, mode: s.mode, env: s.env, t_ms: Math.round(p.t), cpu_pct: Math.round(p.cpuPct * 10) / 10, rss_kb: p.rssKiB })));
    await put("samples.csv", toCsv(samples, ["model", "parts", "mode", "env", "t_ms", "cpu_pct", "rss_kb"]));
    for (const c of charts) {
      await put(`${c.name}.svg`, c.svg);
      await put(`${c.name}.png`, c.png);
    }
    const md = ["# msplit benchmark report", "", `${machine.date}: \`${machine.command}\``, "", ...notes.map((n) => `- ${n}`), "", ...tables.map((t) => `${markdownTable(t)}\n`)].join("\n");
    await put("report.md", md);
    await put("report.html", renderHtml({ machine, notes, tables, charts, method: METHOD }));
    await commitStagingDir(tmp, o.outDir);
  } catch (e) {
    await discardStagingDir(tmp);
    throw e;
  }
  return { outDir: o.outDir, summary, tables, notes, machine, files };
}
