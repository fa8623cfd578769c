import { Option, type Command } from "commander";
import { loadModel } from "../../onnx/codec.js";
import { writeSplit } from "../../split/files.js";
import { type Balance, DEFAULT_PARTS, split } from "../../split/split.js";
import { info } from "../output.js";
import { parseIntArg } from "../options.js";
import { progressBar } from "../progress.js";

export function register(program: Command): void {
  program
    .command("split")
    .description("split a model into standalone parts at valid cut points (residuals and branches included)")
    .argument("<model>", "ONNX model file")
    .option("--parts <n>", `number of parts (default ${DEFAULT_PARTS})`, parseIntArg(-1_000_000_000))
    .addOption(new Option("--balance <cost>", "what to balance parts by").choices(["flops", "params", "layers"]).default("flops"))
    .option("--cuts <tensors>", "explicit cut points: comma-separated tensor names (cut after each one's producer)")
    .requiredOption("-o, --output <dir>", "directory for the parts and plan.json (must not exist or be empty)")
    .action(async (modelPath: string, opts: { parts?: number; balance: Balance; cuts?: string; output: string }) => {
      const cuts = opts.cuts?.split(",").map((s) => s.trim()).filter((s) => s !== "");
      const model = await loadModel(modelPath);
      const result = await split(model, { parts: opts.parts, balance: opts.balance, cuts });
      const bar = progressBar("writing parts", result.parts.length);
      try {
        await writeSplit(opts.output, result, (i) => bar.tick(i + 1));
      } finally {
        bar.stop();
      }
      const crossing = result.plan.cuts.reduce((s, c) => s + c.bytes, 0);
      info(`wrote ${result.parts.length} parts and plan.json to ${opts.output} (balance ${opts.balance}; ${(crossing / 1024).toFixed(0)} KiB cross the ${result.plan.cuts.length} boundaries at batch 1)`);
    });
}
