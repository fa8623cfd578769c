import { attrInt, attrInts } from "./attributes.js";
import type { Graph } from "./graph.js";
import { elementBytes, tensorPayloadBytes } from "./tensor.js";
import { type Dim, type TensorType, typeBytes } from "./types.js";

/** What a node costs: floating-point operations at batch 1 and the bytes of weights it reads. */
export interface NodeCost {
  flops: number;
  paramBytes: number;
}

function count(shape: Dim[] | null | undefined): number {
  if (!shape) return 0;
  let n = 1;
  for (const d of shape) n *= typeof d === "number" ? d : 1;
  return n;
}

/** Bytes of a tensor at batch 1, or undefined when its shape is not fully known. */
export function tensorBytes(types: ReadonlyMap<string, TensorType>, name: string): number | undefined {
  const t = types.get(name);
  if (!t) return undefined;
  try {
    return typeBytes(t, elementBytes(t.elemType));
  } catch {
    return undefined;
  }
}

/**
 * Per-node cost. Multiply-accumulates count as two FLOPs; elementwise and data-movement nodes
 * count one per output element, so that no node is free for balancing.
 */
export function nodeCosts(graph: Graph, types: ReadonlyMap<string, TensorType>): NodeCost[] {
  return graph.nodes.map((node, i) => {
    const out = types.get(node.output[0] ?? "")?.shape;
    const outN = count(out);
    let paramBytes = 0;
    for (const name of graph.nodeInputs[i]!) {
      const init = graph.initializers.get(name);
      if (init) paramBytes += tensorPayloadBytes(init);
    }
    let flops = outN;
    switch (node.opType) {
      case "Conv": {
        const w = types.get(node.input[1] ?? "")?.shape;
        if (w) flops = 2 * outN * count(w.slice(1)) + (node.input[2] ? outN : 0);
        break;
      }
      case "ConvTranspose": {
        const x = types.get(node.input[0] ?? "")?.shape;
        const w = types.get(node.input[1] ?? "")?.shape;
        if (x && w) flops = 2 * count(x) * count(w.slice(1));
        break;
      }
      case "Gemm": {
        const a = types.get(node.input[0] ?? "")?.shape;
        if (a) flops = 2 * outN * Number(attrInt(node, "transA", 0) ? a[0] : a[1]) || outN;
        break;
      }
      case "MatMul": {
        const a = types.get(node.input[0] ?? "")?.shape;
        if (a && typeof a[a.length - 1] === "number") flops = 2 * outN * (a[a.length - 1] as number);
        break;
      }
      case "MaxPool":
      case "AveragePool":
        flops = outN * count(attrInts(node, "kernel_shape") ?? []);
        break;
      case "GlobalAveragePool":
      case "GlobalMaxPool":
      case "ReduceMean":
      case "ReduceSum":
        flops = count(types.get(node.input[0] ?? "")?.shape);
        break;
      case "BatchNormalization":
      case "LayerNormalization":
      case "InstanceNormalization":
        flops = 2 * outN;
        break;
      case "Constant":
        flops = 0;
        break;
    }
    return { flops: Number.isFinite(flops) ? flops : outN, paramBytes };
  });
}
