import type * as ort from "onnxruntime-node";
import type { SplitPlan } from "../split/plan.js";
import { concreteShapes, randomFeeds, type TensorSpec } from "./feeds.js";
import { type Feeds, Pipeline, type PartSource, type PipelineMode } from "./pipeline.js";
import { compareTensors, type TensorComparison } from "./tensors.js";

export interface VerifyOptions {
  /** Modes to run the parts in (default: resident and chained; chained and stream for ORT-format parts). */
  modes?: readonly PipelineMode[];
  /** Largest accepted difference relative to the largest value of each float output (default 1e-4). */
  tolerance?: number;
  /** Real inputs; inputs not given are made at random (dtype and shape honoured). */
  feeds?: Feeds;
  /** Concrete shapes for random inputs with dynamic dims (input name -> dims). */
  shapes?: Readonly<Record<string, readonly number[]>>;
  seed?: number;
  intraOpThreads?: number;
}

export interface VerifyReport {
  tolerance: number;
  inputs: { name: string; dtype: string; shape: number[]; random: boolean }[];
  /** Per mode, per model output: how the parts' output compares with the whole model's. */
  modes: Partial<Record<PipelineMode, Record<string, TensorComparison>>>;
  /** The largest relative difference over every mode and output (Infinity when an integer output differs). */
  worst: number;
  ok: boolean;
}

/**
 * Runs the whole model and its parts on the same inputs and compares every output: float outputs
 * within `tolerance` relative to their largest value, integer and bool outputs exactly. Random
 * inputs take their dynamic dims from `shapes`, else from the plan's sizes, else 1 for a leading
 * batch dim; other dims must be given (the error names them).
 */
export async function verifyParts(model: readonly PartSource[], parts: readonly PartSource[], plan: SplitPlan | undefined, options: VerifyOptions = {}): Promise<VerifyReport> {
  const tolerance = options.tolerance ?? 1e-4;
  const settings = { intraOpThreads: options.intraOpThreads ?? 1 };
  const modes = options.modes ?? (parts.some((s) => s.format === "ort") ? (["chained", "stream"] as const) : (["resident", "chained"] as const));
  const report: VerifyReport = { tolerance, inputs: [], modes: {}, worst: 0, ok: true };
  const whole = await Pipeline.fromParts(model, settings);
  try {
    const specs: TensorSpec[] = whole.inputNames.map((name) => ({ name, type: whole.layout.types.get(name) }));
    const given = options.feeds ?? {};
    const rest = specs.filter((s) => !(s.name in given));
    const sizes = new Map(Object.entries(plan?.sizes ?? {}).map(([k, v]) => [k, v.value]));
    const feeds = { ...randomFeeds(rest, concreteShapes(rest, options.shapes, sizes), options.seed), ...given };
    report.inputs = specs.map((s) => ({ name: s.name, dtype: feeds[s.name]!.type, shape: [...feeds[s.name]!.dims], random: !(s.name in given) }));
    const reference = await whole.run(feeds);
    for (const mode of modes) {
      // Each pipeline wipes sealed plaintext after use: give each its own copy.
      const copies = parts.map((s) => ({ ...s, bytes: Uint8Array.from(s.bytes) }));
      const p = await Pipeline.fromParts(copies, { ...settings, mode, plan, outputs: whole.outputNames });
      try {
        const out = await p.run(feeds);
        const byOutput: Record<string, TensorComparison> = {};
        for (const name of whole.outputNames) byOutput[name] = compare(reference[name], out[name]);
        report.modes[mode] = byOutput;
      } finally {
        await p.release();
      }
    }
  } finally {
    await whole.release();
  }
  const all = Object.values(report.modes).flatMap((m) => Object.values(m));
  report.worst = Math.max(0, ...all.map((c) => c.relative));
  report.ok = all.every((c) => (c.exact ? c.mismatches === 0 : c.relative <= tolerance));
  return report;
}

function compare(reference: ort.Tensor | undefined, candidate: ort.Tensor | undefined): TensorComparison {
  if (!reference || !candidate) return { dtype: reference?.type ?? "missing", shape: [], relative: Infinity, maxAbsDiff: Infinity, mismatches: 1, exact: true };
  return compareTensors(reference, candidate);
}
