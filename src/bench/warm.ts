import { openPipeline } from "../runtime/load.js";
import { concreteShapes, randomFeeds } from "../runtime/feeds.js";
import type { PipelineMode } from "../runtime/pipeline.js";
import type { KeySource } from "../seal/index.js";
import { mad, median, round } from "../util/stats.js";

export interface WarmResult {
  path: string;
  mode: PipelineMode;
  parts: number;
  runs: number;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  mad_ms: number;
  times_ms: number[];
}

export interface WarmOptions {
  mode?: PipelineMode;
  key?: KeySource;
  threads?: number;
  runs?: number;
  warmup?: number;
  /** Shapes for inputs with dynamic dims (default: the plan's sizes, batch 1). */
  shapes?: Readonly<Record<string, readonly number[]>>;
}

/**
 * Warm inference as a long-lived process sees it: open a model, parts or bundle once, run a few
 * unmeasured inferences, then time `runs` more on one fixed input (the peer's `warm` does the same).
 */
export async function warmInference(path: string, options: WarmOptions = {}): Promise<WarmResult> {
  const runs = options.runs ?? 30;
  const warmup = options.warmup ?? 3;
  const pipeline = await openPipeline(path, { mode: options.mode, key: options.key, intraOpThreads: options.threads ?? 1 });
  const times: number[] = [];
  try {
    // One fixed input of the model's own signature (bench cold makes it the same way).
    const inputs = pipeline.inputNames.map((name) => ({ name, type: pipeline.layout.types.get(name) }));
    const feeds = randomFeeds(inputs, concreteShapes(inputs, options.shapes, pipeline.layout.sizes));
    for (let r = 0; r < warmup + runs; r++) {
      const t0 = performance.now();
      await pipeline.run(feeds);
      if (r >= warmup) times.push(performance.now() - t0);
    }
  } finally {
    await pipeline.release();
  }
  return {
    path,
    mode: pipeline.mode,
    parts: pipeline.partCount,
    runs,
    median_ms: round(median(times)),
    min_ms: round(Math.min(...times)),
    max_ms: round(Math.max(...times)),
    mad_ms: round(mad(times)),
    times_ms: times.map((t) => round(t)),
  };
}
