import { SplitInvalidCut, SplitInvalidParts, UsageError } from "../errors.js";
import { nodeCosts, tensorBytes } from "../onnx/cost.js";
import { analyzeGraph, type Graph } from "../onnx/graph.js";
import { probeTypes } from "../onnx/probe.js";
import type { ModelProto } from "../onnx/proto.js";
import { inferTypes } from "../onnx/shapes.js";
import { dataTypeName, tensorPayloadBytes } from "../onnx/tensor.js";
import type { TensorType } from "../onnx/types.js";
import { buildPartModel, partGraph } from "./extract.js";
import { formatBytes, initializerBytes, positionParamBytes, type SlicedLayer, sliceLargeLayers } from "./large-layers.js";
import { choosePartition, minimumParts, type PartLimit } from "./partition.js";
import { type PartSpec, PLAN_VERSION, type SplitPlan, type TensorSignature } from "./plan.js";
import { buildSchedule, lifetimes, liveSets, type Schedule } from "./schedule.js";

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
}

export interface SplitResult {
  plan: SplitPlan;
  parts: ModelProto[];
  /** Layers sliced to fit `maxPartBytes` (empty or absent when none were). */
  sliced?: SlicedLayer[];
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
  const types = await completeTypes(graph, schedule, inferTypes(graph));
  const m = schedule.nodes.length;
  const lts = lifetimes(graph, schedule);
  const live = liveSets(lts, m);
  const bytesOf = (name: string) => tensorBytes(types, name) ?? 0;
  const boundaryBytes = live.map((names) => names.reduce((s, n) => s + bytesOf(n), 0));
  const costs = nodeCosts(graph, types);
  const limit: PartLimit | undefined = maxBytes === undefined ? undefined : { bytes: positionParamBytes(graph, schedule), max: maxBytes };

  let boundaries: number[];
  if (options.cuts && options.cuts.length > 0) {
    boundaries = boundariesFromCuts(graph, schedule, options.cuts);
    if (options.parts !== undefined && options.parts !== boundaries.length + 1)
      throw new SplitInvalidParts(`${options.cuts.length} cuts make ${boundaries.length + 1} parts, but ${options.parts} were asked for`);
  } else {
    const parts = options.parts ?? defaultParts(limit);
    if (limit && options.parts !== undefined) checkEnoughParts(limit, options.parts, initializerBytes(graph, graph.initializers.keys()));
    const weights = schedule.nodes.map((i) => weightOf(balance, costs[i]!));
    boundaries = choosePartition(weights, boundaryBytes, parts, options.slack ?? 0.1, limit);
  }

  const edges = [0, ...boundaries, m];
  const count = edges.length - 1;
  const parts: ModelProto[] = [];
  const specs: PartSpec[] = [];
  const signature = (name: string): TensorSignature => {
    const t = types.get(name);
    return { name, dtype: t ? dataTypeName(t.elemType) : "unknown", shape: t?.shape ?? null, bytes: tensorBytes(types, name) ?? null };
  };
  for (let k = 0; k < count; k++) {
    const a = edges[k]!;
    const b = edges[k + 1]!;
    const pg = partGraph(graph, schedule, a, b);
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
    cuts: boundaries.map((j) => ({ after: graph.nodes[schedule.nodes[j - 1]!]!.name || String(j), live: live[j]!.map(signature), bytes: boundaryBytes[j]! })),
    parts: specs,
  };
  return { plan, parts, sliced };
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

/** Types for every tensor that can cross a boundary; what inference missed is measured. */
async function completeTypes(graph: Graph, schedule: Schedule, types: Map<string, TensorType>): Promise<Map<string, TensorType>> {
  const missing: string[] = [];
  for (const lt of lifetimes(graph, schedule)) {
    const t = types.get(lt.name);
    if (!t || t.shape === null || t.shape.some((d) => d === null)) missing.push(lt.name);
  }
  if (missing.length === 0) return types;
  const measured = await probeTypes(graph, missing);
  for (const name of missing) {
    const probe = measured.get(name);
    const known = types.get(name);
    if (!probe) continue;
    // Keep symbolic dims from inference; take everything else from the measurement.
    const shape = known?.shape && known.shape.length === probe.shape!.length ? known.shape.map((d, i) => d ?? probe.shape![i]!) : probe.shape;
    types.set(name, { elemType: known?.elemType ?? probe.elemType, shape });
  }
  return types;
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

/** The most parts this model can be split into (one schedulable node each). */
export function maxParts(model: ModelProto): number {
  return buildSchedule(analyzeGraph(model)).nodes.length;
}
