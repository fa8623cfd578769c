import { SplitInvalidCut, SplitInvalidParts, UsageError } from "../errors.js";
import { nodeCosts, tensorBytes } from "../onnx/cost.js";
import { analyzeGraph, type Graph } from "../onnx/graph.js";
import type { ModelProto } from "../onnx/proto.js";
import { analyzeShapes, type ShapeAnalysis, type ShapeFallback } from "../onnx/shapes.js";
import { dataTypeName } from "../onnx/dtypes.js";
import { tensorPayloadBytes } from "../onnx/tensor.js";
import { boundaryTypes } from "./boundary-types.js";
import { buildPartModel, partGraph } from "./extract.js";
import { formatBytes, initializerBytes, positionParamBytes, type SlicedLayer, sliceLargeLayers } from "./large-layers.js";
import { choosePartitionAvoiding, minimumParts, type PartLimit } from "./partition.js";
import { type PartSpec, PLAN_VERSION, type SplitPlan, type TensorSignature } from "./plan.js";
import { buildSchedule, lifetimes, liveSets, type Schedule } from "./schedule.js";
import { chooseSizes, type SizeChoice } from "./sizes.js";

export type Balance = "flops" | "params" | "layers";

export interface SplitOptions {
  /** Number of parts (default 12, or the number of cuts + 1 when `cuts` is given). */
  parts?: number;
  /** What to balance the parts by (default "flops"). */
  balance?: Balance;
  /** Explicit cut points: tensor names, each cut right after the node that produces it. */
  cuts?: readonly string[];
  /** Tolerated imbalance when trading balance for smaller boundaries (default 0.1 = 10%). */
  slack?: number;
  /** Model name recorded in the plan. */
  name?: string;
  /**
   * Most bytes of weights (initializers) any part may hold, for enclaves with little protected
   * memory. Layers larger than this are first sliced along their output features; then the cut
   * keeps every part within it. Too few `parts` for the budget is an error that says how many are
   * needed; with `parts` undefined the count is the default or the least that fits, if larger.
   */
  maxPartBytes?: number;
  /**
   * Concrete shapes for inputs with dynamic dims (input name -> dims), used for cost and
   * boundary-size estimates only: the parts stay dynamic. Dims not given come from the model's
   * metadata or are assumed (1 for a leading batch dim, 224 otherwise); `sizes` says which.
   */
  inputShapes?: Readonly<Record<string, readonly number[]>>;
}

export interface SplitResult {
  plan: SplitPlan;
  parts: ModelProto[];
  /** Layers sliced to fit `maxPartBytes` (empty or absent when none were). */
  sliced?: SlicedLayer[];
  /** The sizes the costs were estimated at, and where each came from (also in the plan). */
  sizes: SizeChoice;
  /** Tensors shape inference could not derive, measured with onnxruntime instead (and why). */
  measured: ShapeFallback[];
}

export const DEFAULT_PARTS = 12;

