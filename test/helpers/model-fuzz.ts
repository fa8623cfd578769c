import { fork } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { modelMutants } from "./model-mutants.js";

/**
 * The model fuzzer's driver: mutants of small models go through `msplit inspect`, `split` and `run`,
 * in worker processes that call the command line in-process (src/cli/program.ts, the code main.ts
 * runs), so hundreds of mutants take seconds rather than a process start each. What a worker
 * cannot report itself is seen from here: a signal (a native crash), a hang (no progress within the
 * timeout), anything written to stderr by native code.
 */
export interface FuzzModel {
  name: string;
  path: string;
  /** A .npy input for `msplit run`. */
  input: string;
}

export interface FuzzOptions {
  models: FuzzModel[];
  /** Mutants per model. */
  count: number;
  seed: number;
  /** A scratch directory (mutants, outputs). */
  dir: string;
  workers?: number;
  /** No progress for this long is a hang. */
  timeoutMs?: number;
}

export interface CommandOutcome {
  command: string;
  exitCode: number;
  /** Lines msplit printed on stderr that start with `msplit:` (on failure there must be exactly one). */
  errorLines: string[];
  /** Outputs that exist after the command ended. */
  outputsLeft: string[];
}

export interface Finding {
  mutant: string;
  how: string;
  problem: string;
}

export interface FuzzReport {
  mutants: number;
  commands: number;
  /** How many commands ended with each code (`ok` for success). */
  outcomes: Record<string, number>;
  findings: Finding[];
  /** Each mutant's file and what its commands did, in order of completion. */
  runs: { mutant: string; outcomes: CommandOutcome[] }[];
}

export interface WorkerJob {
  dir: string;
  mutants: { file: string; input: string }[];
}

export interface WorkerMessage {
  index: number;
  outcomes: CommandOutcome[];
}

const WORKER = fileURLToPath(new URL("./model-fuzz-worker.ts", import.meta.url));
// eslint-disable-next-line no-control-regex -- the point: control characters must not be in the line
const ERROR_LINE = /^msplit: (ERR_[A-Z0-9_]+)(: [^\n\r\u0000-\u001f\u007f-\u009f]*)?$/;

export async function fuzzModels(options: FuzzOptions): Promise<FuzzReport> {
  mkdirSync(options.dir, { recursive: true });
  const hows: string[] = [];
  const job: WorkerJob = { dir: options.dir, mutants: [] };
  for (const model of options.models) {
    let n = 0;
    for (const m of modelMutants(readFileSync(model.path), options.count, options.seed)) {
      const file = join(options.dir, `${model.name}-${String(n++).padStart(5, "0")}.onnx`);
      writeFileSync(file, m.bytes);
      job.mutants.push({ file, input: model.input });
      hows.push(`${model.name}: ${m.how}`);
    }
  }
  const jobFile = join(options.dir, "job.json");
  writeFileSync(jobFile, JSON.stringify(job));

  const report: FuzzReport = { mutants: job.mutants.length, commands: 0, outcomes: {}, findings: [], runs: [] };
  const find = (index: number, problem: string) => report.findings.push({ mutant: job.mutants[index]?.file ?? "?", how: hows[index] ?? "?", problem });
  const record = (msg: WorkerMessage) => {
    report.runs.push({ mutant: job.mutants[msg.index]!.file, outcomes: msg.outcomes });
    for (const o of msg.outcomes) {
      report.commands++;
      const where = `${o.command}: `;
      if (![0, 1, 2].includes(o.exitCode)) find(msg.index, `${where}exit code ${o.exitCode}`);
      if (o.exitCode === 0) {
        report.outcomes.ok = (report.outcomes.ok ?? 0) + 1;
        if (o.errorLines.length) find(msg.index, `${where}succeeded but printed ${o.errorLines[0]}`);
        continue;
      }
      if (o.outputsLeft.length) find(msg.index, `${where}failed and left ${o.outputsLeft.join(", ")}`);
      if (o.errorLines.length !== 1) {
        find(msg.index, `${where}failed with ${o.errorLines.length} msplit: lines`);
        continue;
      }
      const code = ERROR_LINE.exec(o.errorLines[0]!)?.[1];
      if (!code) find(msg.index, `${where}error line not one clean line: ${JSON.stringify(o.errorLines[0]!.slice(0, 200))}`);
      else {
        report.outcomes[code] = (report.outcomes[code] ?? 0) + 1;
        if (code === "ERR_INTERNAL") find(msg.index, `${where}${o.errorLines[0]!.slice(0, 300)}`);
      }
    }
  };

  const workers = Math.max(1, options.workers ?? 2);
  const per = Math.ceil(job.mutants.length / workers);
  await Promise.all(
    Array.from({ length: workers }, (_, w) => runRange(jobFile, join(options.dir, `current-${w}`), w * per, Math.min(job.mutants.length, (w + 1) * per), options.timeoutMs ?? 60_000, record, find)),
  );
  return report;
}

/** Runs mutants [start, end) in a worker; after a crash or a hang, a new worker goes on after the culprit. */
async function runRange(
  jobFile: string,
  currentFile: string,
  start: number,
  end: number,
  timeoutMs: number,
  record: (msg: WorkerMessage) => void,
  find: (index: number, problem: string) => void,
): Promise<void> {
  let next = start;
  while (next < end) {
    const { done, problem } = await runWorker(jobFile, currentFile, next, end, timeoutMs, record);
    if (problem === undefined) return;
    const culprit = Number(readFileSync(currentFile, "utf8"));
    find(culprit, problem);
    next = Math.max(done, culprit + 1);
  }
}

function runWorker(
  jobFile: string,
  currentFile: string,
  start: number,
  end: number,
  timeoutMs: number,
  record: (msg: WorkerMessage) => void,
): Promise<{ done: number; problem?: string }> {
  writeFileSync(currentFile, String(start));
  return new Promise((resolve) => {
    let done = start;
    let stderr = "";
    const child = fork(WORKER, [jobFile, currentFile, String(start), String(end)], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      env: { ...process.env, MSPLIT_ENCLAVE: undefined },
    });
    let timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    let hung = false;
    const resetTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        hung = true;
        child.kill("SIGKILL");
      }, timeoutMs);
    };
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("message", (msg: WorkerMessage) => {
      resetTimer();
      done = msg.index + 1;
      record(msg);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (stderr.trim() !== "") return resolve({ done, problem: `native code wrote to stderr: ${JSON.stringify(stderr.slice(0, 300))}` });
      if (hung) return resolve({ done, problem: `no progress for ${timeoutMs} ms (hang)` });
      if (signal) return resolve({ done, problem: `killed by ${signal}` });
      if (code !== 0) return resolve({ done, problem: `worker exited with ${code}` });
      resolve({ done });
    });
  });
}
