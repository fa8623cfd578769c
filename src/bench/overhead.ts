import type * as ort from "onnxruntime-node";
import { encodeModel, loadModel } from "../onnx/codec.js";
import type { ModelProto } from "../onnx/proto.js";
import { Pipeline } from "../runtime/pipeline.js";
import { concreteShapes, randomFeeds } from "../runtime/feeds.js";
import { compareTensors } from "../runtime/tensors.js";
import { split } from "../split/split.js";
import { buildZoo, isZooName } from "../zoo/index.js";
import { mad, median, round } from "../util/stats.js";

export interface OverheadOptions {
  parts?: number;
  runs?: number;
  warmup?: number;
  threads?: number;
  /** Balance slack handed to the splitter (default 0.1). */
  slack?: number;
  onProgress?: (message: string) => void;
}

export interface OverheadResult {
  model: string;
  parts: number;
  runs: number;
  threads: number;
  whole_ms: number;
  resident_ms: number;
  chained_ms: number;
  resident_ratio: number;
  chained_ratio: number;
  /** (chained - whole) / boundaries: what one hand-over between sessions costs. */
  per_boundary_ms: number;
  boundary_kib: number;
  whole_mad_ms: number;
  chained_mad_ms: number;
  split_ms: number;
  slack: number;
  max_abs_diff: number;
}

/**
 * The cost of splitting at inference time: whole model, resident parts and chained parts run in
 * one process, interleaved (so drifts in machine load hit all three alike), medians after warm-up.
 */
export async function benchOverhead(target: string, options: OverheadOptions = {}): Promise<OverheadResult> {
  const parts = options.parts ?? 12;
  const runs = options.runs ?? 30;
  const warmup = options.warmup ?? 3;
  const threads = options.threads ?? 1;
  const say = options.onProgress ?? (() => {});
  say(`loading ${target}`);
  const model: ModelProto = isZooName(target) ? buildZoo(target, 0) : await loadModel(target);
  const t0 = performance.now();
  const result = await split(model, { parts, slack: options.slack });
  const splitMs = performance.now() - t0;
  const settings = { intraOpThreads: threads };
  say("creating sessions");
  const whole = await Pipeline.fromParts([{ name: target, bytes: encodeModel(model) }], settings);
  const sources = result.parts.map((p, i) => ({ name: `part ${i}`, bytes: encodeModel(p) }));
  const resident = await Pipeline.fromParts(sources, { ...settings, mode: "resident", plan: result.plan });
  const chained = await Pipeline.fromParts(sources, { ...settings, mode: "chained", plan: result.plan });
  // Inputs of the model's own signature at the sizes the split's costs assumed.
  const inputs = whole.inputNames.map((name) => ({ name, type: whole.layout.types.get(name) }));
  const sizes = new Map(Object.entries(result.plan.sizes ?? {}).map(([k, v]) => [k, v.value]));
  const feeds = randomFeeds(inputs, concreteShapes(inputs, {}, sizes));
  const pipelines = { whole, resident, chained };
  const times: Record<keyof typeof pipelines, number[]> = { whole: [], resident: [], chained: [] };
  const outputs: Partial<Record<keyof typeof pipelines, Record<string, ort.Tensor>>> = {};
  const order: (keyof typeof pipelines)[] = ["whole", "resident", "chained"];
  try {
    for (let r = 0; r < warmup + runs; r++) {
      // Rotate the order each round so that no variant always runs right after another.
      for (let k = 0; k < 3; k++) {
        const key = order[(r + k) % 3]!;
        const start = performance.now();
        const out = await pipelines[key].run(feeds);
        const ms = performance.now() - start;
        if (r >= warmup) times[key].push(ms);
        outputs[key] = out;
      }
      if (r % 10 === 0) say(`run ${r + 1}/${warmup + runs}`);
    }
  } finally {
    await Promise.all(Object.values(pipelines).map((p) => p.release()));
  }
  const diff = Math.max(
    ...(["resident", "chained"] as const).flatMap((key) => whole.outputNames.map((o) => compareTensors(outputs.whole![o]!, outputs[key]![o]!).maxAbsDiff)),
  );
  const w = median(times.whole);
  const res = median(times.resident);
  const ch = median(times.chained);
  const boundaries = result.plan.cuts.length;
  return {
    model: target,
    parts: result.parts.length,
    runs,
    threads,
    whole_ms: round(w),
    resident_ms: round(res),
    chained_ms: round(ch),
    resident_ratio: round(res / w, 4),
    chained_ratio: round(ch / w, 4),
    per_boundary_ms: round(boundaries > 0 ? (ch - w) / boundaries : 0, 4),
    boundary_kib: round(result.plan.cuts.reduce((s, c) => s + c.bytes, 0) / 1024, 1),
    whole_mad_ms: round(mad(times.whole)),
    chained_mad_ms: round(mad(times.chained)),
    split_ms: round(splitMs, 1),
    slack: options.slack ?? 0.1,
    max_abs_diff: diff,
  };
}
