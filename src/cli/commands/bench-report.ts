import { type Command, Option } from "commander";
import { parseShapeFlag } from "../../bench/inputs.js";
import { BENCH_MODES, type BenchMode, DEFAULT_PART_COUNTS } from "../../bench/matrix.js";
import { type BenchModel, fileModel, zooModel } from "../../bench/prepare.js";
import { UsageError } from "../../errors.js";
import { isZooName, zooNames } from "../../zoo/index.js";
import { info, printJson } from "../output.js";
import { parseIntArg } from "../options.js";
import { etaProgress } from "../progress.js";

/** `--quick`: a matrix small enough for CI (one small model, two part counts, one repetition). */
const QUICK = { models: "squeezenet1_1", parts: "1,2", reps: 1, warmRuns: 3 };

function list(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function parseJobs(value: string): number | "auto" {
  return value.trim() === "auto" ? "auto" : parseIntArg(1, 64)(value);
}

function partCounts(text: string): number[] {
  const counts = list(text).map((p) => {
    if (!/^\d+$/.test(p) || Number(p) < 1) throw new UsageError(`--parts: expected positive integers, got '${p}'`);
    return Number(p);
  });
  if (counts.length === 0) throw new UsageError("--parts: no part count given");
  return counts;
}

interface ReportFlags {
  output: string;
  models: string;
  model: string[];
  parts: string;
  modes: string;
  reps: number;
  jobs: number | "auto";
  warmRuns: number;
  warmMs: number;
  sampleMs: number;
  threads: number;
  runner?: string;
  runnerLabel?: string;
  peer?: boolean;
  shape: string[];
  pipeline?: "resident" | "chained";
  partFormat?: "onnx" | "ort";
  workDir?: string;
  timeout: number;
  quick?: boolean;
  json?: boolean;
}

export function register(bench: Command): void {
  const cmd = bench
    .command("report")
    .description("the experiment matrix (models x part counts x modes x repetitions, each in a fresh process): CSV, charts and report.html in one new directory")
    .requiredOption("-o, --output <dir>", "directory for raw.csv, summary.csv, samples.csv, charts (.svg, .png), report.md and report.html (must not exist or be empty)")
    .option("--models <names>", `zoo models, comma-separated, or "none" (default: all eight: ${zooNames().join(",")})`, zooNames().join(","))
    .option("--model <file.onnx>", "add an ONNX model file to the matrix (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--parts <list>", "part counts", DEFAULT_PART_COUNTS.join(","))
    .option("--modes <list>", `modes: ${BENCH_MODES.join(", ")}`, BENCH_MODES.join(","))
    .option("--reps <n>", "repetitions of every configuration, each in a fresh process", parseIntArg(1), 5)
    .option("--jobs <n>", "children run at once, or auto: 1 where RAPL energy can be read (its counter is package-wide), else up to 2 on 2+ cores; more finish sooner but share memory bandwidth, and energy is then n/a", parseJobs, "auto" as const)
    .option("--warm-runs <n>", "warm runs per process, at most (1 when streaming: each streamed run re-opens every part)", parseIntArg(1), 10)
    .option("--warm-ms <ms>", "a process stops its warm runs after this much time once it has 3 (the summary pools every repetition's warm runs)", parseIntArg(0), 500)
    .option("--sample-ms <ms>", "CPU and memory sampling period", parseIntArg(10, 10_000), 100)
    .option("--threads <n>", "intra-op threads of every session", parseIntArg(1, 256), 1)
    .option("--runner <command>", 'also run every configuration under this command, which stands for `msplit` (e.g. "gramine-sgx ./msplit"); {msplit} inside it expands to this msplit (e.g. "taskset -c 1 {msplit}")')
    .option("--runner-label <name>", "the runner's name in tables and charts (default: its first word)")
    .option("--peer", "also run the original's method (scripts/peer/original.py: PyTorch, AlexNet in 12 pieces) in the same rounds")
    .option("--shape <name=d0,d1,...>", "concrete shape of a model input with symbolic dims (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .addOption(new Option("--pipeline <mode>", "run plain and sealed parts in this pipeline mode instead of msplit's default").choices(["resident", "chained"]))
    .addOption(new Option("--part-format <format>", "format of the sealed parts (default: msplit's)").choices(["onnx", "ort"]))
    .option("--work-dir <dir>", "where the parts and bundles are made while the matrix runs (default: the system's temporary directory)")
    .option("--timeout <s>", "a child that runs longer fails the report", parseIntArg(1), 600)
    .option("--quick", `a small matrix for CI: --models ${QUICK.models} --parts ${QUICK.parts} --reps ${QUICK.reps} --warm-runs ${QUICK.warmRuns} (flags given explicitly still win)`)
    .option("--json", "print the summary rows as JSON on stdout instead of tables");
  cmd.action(async (opts: ReportFlags) => {
    const given = (name: string) => cmd.getOptionValueSource(name) === "cli";
    if (opts.quick) {
      if (!given("models")) opts.models = opts.model.length > 0 ? "none" : QUICK.models;
      if (!given("parts")) opts.parts = QUICK.parts;
      if (!given("reps")) opts.reps = QUICK.reps;
      if (!given("warmRuns")) opts.warmRuns = QUICK.warmRuns;
    }
    const models: BenchModel[] = [];
    if (opts.models !== "none") {
      for (const name of list(opts.models)) {
        if (!isZooName(name)) throw new UsageError(`--models: unknown zoo model '${name}'; known: ${zooNames().join(", ")} (ONNX files go with --model)`);
        models.push(zooModel(name));
      }
    }
    models.push(...opts.model.map(fileModel));
    const modes = list(opts.modes);
    for (const m of modes) if (!(BENCH_MODES as readonly string[]).includes(m)) throw new UsageError(`--modes: unknown mode '${m}' (${BENCH_MODES.join(", ")})`);
    const names = models.map((m) => m.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new UsageError(`two models are named '${twice}' in the matrix; rename one of the files`);
    // The report's renderer (vega, vega-lite) loads only here, not at every msplit start.
    const { benchReport } = await import("../../bench/report.js");
    const { markdownTable } = await import("../../bench/tables.js");
    const bar = etaProgress("bench");
    let result;
    try {
      result = await benchReport({
        models,
        parts: [...new Set(partCounts(opts.parts))].sort((a, b) => a - b),
        modes: modes as BenchMode[],
        repetitions: opts.reps,
        jobs: opts.jobs,
        warmRuns: opts.warmRuns,
        warmBudgetMs: opts.warmMs,
        sampleMs: opts.sampleMs,
        threads: opts.threads,
        runner: opts.runner,
        runnerLabel: opts.runnerLabel,
        peer: opts.peer ?? false,
        shapes: new Map(opts.shape.map(parseShapeFlag)),
        pipeline: opts.pipeline,
        partFormat: opts.partFormat,
        workDir: opts.workDir,
        timeoutMs: opts.timeout * 1000,
        outDir: opts.output,
        command: ["msplit", ...process.argv.slice(2)].join(" "),
        onProgress: (p) => bar.update(p.done, p.total, p.etaSeconds, p.label),
        onNote: (m) => info(m),
      });
    } finally {
      bar.stop();
    }
    if (opts.json) return printJson(result.summary);
    for (const n of result.notes) info(`- ${n}`);
    process.stdout.write(`${result.tables.slice(0, -1).map(markdownTable).join("\n\n")}\n`);
    info(`wrote ${result.files.length} files to ${result.outDir} (open report.html)`);
  });
}
