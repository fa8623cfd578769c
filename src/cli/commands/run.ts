import type { Command } from "commander";
import { openPipeline } from "../../runtime/load.js";
import { readNpy, writeNpy } from "../../runtime/npy.js";
import { fromOrtTensor, toOrtTensor } from "../../runtime/tensors.js";
import { UsageError } from "../../errors.js";
import { info } from "../output.js";
import { type SessionFlags, sessionOptions, sessionSettings } from "../options.js";

export function register(program: Command): void {
  const cmd = program
    .command("run")
    .description("run a model or a parts directory on a .npy float32 input, write the output as .npy")
    .argument("<model>", "ONNX model file or directory of parts")
    .requiredOption("--input <file>", "input array (.npy, float32)")
    .requiredOption("--output <file>", "where to write the first model output (.npy, float32)");
  for (const o of sessionOptions()) cmd.addOption(o);
  cmd.action(async (path: string, opts: SessionFlags & { input: string; output: string }) => {
    const input = await readNpy(opts.input);
    const pipeline = await openPipeline(path, sessionSettings(opts));
    try {
      if (pipeline.inputNames.length !== 1) throw new UsageError(`the model takes ${pipeline.inputNames.length} inputs; run feeds exactly one`);
      const out = await pipeline.run({ [pipeline.inputNames[0]!]: toOrtTensor(input) });
      const first = out[pipeline.outputNames[0]!]!;
      await writeNpy(opts.output, fromOrtTensor(first));
      info(`wrote ${opts.output}: ${pipeline.outputNames[0]} [${first.dims.join(", ")}] (${pipeline.partCount} part(s), ${pipeline.mode})`);
    } finally {
      await pipeline.release();
    }
  });
}
