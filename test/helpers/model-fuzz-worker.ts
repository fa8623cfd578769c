import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createProgram, describeFailure } from "../../src/cli/program.js";
import type { CommandOutcome, WorkerJob, WorkerMessage } from "./model-fuzz.js";

/**
 * One fuzz worker (model-fuzz.ts): runs `inspect`, `split` and `run` on mutants [start, end) through
 * the command line's own code, in this process. Before each mutant its index goes to a file, so a
 * driver that sees this process die knows which mutant did it.
 */
const [jobFile, currentFile, startText, endText] = process.argv.slice(2) as [string, string, string, string];
const job = JSON.parse(readFileSync(jobFile, "utf8")) as WorkerJob;

// What msplit writes to stderr from JavaScript is captured here; native code writes to fd 2 directly,
// which the driver reads.
let captured = "";
process.stderr.write = (chunk: string | Uint8Array) => {
  captured += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
  return true;
};
process.stdout.write = () => true;

async function runCommand(args: string[], outputs: string[]): Promise<CommandOutcome> {
  captured = "";
  let exitCode = 0;
  try {
    await (await createProgram(args)).parseAsync(["node", "msplit", ...args]);
  } catch (e) {
    const failure = describeFailure(e);
    exitCode = failure.exitCode;
    captured += failure.lines.map((l) => `${l}\n`).join("");
  }
  const outcome: CommandOutcome = {
    command: args[0]!,
    exitCode,
    errorLines: captured.split("\n").filter((l) => l.startsWith("msplit:")),
    outputsLeft: outputs.filter((p) => existsSync(p)),
  };
  for (const p of outputs) rmSync(p, { recursive: true, force: true });
  return outcome;
}

function send(msg: WorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(msg, (e: Error | null) => (e ? reject(e) : resolve())));
}

for (let index = Number(startText); index < Number(endText); index++) {
  writeFileSync(currentFile, String(index));
  const { file, input } = job.mutants[index]!;
  const parts = join(job.dir, `parts-${index}`);
  const out = join(job.dir, `out-${index}.npy`);
  const outcomes = [
    await runCommand(["inspect", file, "--json"], []),
    await runCommand(["split", file, "--parts", "3", "-o", parts], [parts]),
    await runCommand(["run", file, "--input", input, "--output", out], [out]),
  ];
  // A run that succeeded must have written its output: check, then the outputs were removed above.
  if (outcomes[2]!.exitCode === 0 && outcomes[2]!.outputsLeft.length === 0) outcomes[2]!.exitCode = -1;
  await send({ index, outcomes });
}
process.exit(0);
