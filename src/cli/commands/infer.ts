import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { formatResult, type Prediction, readLabels, topK } from "../../runtime/classify.js";
import { openPipeline } from "../../runtime/load.js";
import { preprocessImage } from "../../runtime/preprocess.js";
import { toOrtTensor } from "../../runtime/tensors.js";
import { writeFileAtomic } from "../../util/fs.js";
import { phase } from "../../util/profile.js";
import { info, printJson, textOut } from "../output.js";
import { checkOutput, type ForceFlags, forceOption, parseIntArg, profileOption, profiled, type SessionFlags, sessionOptions, sessionSettings } from "../options.js";

const IMAGENET_CLASSES = 1000;
export const DEFAULT_LABELS = fileURLToPath(new URL("../../../assets/imagenet_classes.txt", import.meta.url));

export function register(program: Command): void {
  const cmd = program
    .command("infer")
    .description("classify an image: ImageNet preprocessing, the model or its parts, softmax top-k")
    .argument("<model>", "ONNX model file or directory of parts")
    .requiredOption("--image <file>", "image to classify (JPEG, PNG, WebP, ...)")
    .option("--labels <file>", "class names, one per line, one per class (default: the 1000 ImageNet classes for a 1000-class output, else class numbers)")
    .option("--top <k>", "how many classes to report", parseIntArg(1, 100000), 5)
    .option("-o, --output <file>", "write the top-k as result.txt")
    .addOption(forceOption())
    .option("--json", "print the result as JSON on stdout")
    .addOption(profileOption());
  for (const o of sessionOptions()) cmd.addOption(o);
  cmd.action(async (path: string, opts: SessionFlags & ForceFlags & { image: string; labels?: string; top: number; output?: string; json?: boolean; profile?: boolean }) => {
    await checkOutput(opts.output, opts);
    const { value, profile } = await profiled(opts.profile, async () => {
      const labels = opts.labels === undefined ? undefined : await readLabels(opts.labels);
      const input = await phase("preprocess", () => preprocessImage(opts.image));
      const pipeline = await openPipeline(path, sessionSettings(opts));
      try {
        if (pipeline.inputNames.length !== 1) throw new UsageError(`the model takes ${pipeline.inputNames.length} inputs; infer feeds one image`);
        const t0 = performance.now();
        const out = await phase("first run", () => pipeline.run({ [pipeline.inputNames[0]!]: toOrtTensor(input) }));
        const ms = performance.now() - t0;
        const predictions: Prediction[] = await phase("result", async () => {
          const logits = out[pipeline.outputNames[0]!]!.data as Float32Array;
          // The ImageNet names fit only a 1000-class output; another model's classes are named by index.
          const names = labels ?? (logits.length === IMAGENET_CLASSES ? await readLabels(DEFAULT_LABELS) : undefined);
          const top = topK(logits, opts.top, names);
          if (opts.output) await writeFileAtomic(opts.output, formatResult(top), { overwrite: opts.force });
          return top;
        });
        return { parts: pipeline.partCount, mode: pipeline.mode, ms, predictions };
      } finally {
        await phase("release", () => pipeline.release());
      }
    });
    if (opts.json) printJson({ model: path, image: opts.image, parts: value.parts, mode: value.mode, inference_ms: value.ms, top: value.predictions, ...(profile && { profile }) });
    else {
      for (const p of value.predictions) textOut.write(`${p.percent.toFixed(2).padStart(6)}%  ${p.label}`);
      if (opts.output) info(`wrote ${opts.output}`);
    }
  });
}
