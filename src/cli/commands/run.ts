import type { Command } from "commander";
import { openPipeline } from "../../runtime/load.js";
import { parseNamed, readFeeds, writeOutputs } from "../../runtime/feeds.js";
import { info } from "../output.js";
import { checkOutput, type ForceFlags, forceOption, type SessionFlags, sessionOptions, sessionSettings } from "../options.js";

export function register(program: Command): void {
  const cmd = program
    .command("run")
    .description("run a model, parts directory or bundle on .npy inputs (any dtype numpy and onnxruntime share) and write every output as .npy")
    .argument("<model>", "ONNX model file, directory of parts, or sealed bundle (with --key)")
    .requiredOption("--input <name=file.npy>", "an input (repeatable, one per model input; `--input file.npy` for a one-input model)", (v: string, p: string[]) => [...p, v], [])
    .requiredOption("--output <path>", "a .npy file when the model has one output; otherwise a new directory of <output name>.npy files")
    .addOption(forceOption());
  for (const o of sessionOptions()) cmd.addOption(o);
  cmd.action(async (path: string, opts: SessionFlags & ForceFlags & { input: string[]; output: string }) => {
    await checkOutput(opts.output, opts);
    const pipeline = await openPipeline(path, sessionSettings(opts));
    try {
      const inputs = pipeline.inputNames.map((name) => ({ name, type: pipeline.layout.types.get(name) }));
      const feeds = await readFeeds(inputs, parseNamed(opts.input, pipeline.inputNames, "--input"));
      const out = await pipeline.run(feeds);
      const files = await writeOutputs(opts.output, out, pipeline.outputNames, { overwrite: opts.force });
      for (const [name, file] of files) info(`wrote ${file}: ${name} ${out[name]!.type}[${out[name]!.dims.join(", ")}]`);
      info(`(${pipeline.partCount} part(s), ${pipeline.mode})`);
    } finally {
      await pipeline.release();
    }
  });
}
