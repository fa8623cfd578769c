import { Option, type Command } from "commander";
import { UsageError } from "../../errors.js";
import { sealParts } from "../../runtime/bundle.js";
import { sealPartsPf } from "../../runtime/pf-bundle.js";
import type { PartSource } from "../../runtime/pipeline.js";
import { loadWrapKey, type PfVersion } from "../../seal/gramine-pf/index.js";
import { loadKey, zeroize } from "../../seal/index.js";
import { readPartsDir } from "../../split/files.js";
import type { SplitPlan } from "../../split/plan.js";
import { info } from "../output.js";
import { type KeyFlags, keyOptions, requireKeySource } from "../options.js";
import { progressBar } from "../progress.js";
import { pfVersionOption } from "./pf.js";

export function partFormatOption(): Option {
  return new Option(
    "--part-format <format>",
    "ort: onnxruntime's own format, made at seal time and used in place after decryption (fastest cold start, least memory; chained or stream); onnx: the plain parts as they are (stitchable for resident mode, unsealable, keeps onnxruntime's machine-specific layout optimisations for conv nets' warm inference). Default: ort for msplit bundles; gramine-pf bundles hold onnx parts",
  ).choices(["onnx", "ort"]);
}

/** What seal and split --seal write: msplit's bundle (--key) or Gramine protected files (--wrap-key). */
export function containerOptions(): Option[] {
  return [
    new Option("--container <kind>", "msplit: msplit's sealed bundle (--key); gramine-pf: Gramine protected files for a type = \"encrypted\" mount (--wrap-key)")
      .choices(["msplit", "gramine-pf"])
      .default("msplit"),
    pfVersionOption(),
    new Option("--pf-path <dir>", "gramine-pf: the bundle directory's path as Gramine will see it (the encrypted mount's uri without file:; relative to where gramine-sgx runs); default -o"),
  ];
}

export interface ContainerFlags extends KeyFlags {
  container: "msplit" | "gramine-pf";
  /** Set by checkContainerFlags when not given: ort for msplit bundles, onnx for gramine-pf. */
  partFormat?: "onnx" | "ort";
  pfVersion: string;
  pfPath?: string;
}

/** Checks the key flags for the chosen container before any work is done. */
export function checkContainerFlags(opts: ContainerFlags): void {
  opts.partFormat ??= opts.container === "gramine-pf" ? "onnx" : "ort";
  if (opts.container === "gramine-pf") {
    if (!opts.wrapKey) throw new UsageError("--container gramine-pf needs --wrap-key <16-byte key file>");
    if (opts.key || opts.kek) throw new UsageError("--key and --kek are for --container msplit; gramine-pf bundles take --wrap-key");
    if (opts.partFormat !== "onnx") throw new UsageError("gramine-pf bundles hold ONNX parts (--part-format onnx)");
  } else {
    requireKeySource(opts);
    if (opts.wrapKey) throw new UsageError("--wrap-key is for --container gramine-pf");
    if (opts.pfPath) throw new UsageError("--pf-path is for --container gramine-pf");
  }
}

/** Seals plain parts into the container the flags name, with a progress bar. */
export async function sealWithFlags(output: string, parts: readonly PartSource[], plan: SplitPlan | undefined, opts: ContainerFlags): Promise<void> {
  const bar = progressBar("sealing", parts.length);
  const onPart = (i: number) => bar.tick(i + 1);
  if (opts.container === "gramine-pf") {
    const wrapKey = await loadWrapKey(opts.wrapKey!);
    try {
      const r = await sealPartsPf(output, parts, wrapKey, { plan, mountPath: opts.pfPath, version: Number(opts.pfVersion) as PfVersion, onPart });
      bar.stop();
      info(`sealed ${parts.length} parts into ${output} as Gramine protected files (version ${r.version}, ${(r.sealedBytes / 1e6).toFixed(1)} MB), each bound to ${JSON.stringify(`${r.mountPath}/<name>`)}: mount it with uri = "file:${r.mountPath}"`);
    } finally {
      bar.stop();
      wrapKey.fill(0);
    }
    return;
  }
  const key = await loadKey(requireKeySource(opts));
  try {
    const bundle = await sealParts(output, parts, key, { plan, partFormat: opts.partFormat, onPart });
    bar.stop();
    info(`sealed ${parts.length} parts into ${output} (bundle ${bundle.id}, ${opts.partFormat} parts, ${(bundle.sealedBytes / 1e6).toFixed(1)} MB)`);
  } finally {
    bar.stop();
    zeroize(key);
  }
}

export function register(program: Command): void {
  const cmd = program
    .command("seal")
    .description("seal a parts directory into an encrypted bundle (opaque names, encrypted order and manifest), or into Gramine protected files")
    .argument("<parts>", "directory written by msplit split")
    .requiredOption("-o, --output <bundle>", "bundle directory to create (must not exist or be empty)")
    .addOption(partFormatOption());
  for (const o of [...keyOptions(), ...containerOptions()]) cmd.addOption(o);
  cmd.action(async (partsDir: string, opts: ContainerFlags & { output: string }) => {
    checkContainerFlags(opts);
    const { plan, parts } = await readPartsDir(partsDir);
    await sealWithFlags(opts.output, parts, plan, opts);
  });
}
