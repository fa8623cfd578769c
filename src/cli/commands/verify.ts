import type { Command } from "commander";
import { MsplitError } from "../../errors.js";
import { Pipeline } from "../../runtime/pipeline.js";
import { readSources } from "../../runtime/load.js";
import { readNpy } from "../../runtime/npy.js";
import { compareOutputs, toOrtTensor } from "../../runtime/tensors.js";
import { info, printJson } from "../output.js";
import { type KeyFlags, brokerOptions, keyOptions, keySource, requireSealedOption, type SealedFlags, sealedPolicy } from "../options.js";
import { seededInput } from "../../runtime/inputs.js";

export class VerifyMismatch extends MsplitError {
  static override code = "ERR_VERIFY_MISMATCH";
}

export function register(program: Command): void {
  const cmd = program
    .command("verify")
    .description("check that the parts compute what the whole model computes (max abs difference)")
    .argument("<model>", "the original ONNX model")
    .argument("<parts>", "directory of parts, or a sealed bundle (with --key)")
    .option("--input <file>", "input .npy (default: a fixed pseudo-random input)")
    .option("--tolerance <r>", "largest accepted difference relative to the largest output value", Number, 1e-4)
    .option("--threads <n>", "intra-op threads", Number, 1)
    .option("--json", "print JSON on stdout");
  for (const o of [...keyOptions(), ...brokerOptions(), requireSealedOption()]) cmd.addOption(o);
  cmd.action(async (modelPath: string, partsPath: string, opts: KeyFlags & SealedFlags & { input?: string; tolerance: number; threads: number; json?: boolean }) => {
      const whole = await Pipeline.fromParts((await readSources(modelPath)).sources, { intraOpThreads: opts.threads });
      const { sources, plan } = await readSources(partsPath, keySource(opts), sealedPolicy(opts));
      const modes = sources.some((s) => s.format === "ort") ? (["chained", "stream"] as const) : (["resident", "chained"] as const);
      const report: Record<string, { maxAbsDiff: number; relative: number }> = {};
      try {
        const name = whole.inputNames[0]!;
        const x = opts.input ? toOrtTensor(await readNpy(opts.input)) : seededInput([1, 3, 224, 224]);
        const ref = (await whole.run({ [name]: x }))[whole.outputNames[0]!]!.data as Float32Array;
        for (const mode of modes) {
          // Each pipeline wipes sealed plaintext after use: give each its own copy.
          const copies = sources.map((s) => ({ ...s, bytes: Buffer.from(s.bytes) }));
          const p = await Pipeline.fromParts(copies, { mode, plan, intraOpThreads: opts.threads });
          try {
            const out = (await p.run({ [name]: x }))[whole.outputNames[0]!]!.data as Float32Array;
            report[mode] = compareOutputs(ref, out);
          } finally {
            await p.release();
          }
        }
      } finally {
        await whole.release();
        for (const s of sources) if (s.sensitive) s.bytes.fill(0);
      }
      const worst = Math.max(...Object.values(report).map((r) => r.relative));
      if (opts.json) printJson({ model: modelPath, parts: partsPath, tolerance: opts.tolerance, ...report, ok: worst <= opts.tolerance });
      else for (const [mode, r] of Object.entries(report)) info(`${mode}: max |diff| ${r.maxAbsDiff.toExponential(3)}, relative ${r.relative.toExponential(3)}`);
      if (!(worst <= opts.tolerance)) throw new VerifyMismatch(`parts differ from the model by ${worst.toExponential(3)} relative (tolerance ${opts.tolerance})`);
      if (!opts.json) info(`ok: ${sources.length} parts match the model within ${opts.tolerance}`);
    });
}