/** Splits a model into standalone parts whose chain computes what the model computes. */
export async function split(original: ModelProto, options: SplitOptions = {}): Promise<SplitResult> {
  const balance = options.balance ?? "flops";
  if (!["flops", "params", "layers"].includes(balance)) throw new UsageError(`unknown balance '${balance}' (flops, params or layers)`);
  const maxBytes = options.maxPartBytes;
  if (maxBytes !== undefined && !(Number.isFinite(maxBytes) && maxBytes > 0))
    throw new UsageError(`maxPartBytes must be a positive number of bytes, got ${maxBytes}`);
  const { model, sliced } = maxBytes === undefined ? { model: original, sliced: [] } : sliceLargeLayers(original, maxBytes);
  const graph = analyzeGraph(model);
  const schedule = buildSchedule(graph);
  const analysis = analyzeShapes(graph);
  const sizes = chooseSizes(graph, analysis, options.inputShapes);
  const m = schedule.nodes.length;
  const lts = lifetimes(graph, schedule);
  const live = liveSets(lts, m);
  const { types, costTypes, measured } = await boundaryTypes(graph, analysis, lts.map((lt) => lt.name), sizes);
  const bytesOf = (name: string) => tensorBytes(costTypes, name) ?? 0;
  const boundaryBytes = live.map((names) => names.reduce((s, n) => s + bytesOf(n), 0));
  const blocked = blockedBoundaries(live, analysis);
  const costs = nodeCosts(graph, costTypes);
  const limit: PartLimit | undefined = maxBytes === undefined ? undefined : { bytes: positionParamBytes(graph, schedule), max: maxBytes };

  let boundaries: number[];
  if (options.cuts && options.cuts.length > 0) {
    boundaries = boundariesFromCuts(graph, schedule, options.cuts);
    for (const j of boundaries) {
      if (blocked.has(j)) throw new SplitInvalidCut(`a cut after '${graph.nodes[schedule.nodes[j - 1]!]!.name || j}' would carry ${blocked.get(j)}, which is not a tensor, across the boundary`);
    }
    if (options.parts !== undefined && options.parts !== boundaries.length + 1)
      throw new SplitInvalidParts(`${options.cuts.length} cuts make ${boundaries.length + 1} parts, but ${options.parts} were asked for`);
  } else {
    const parts = options.parts ?? defaultParts(limit);
    if (limit && options.parts !== undefined) checkEnoughParts(limit, options.parts, initializerBytes(graph, graph.initializers.keys()));
    const weights = schedule.nodes.map((i) => weightOf(balance, costs[i]!));
    boundaries = choosePartitionAvoiding(weights, boundaryBytes, parts, options.slack ?? 0.1, limit, new Set(blocked.keys()));
  }

  const edges = [0, ...boundaries, m];
  const count = edges.length - 1;
  const parts: ModelProto[] = [];
  const specs: PartSpec[] = [];
  const signature = (name: string): TensorSignature => {
    const t = types.get(name);
    return { name, dtype: t ? dataTypeName(t.elemType) : "unknown", shape: t?.shape ?? null, bytes: tensorBytes(costTypes, name) ?? null };
  };
  for (let k = 0; k < count; k++) {
    const a = edges[k]!;
    const b = edges[k + 1]!;
    const pg = partGraph(graph, schedule, a, b);
    for (const name of [...pg.inputs, ...pg.outputs]) {
      if (!types.get(name)?.elemType) throw new SplitInvalidParts(`cannot determine the element type of '${name}', which crosses a boundary: no valid part can declare it`);
    }
    parts.push(buildPartModel(graph, pg, types, k, count));
    let flops = 0;
    for (const i of pg.nodeIndices) flops += costs[i]!.flops;
    // What the part file holds: each weight once, however many of its nodes read it.
    const paramBytes = initializerBytes(graph, pg.initializers);
    // Explicit cuts are taken as given, so the budget is checked here rather than by the partition.
    if (maxBytes !== undefined && paramBytes > maxBytes) {
      const Failure = options.cuts?.length ? SplitInvalidCut : SplitInvalidParts;
      throw new Failure(`part ${k} holds ${formatBytes(paramBytes)} of weights, over the budget of ${formatBytes(maxBytes)}: choose other cuts or more parts`);
    }
    const first = graph.nodes[schedule.nodes[a]!]!;
    const last = graph.nodes[schedule.nodes[b - 1]!]!;
    specs.push({
      index: k,
      file: partFileName(k, count),
      nodes: pg.nodeIndices.length,
      firstNode: first.name || first.opType,
      lastNode: last.name || last.opType,
      inputs: pg.inputs.map(signature),
      outputs: pg.outputs.map(signature),
      flops,
      paramBytes,
      liveBytesAfter: b < m ? boundaryBytes[b]! : 0,
    });
  }
  const plan: SplitPlan = {
    format: "msplit-plan",
    version: PLAN_VERSION,
    model: {
      name: options.name ?? (graph.model.graph?.name || "model"),
      inputs: graph.inputs.map(signature),
      outputs: graph.outputs.map(signature),
      nodes: graph.nodes.length,
      flops: costs.reduce((s, c) => s + c.flops, 0),
      paramBytes: [...graph.initializers.values()].reduce((s, t) => s + tensorPayloadBytes(t), 0),
    },
    balance,
    sizes: Object.fromEntries([...sizes.values].map(([k, v]) => [k, { value: v, from: sizes.from.get(k)! }])),
    cuts: boundaries.map((j) => ({ after: graph.nodes[schedule.nodes[j - 1]!]!.name || String(j), live: live[j]!.map(signature), bytes: boundaryBytes[j]! })),
    parts: specs,
  };
  return { plan, parts, sliced, sizes, measured: measured.map((name) => analysis.fallbacks.find((f) => f.tensor === name) ?? { node: "?", opType: "?", tensor: name, reason: "incomplete" }) };
}

