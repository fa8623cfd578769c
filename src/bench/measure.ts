import { openPipeline } from "../runtime/load.js";
import type { PipelineMode } from "../runtime/pipeline.js";
import type { KeySource } from "../seal/index.js";
import { type InputSpec, makeFeeds } from "./inputs.js";

export interface MeasureOptions {
  /** Pipeline mode; default: what openPipeline picks for this path (resident for ONNX parts, chained for ORT-format bundles). */
  mode?: PipelineMode;
  key?: KeySource;
  threads?: number;
  inputs: readonly InputSpec[];
  /** Warm runs after the first: at most this many (1 when streaming) ... */
  warmRuns?: number;
  /** ... stopping early once this much time went into them, but never before `minWarmRuns` (3). */
  warmBudgetMs?: number;
  minWarmRuns?: number;
}

/** One configuration as a fresh process sees it; times in ms on the monotonic clock. */
export interface MeasureResult {
  mode: PipelineMode;
  parts: number;
  /** From this process's time origin to the start of `open`: runtime start and module loading. */
  startup_ms: number;
  /** Read + decrypt + session creation (`openPipeline`). In stream mode sessions are made during each run instead. */
  overhead_ms: number;
  first_ms: number;
  warm_ms: number[];
  /** Time origin to the end of the first inference, and to the end of everything. */
  first_done_ms: number;
  end_ms: number;
}

/**
 * Opens a model, parts directory or sealed bundle, runs it once, then runs it warm, timing each
 * phase apart. Resources are not sampled here: onnxruntime's run() blocks this process's event
 * loop, so the parent samples /proc from outside.
 */
export async function measureInference(path: string, options: MeasureOptions): Promise<MeasureResult> {
  const warmRuns = options.warmRuns ?? 10;
  const budget = options.warmBudgetMs ?? Number.POSITIVE_INFINITY;
  const feeds = makeFeeds(options.inputs);
  const t0 = performance.now();
  const pipeline = await openPipeline(path, { mode: options.mode, key: options.key, intraOpThreads: options.threads ?? 1 });
  const t1 = performance.now();
  // A streamed run decrypts and creates every session again: each "warm" run is another cold
  // chain, seconds for large models, so one shows its steady cost (the page cache and allocator warm).
  const maxRuns = pipeline.mode === "stream" ? Math.min(warmRuns, 1) : warmRuns;
  const minWarmRuns = Math.min(options.minWarmRuns ?? 3, maxRuns);
  const warm: number[] = [];
  let t2: number;
  try {
    await pipeline.run(feeds);
    t2 = performance.now();
    let spent = 0;
    while (warm.length < maxRuns && (warm.length < minWarmRuns || spent < budget)) {
      const s = performance.now();
      await pipeline.run(feeds);
      const ms = performance.now() - s;
      warm.push(ms);
      spent += ms;
    }
  } finally {
    await pipeline.release();
  }
  return { mode: pipeline.mode, parts: pipeline.partCount, startup_ms: t0, overhead_ms: t1 - t0, first_ms: t2 - t1, warm_ms: warm, first_done_ms: t2, end_ms: performance.now() };
}
