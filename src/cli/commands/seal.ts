import { Option, type Command } from "commander";
import { loadKey, zeroize } from "../../seal/index.js";
import { sealParts } from "../../runtime/bundle.js";
import { readPartsDir } from "../../split/files.js";
import { info } from "../output.js";
import { type KeyFlags, keyOptions, requireKeySource } from "../options.js";
import { progressBar } from "../progress.js";

export function partFormatOption(): Option {
  return new Option("--part-format <format>", "onnx: exact, stitchable (resident mode), unsealable; ort: onnxruntime's own format, used in place after decryption (faster cold start, less memory; chained or stream only)")
    .choices(["onnx", "ort"])
    .default("onnx");
}

export function register(program: Command): void {
  const cmd = program
    .command("seal")
    .description("seal a parts directory into an encrypted bundle (opaque names, encrypted order and manifest)")
    .argument("<parts>", "directory written by msplit split")
    .requiredOption("-o, --output <bundle>", "bundle directory to create (must not exist or be empty)")
    .addOption(partFormatOption());
  for (const o of keyOptions()) cmd.addOption(o);
  cmd.action(async (partsDir: string, opts: KeyFlags & { output: string; partFormat: "ort" | "onnx" }) => {
    const source = requireKeySource(opts);
    const { plan, parts } = await readPartsDir(partsDir);
    const key = await loadKey(source);
    const bar = progressBar("sealing", parts.length);
    try {
      const bundle = await sealParts(opts.output, parts, key, { plan, partFormat: opts.partFormat, onPart: (i) => bar.tick(i + 1) });
      bar.stop();
      info(`sealed ${parts.length} parts into ${opts.output} (bundle ${bundle.id}, ${opts.partFormat} parts, ${(bundle.sealedBytes / 1e6).toFixed(1)} MB)`);
    } finally {
      bar.stop();
      zeroize(key);
    }
  });
}
