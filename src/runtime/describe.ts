import { nodeCosts, tensorBytes } from "../onnx/cost.js";
import { decodeModel } from "../onnx/codec.js";
import { analyzeGraph } from "../onnx/graph.js";
import type { ModelProto } from "../onnx/proto.js";
import { analyzeShapes, type ShapeFallback } from "../onnx/shapes.js";
import { tensorPayloadBytes } from "../onnx/tensor.js";
import type { TensorType } from "../onnx/types.js";
import type { SplitPlan } from "../split/plan.js";
import { chooseSizes, evaluateType, type SizeSource } from "../split/sizes.js";
import { checkChain, signatureOfModel } from "./assemble.js";
import type { PartSource } from "./pipeline.js";

/** A tensor as `inspect` shows it: symbolic dims by name (or exact expression), and its bytes at the description's sizes. */
export interface TensorDescription {
  name: string;
  type?: TensorType;
  bytes?: number | null;
}

export interface ModelDescription {
  producer: string;
  opsets: string[];
  inputs: TensorDescription[];
  outputs: TensorDescription[];
  nodeCount: number;
  /** FLOPs at `sizes`. */
  flops: number;
  paramBytes: number;
  /** The value each dynamic input dim took for the costs, and where it came from. */
  sizes: Record<string, { value: number; from: SizeSource }>;
  nodes: { name: string; op: string; output: string; shape: TensorType["shape"]; bytes: number | null; flops: number; paramBytes: number }[];
  /** Tensors shape inference could not derive (a split measures them). */
  unknownShapes: ShapeFallback[];
}

/** What a model computes, node by node, with costs at concrete sizes (`inputShapes`, model hints, or assumed). */
export function describeModel(model: ModelProto, inputShapes?: Readonly<Record<string, readonly number[]>>): ModelDescription {
  const graph = analyzeGraph(model);
  const analysis = analyzeShapes(graph);
  const sizes = chooseSizes(graph, analysis, inputShapes);
  const at = new Map<string, TensorType>();
  for (const [name, t] of analysis.types) at.set(name, evaluateType(t, analysis.exprs, sizes.values));
  const costs = nodeCosts(graph, at);
  const describe = (name: string): TensorDescription => ({ name, type: analysis.types.get(name), bytes: tensorBytes(at, name) ?? null });
  return {
    producer: `${model.producerName} ${model.producerVersion}`.trim(),
    opsets: model.opsetImport.map((o) => `${o.domain || "ai.onnx"}:${o.version}`),
    inputs: graph.inputs.map(describe),
    outputs: graph.outputs.map(describe),
    nodeCount: graph.nodes.length,
    flops: costs.reduce((s, c) => s + c.flops, 0),
    paramBytes: [...graph.initializers.values()].reduce((s, t) => s + tensorPayloadBytes(t), 0),
    sizes: Object.fromEntries([...sizes.values].map(([k, v]) => [k, { value: v, from: sizes.from.get(k)! }])),
    nodes: graph.nodes.map((n, i) => ({
      name: n.name,
      op: n.opType,
      output: n.output[0] ?? "",
      shape: analysis.types.get(n.output[0] ?? "")?.shape ?? null,
      bytes: tensorBytes(at, n.output[0] ?? "") ?? null,
      flops: costs[i]!.flops,
      paramBytes: costs[i]!.paramBytes,
    })),
    unknownShapes: analysis.fallbacks,
  };
}

export interface PartsDescription {
  inputs: string[];
  outputs: string[];
  parts: { index: number; file: string; nodes: number; bytes: number; inputs: TensorDescription[]; outputs: TensorDescription[]; flops?: number; paramBytes?: number }[];
  plan?: SplitPlan;
}

/**
 * A chain of parts: each part's signature (typed inputs and outputs, as the part files declare
 * them) and, with a plan, its costs. Sensitive sources (decrypted parts) are wiped once read.
 */
export function describeParts(sources: readonly PartSource[], plan?: SplitPlan, bundle = false): PartsDescription {
  const models = sources.map((s) => (s.format === "ort" ? undefined : decodeModel(s.bytes)));
  try {
    const layout = checkChain(sources.map((s, k) => s.signature ?? signatureOfModel(models[k]!, s.name)), plan);
    const describe = (name: string): TensorDescription => ({ name, type: layout.types.get(name) });
    return {
      inputs: layout.inputs,
      outputs: layout.outputs,
      parts: sources.map((s, k) => ({
        index: k,
        file: bundle ? `part ${k}` : s.name,
        nodes: models[k]?.graph!.node.length ?? plan?.parts[k]?.nodes ?? 0,
        bytes: s.bytes.byteLength,
        inputs: layout.partInputs[k]!.map(describe),
        outputs: layout.partOutputs[k]!.map(describe),
        flops: plan?.parts[k]?.flops,
        paramBytes: plan?.parts[k]?.paramBytes,
      })),
      plan,
    };
  } finally {
    for (const s of sources) if (s.sensitive) s.bytes.fill(0);
  }
}
