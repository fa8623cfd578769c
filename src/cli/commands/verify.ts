import type { Command } from "commander";
import { VerifyMismatch } from "../../errors.js";
import { decodeModel } from "../../onnx/codec.js";
import { parseNamed, parseShapes, readFeeds } from "../../runtime/feeds.js";
import { readSources } from "../../runtime/load.js";
import { signatureOfModel } from "../../runtime/assemble.js";
import { verifyParts } from "../../runtime/verify.js";
import { info, printJson } from "../output.js";
import { type KeyFlags, brokerOptions, keyOptions, keySource, parseIntArg, parseNumberArg, requireSealedOption, type SealedFlags, sealedPolicy } from "../options.js";

const collect = (v: string, previous: string[]) => [...previous, v];

export function register(program: Command): void {
  const cmd = program
    .command("verify")
    .description("check that the parts compute what the whole model computes: every output, floats within a tolerance, integers and bools exactly")
    .argument("<model>", "the original ONNX model")
    .argument("<parts>", "directory of parts, or a sealed bundle (with --key)")
    .option("--input <name=file.npy>", "a real input (repeatable; `--input file.npy` for a one-input model); inputs not given are random", collect, [])
    .option("--shape <name=dims>", "shape of a random input with dynamic dims, e.g. image=1,3,480,640 (repeatable; default: the plan's sizes, batch 1)", collect, [])
    .option("--tolerance <r>", "largest accepted difference of a float output, relative to its largest value (>= 0)", parseNumberArg(0), 1e-4)
    .option("--threads <n>", "intra-op threads", parseIntArg(1, 256), 1)
    .option("--json", "print JSON on stdout");
  for (const o of [...keyOptions(), ...brokerOptions(), requireSealedOption()]) cmd.addOption(o);
  type Flags = KeyFlags & SealedFlags & { input: string[]; shape: string[]; tolerance: number; threads: number; json?: boolean };
  cmd.action(async (modelPath: string, partsPath: string, opts: Flags) => {
    const model = (await readSources(modelPath)).sources;
    const { sources, plan } = await readSources(partsPath, keySource(opts), sealedPolicy(opts));
    try {
      const inputs = signatureOfModel(decodeModel(model[0]!.bytes), modelPath).inputs;
      const names = inputs.map((i) => i.name);
      const paths = parseNamed(opts.input, names, "--input");
      const feeds = await readFeeds(inputs.filter((i) => paths.has(i.name)), paths);
      const report = await verifyParts(model, sources, plan, { tolerance: opts.tolerance, intraOpThreads: opts.threads, feeds, shapes: parseShapes(opts.shape, names, "--shape") });
      if (opts.json) printJson({ model: modelPath, parts: partsPath, ...report });
      else {
        for (const i of report.inputs) info(`input ${i.name}: ${i.dtype}[${i.shape.join(", ")}]${i.random ? " (random)" : ""}`);
        for (const [mode, outputs] of Object.entries(report.modes)) {
          for (const [name, c] of Object.entries(outputs)) {
            info(c.exact ? `${mode} ${name}: ${c.mismatches === 0 ? "identical" : `${c.mismatches} elements differ`} (${c.dtype}, compared exactly)` : `${mode} ${name}: max |diff| ${c.maxAbsDiff.toExponential(3)}, relative ${c.relative.toExponential(3)}`);
          }
        }
      }
      if (!report.ok) throw new VerifyMismatch(`parts differ from the model: ${report.worst === Infinity ? "an output differs in shape, type or integer values" : `${report.worst.toExponential(3)} relative`} (tolerance ${opts.tolerance})`);
      if (!opts.json) info(`ok: ${sources.length} parts match the model on every output (floats within ${opts.tolerance}, integers exactly)`);
    } finally {
      for (const s of sources) if (s.sensitive) s.bytes.fill(0);
    }
  });
}
