import { Option, type Command } from "commander";
import { UsageError } from "../../errors.js";
import { encodeModel, loadModel } from "../../onnx/codec.js";
import { loadModelLazy } from "../../onnx/lazy.js";
import { sealParts } from "../../runtime/bundle.js";
import { loadKey, zeroize } from "../../seal/index.js";
import { writeSplit } from "../../split/files.js";
import { assertAbsentOrEmpty } from "../../util/staging.js";
import { type Balance, DEFAULT_PARTS, split } from "../../split/split.js";
import { info } from "../output.js";
import { type KeyFlags, keyOptions, parseIntArg, requireKeySource } from "../options.js";
import { partFormatOption } from "./seal.js";
import { progressBar } from "../progress.js";

export function register(program: Command): void {
  const cmd = program
    .command("split")
    .description("split a model into standalone parts at valid cut points (residuals and branches included)")
    .argument("<model>", "ONNX model file")
    .option("--parts <n>", `number of parts (default ${DEFAULT_PARTS})`, parseIntArg(-1_000_000_000))
    .addOption(new Option("--balance <cost>", "what to balance parts by").choices(["flops", "params", "layers"]).default("flops"))
    .option("--slack <fraction>", "imbalance accepted to get cheaper boundaries: 0.1 lets parts be 10% heavier than the best balance", Number, 0.1)
    .option("--cuts <tensors>", "explicit cut points: comma-separated tensor names (cut after each one's producer)")
    .option("--max-part-mb <mb>", "no part may hold more weights than this (large layers are split inside themselves)", Number)
    .option("--seal", "seal the parts into an encrypted bundle at once (plain parts never touch the disk)")
    .addOption(partFormatOption())
    .requiredOption("-o, --output <dir>", "directory for the parts and plan.json, or the bundle (must not exist or be empty)");
  for (const o of keyOptions()) cmd.addOption(o);
  cmd.action(async (modelPath: string, opts: KeyFlags & { parts?: number; slack: number; balance: Balance; cuts?: string; output: string; maxPartMb?: number; seal?: boolean; partFormat: "onnx" | "ort" }) => {
      const cuts = opts.cuts?.split(",").map((s) => s.trim()).filter((s) => s !== "");
      if (opts.maxPartMb !== undefined && !(opts.maxPartMb > 0)) throw new UsageError("--max-part-mb must be a positive number");
      const keySource = opts.seal ? requireKeySource(opts) : undefined;
      if (!opts.seal && (opts.key || opts.kek)) throw new UsageError("--key is used with --seal");
      await assertAbsentOrEmpty(opts.output);
      const maxPartBytes = opts.maxPartMb === undefined ? undefined : Math.floor(opts.maxPartMb * 2 ** 20);
      // Slicing large layers needs their weights in memory; otherwise they stay in the file and
      // are copied straight into the part files.
      const model = maxPartBytes === undefined && !opts.seal ? await loadModelLazy(modelPath) : await loadModel(modelPath);
      if (!(opts.slack >= 0)) throw new UsageError("--slack must be a number >= 0");
      const result = await split(model, { parts: opts.parts, balance: opts.balance, cuts, maxPartBytes, slack: opts.slack });
      for (const l of result.sliced ?? []) info(`sliced ${l.node} (${(l.paramBytes / 2 ** 20).toFixed(1)} MiB of weights) into ${l.slices} slices to fit --max-part-mb ${opts.maxPartMb}`);
      if (keySource) {
        const key = await loadKey(keySource);
        const bar = progressBar("sealing", result.parts.length);
        try {
          const sources = result.parts.map((p, i) => ({ name: result.plan.parts[i]!.file, bytes: encodeModel(p) }));
          const bundle = await sealParts(opts.output, sources, key, { plan: result.plan, partFormat: opts.partFormat, onPart: (i) => bar.tick(i + 1) });
          bar.stop();
          info(`sealed ${result.parts.length} parts into ${opts.output} (bundle ${bundle.id}, ${opts.partFormat} parts)`);
        } finally {
          bar.stop();
          zeroize(key);
        }
        return;
      }
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
