import type { Command } from "commander";
import { saveModel } from "../../onnx/codec.js";
import { buildZoo, importTorchWeights, isZooName, zooNames } from "../../zoo/index.js";
import { info } from "../output.js";
import { checkOutput, type ForceFlags, forceOption, parseIntArg } from "../options.js";

export function register(program: Command): void {
  program
    .command("zoo")
    .description(`build a zoo architecture as ONNX, with random weights from a seed (${zooNames().join(", ")})`)
    .argument("<name>", "architecture name")
    .option("--seed <n>", "seed for the random weights", parseIntArg(0, 2 ** 32 - 1), 0)
    .option("--weights <file>", "load PyTorch weights instead: a state dict (.pth) or whole-module file (.pt)")
    .requiredOption("-o, --output <file>", "where to write the .onnx model")
    .addOption(forceOption())
    .action(async (name: string, opts: ForceFlags & { seed: number; weights?: string; output: string }) => {
      await checkOutput(opts.output, opts);
      if (opts.weights) {
        if (!isZooName(name)) buildZoo(name); // the unknown-model error, before reading the file
        const { model, checkpoint } = await importTorchWeights(opts.weights, { arch: name });
        await saveModel(opts.output, model, { overwrite: opts.force });
        info(`wrote ${opts.output}: ${name} with weights from ${opts.weights} (${checkpoint.kind === "module" ? `whole module ${checkpoint.className}` : "state dict"})`);
        return;
      }
      const model = buildZoo(name, opts.seed);
      await saveModel(opts.output, model, { overwrite: opts.force });
      info(`wrote ${opts.output}: ${name}, seed ${opts.seed} (random weights, not trained)`);
    });
}