/**
 * With a budget and no part count, more parts rather than an error: the default count unless the
 * weights need more. An explicit count is the caller's choice and is never changed silently.
 */
function defaultParts(limit: PartLimit | undefined): number {
  return limit ? Math.max(DEFAULT_PARTS, minimumParts(limit.bytes, limit.max)) : DEFAULT_PARTS;
}

function checkEnoughParts(limit: PartLimit, parts: number, total: number): void {
  const needed = minimumParts(limit.bytes, limit.max);
  if (needed > parts) {
    throw new SplitInvalidParts(
      `keeping every part within ${formatBytes(limit.max)} of weights (the model holds ${formatBytes(total)}) needs at least ${needed} parts; asked for ${parts}`,
    );
  }
}

export function partFileName(index: number, count: number): string {
  const width = Math.max(2, String(count - 1).length);
  return `part-${String(index).padStart(width, "0")}.onnx`;
}

function weightOf(balance: Balance, c: { flops: number; paramBytes: number }): number {
  switch (balance) {
    case "flops":
      return c.flops + 1;
    case "params":
      return c.paramBytes + 1;
    case "layers":
      // One per layer that holds weights; a sliver for the rest so that no part is left empty-handed.
      return c.paramBytes > 0 ? 1 : 0.01;
  }
}

/** Boundaries that a value other than a tensor (a sequence, an optional) crosses: never cut there. */
function blockedBoundaries(live: readonly string[][], analysis: ShapeAnalysis): Map<number, string> {
  const blocked = new Map<number, string>();
  live.forEach((names, j) => {
    const value = names.find((n) => analysis.nonTensors.has(n));
    if (value !== undefined && j > 0 && j < live.length - 1) blocked.set(j, `'${value}'`);
  });
  return blocked;
}

function boundariesFromCuts(graph: Graph, schedule: Schedule, cuts: readonly string[]): number[] {
  const m = schedule.nodes.length;
  const result: number[] = [];
  for (const cut of cuts) {
    if (graph.initializers.has(cut) || schedule.constTensors.has(cut))
      throw new SplitInvalidCut(`cut '${cut}' is a constant, not a tensor computed by the graph`);
    if (graph.inputs.includes(cut)) throw new SplitInvalidCut(`cut '${cut}' is a graph input: nothing comes before it`);
    const p = graph.producer.get(cut);
    if (p === undefined) throw new SplitInvalidCut(`cut '${cut}' is not a tensor of this graph`);
    const pos = schedule.position[p]!;
    if (pos < 0) throw new SplitInvalidCut(`cut '${cut}' does not contribute to the model's outputs`);
    const j = pos + 1;
    if (j >= m) throw new SplitInvalidCut(`cut '${cut}' is made by the last node: the part after it would be empty`);
    if (result.includes(j)) throw new SplitInvalidCut(`cut '${cut}' repeats a cut already given (same boundary)`);
    result.push(j);
  }
  return result.sort((a, b) => a - b);
}

/** The most parts this model can be split into (one schedulable node each, where a tensor-only boundary separates them). */
export function maxParts(model: ModelProto): number {
  const graph = analyzeGraph(model);
  const schedule = buildSchedule(graph);
  const analysis = analyzeShapes(graph);
  if (analysis.nonTensors.size === 0) return schedule.nodes.length;
  return schedule.nodes.length - blockedBoundaries(liveSets(lifetimes(graph, schedule), schedule.nodes.length), analysis).size;
}
