import { openPipeline } from "../runtime/load.js";
import { concreteShapes, randomFeeds } from "../runtime/feeds.js";
import type { PipelineMode } from "../runtime/pipeline.js";
import type { SourcePolicy } from "../runtime/admit.js";

export interface ColdStartResult {
  path: string;
  mode: PipelineMode;
  /** Read (and decrypt) every part and create the sessions. */
  open_ms: number;
  first_run_ms: number;
  total_ms: number;
}

/** One cold start, as a fresh process sees it: open a model, parts or bundle, then run it once. */
export async function coldStart(
  path: string,
  options: SourcePolicy & { mode?: PipelineMode; threads?: number; shapes?: Readonly<Record<string, readonly number[]>> } = {},
): Promise<ColdStartResult> {
  const t0 = performance.now();
  const pipeline = await openPipeline(path, { mode: options.mode, key: options.key, requireSealed: options.requireSealed, wrapKey: options.wrapKey, intraOpThreads: options.threads ?? 1 });
  const t1 = performance.now();
  try {
    // Random inputs of the model's own signature: dtype and shape honoured, dynamic dims from
    // `shapes`, else the plan's sizes, else batch 1.
    const inputs = pipeline.inputNames.map((name) => ({ name, type: pipeline.layout.types.get(name) }));
    await pipeline.run(randomFeeds(inputs, concreteShapes(inputs, options.shapes, pipeline.layout.sizes)));
  } finally {
    await pipeline.release();
  }
  const t2 = performance.now();
  return { path, mode: pipeline.mode, open_ms: t1 - t0, first_run_ms: t2 - t1, total_ms: t2 - t0 };
}
