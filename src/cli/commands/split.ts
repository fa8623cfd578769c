import { Option, type Command } from "commander";
import { UsageError } from "../../errors.js";
import { encodeModel, loadModel } from "../../onnx/codec.js";
import { loadModelLazy } from "../../onnx/lazy.js";
import { parseShapes } from "../../runtime/feeds.js";
import { splitAndSeal } from "../../runtime/split-seal.js";
import { loadKey, zeroize } from "../../seal/index.js";
import { writeSplit } from "../../split/files.js";
import { assertAbsentOrEmpty } from "../../util/staging.js";
import { formatSizes } from "../../split/sizes.js";
import { type Balance, DEFAULT_PARTS, split, type SplitResult } from "../../split/split.js";
import { info } from "../output.js";
import { keyOptions, parseIntArg, parseNumberArg, requireKeySource } from "../options.js";
import { checkContainerFlags, type ContainerFlags, containerOptions, partFormatOption, sealWithFlags } from "./seal.js";
import { type Progress, progressBar } from "../progress.js";

export function register(program: Command): void {
  const cmd = program
    .command("split")
    .description("split a model into standalone parts at valid cut points (residuals and branches included)")
    .argument("<model>", "ONNX model file")
    .option("--parts <n>", `number of parts (default ${DEFAULT_PARTS})`, parseIntArg(-1_000_000_000))
    .addOption(new Option("--balance <cost>", "what to balance parts by").choices(["flops", "params", "layers"]).default("flops"))
    .option("--slack <fraction>", "imbalance accepted to get cheaper boundaries: 0.1 lets parts be 10% heavier than the best balance", parseNumberArg(0), 0.1)
    .option("--cuts <tensors>", "explicit cut points: comma-separated tensor names (cut after each one's producer)")
    .option("--max-part-mib <mib>", "no part may hold more than this many MiB (2^20 bytes) of weights (large layers are split inside themselves)", parseNumberArg(0, { exclusive: true }))
    .addOption(new Option("--max-part-mb <mib>", "old name of --max-part-mib (it always counted MiB)").argParser(parseNumberArg(0, { exclusive: true })).hideHelp())
    .option("--input-shape <name=dims>", "concrete sizes for an input's dynamic dims, e.g. input=1,3,640,640 (repeatable): used for cost and boundary-size estimates only, the parts stay dynamic", collect, [])
    .option("--seal", "seal the parts into an encrypted bundle at once (plain parts never touch the disk)")
    .addOption(partFormatOption())
    .requiredOption("-o, --output <dir>", "directory for the parts and plan.json, or the bundle (must not exist or be empty)");
  for (const o of [...keyOptions(), ...containerOptions()]) cmd.addOption(o);
  type Flags = ContainerFlags & { parts?: number; slack: number; balance: Balance; cuts?: string; output: string; maxPartMib?: number; maxPartMb?: number; inputShape: string[]; seal?: boolean };
  cmd.action(async (modelPath: string, opts: Flags) => {
      const cuts = opts.cuts?.split(",").map((s) => s.trim()).filter((s) => s !== "");
      const maxPartMib = opts.maxPartMib ?? opts.maxPartMb;
      if (maxPartMib !== undefined && !(maxPartMib > 0)) throw new UsageError("--max-part-mib must be a positive number");
      if (opts.seal) checkContainerFlags(opts);
      else if (opts.key || opts.kek || opts.wrapKey) throw new UsageError("--key and --wrap-key are used with --seal");
      const keySource = opts.seal && opts.container === "msplit" ? requireKeySource(opts) : undefined;
      await assertAbsentOrEmpty(opts.output);
      const maxPartBytes = maxPartMib === undefined ? undefined : Math.floor(maxPartMib * 2 ** 20);
      // Slicing large layers needs their weights in memory; otherwise they stay in the file and
      // are copied straight into the part files.
      const model = maxPartBytes === undefined && !opts.seal ? await loadModelLazy(modelPath) : await loadModel(modelPath);
      if (!(opts.slack >= 0)) throw new UsageError("--slack must be a number >= 0");
      const weights = new Set(model.graph?.initializer.map((t) => t.name));
      const inputNames = (model.graph?.input ?? []).map((v) => v.name).filter((n) => !weights.has(n));
      const inputShapes = parseShapes(opts.inputShape, inputNames, "--input-shape");
      const options = { parts: opts.parts, balance: opts.balance, cuts, maxPartBytes, slack: opts.slack, inputShapes };
      const report = (result: SplitResult) => {
        for (const l of result.sliced ?? []) info(`sliced ${l.node} (${(l.paramBytes / 2 ** 20).toFixed(1)} MiB of weights) into ${l.slices} slices to fit --max-part-mib ${maxPartMib}`);
        const assumed = new Map([...result.sizes.values].filter(([k]) => result.sizes.from.get(k) === "assumed"));
        if (assumed.size > 0) info(`costs assume ${formatSizes(assumed)} for the model's dynamic dims (give --input-shape <input>=<dims> for a real size; the parts stay dynamic)`);
        for (const m of result.measured) info(`measured '${m.tensor}' with onnxruntime: shape inference does not derive it (${m.node}: ${m.reason})`);
      };
      if (keySource) {
        const key = await loadKey(keySource);
        let bar: Progress | undefined;
        try {
          const onPart = (i: number, n: number) => (bar ??= progressBar("sealing", n)).tick(i + 1);
          const { result, bundle } = await splitAndSeal(model, opts.output, key, { ...options, partFormat: opts.partFormat, onPart });
          bar?.stop();
          report(result);
          info(`sealed ${result.parts.length} parts into ${opts.output} (bundle ${bundle.id}, ${opts.partFormat} parts)`);
        } finally {
          bar?.stop();
          zeroize(key);
        }
        return;
      }
      const result = await split(model, options);
      report(result);
      if (opts.seal) {
        // Gramine protected files: the plain parts exist only in memory here too.
        const sources = result.parts.map((p, i) => ({ name: result.plan.parts[i]!.file, bytes: encodeModel(p) }));
        await sealWithFlags(opts.output, sources, result.plan, opts);
        return;
      }
      const bar = progressBar("writing parts", result.parts.length);
      try {
        await writeSplit(opts.output, result, (i) => bar.tick(i + 1));
      } finally {
        bar.stop();
      }
      const crossing = result.plan.cuts.reduce((s, c) => s + c.bytes, 0);
      const at = result.sizes.values.size > 0 ? ` at ${formatSizes(result.sizes.values)}` : "";
      info(`wrote ${result.parts.length} parts and plan.json to ${opts.output} (balance ${opts.balance}; ${(crossing / 1024).toFixed(0)} KiB cross the ${result.plan.cuts.length} boundaries${at})`);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
