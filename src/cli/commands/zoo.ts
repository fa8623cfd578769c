import type { Command } from "commander";
import { saveModel } from "../../onnx/codec.js";
import { buildZoo, zooNames } from "../../zoo/index.js";
import { info } from "../output.js";
import { parseIntArg } from "../options.js";

export function register(program: Command): void {
  program
    .command("zoo")
    .description(`build a zoo architecture as ONNX, with random weights from a seed (${zooNames().join(", ")})`)
    .argument("<name>", "architecture name")
    .option("--seed <n>", "seed for the random weights", parseIntArg(0, 2 ** 32 - 1), 0)
    .requiredOption("-o, --output <file>", "where to write the .onnx model")
    .action(async (name: string, opts: { seed: number; output: string }) => {
      const model = buildZoo(name, opts.seed);
      await saveModel(opts.output, model);
      info(`wrote ${opts.output}: ${name}, seed ${opts.seed} (random weights, not trained)`);
    });
}
