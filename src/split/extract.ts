import type { Graph } from "../onnx/graph.js";
import { clone, create, type ModelProto, ModelProtoSchema, type NodeProto, StringStringEntryProtoSchema, type TensorProto, type ValueInfoProto, ValueInfoProtoSchema } from "../onnx/proto.js";
import { type TensorType } from "../onnx/types.js";
import { valueInfo } from "../onnx/value-info.js";
import { PART_METADATA } from "./plan.js";
import type { Schedule } from "./schedule.js";

export interface PartGraph {
  /** Graph node indices (scheduled and constant) in topological order. */
  nodeIndices: number[];
  inputs: string[];
  outputs: string[];
  initializers: string[];
}

/**
 * Which nodes, tensors and weights part [a, b) of the schedule needs. Inputs are what it reads
 * and does not make (from earlier parts or the caller); outputs are what it makes that a later
 * part, or the caller, reads.
 */
export function partGraph(graph: Graph, schedule: Schedule, a: number, b: number): PartGraph {
  const chosen = new Set<number>();
  for (let p = a; p < b; p++) chosen.add(schedule.nodes[p]!);
  // Pull in the constant nodes this part reads, transitively.
  const stack = [...chosen];
  while (stack.length > 0) {
    const i = stack.pop()!;
    for (const name of graph.nodeInputs[i]!) {
      const p = graph.producer.get(name);
      if (p !== undefined && schedule.isConst[p] && !chosen.has(p)) {
        chosen.add(p);
        stack.push(p);
      }
    }
  }
  const nodeIndices = [...chosen].sort((x, y) => x - y);
  const produced = new Set<string>();
  for (const i of nodeIndices) for (const o of graph.nodes[i]!.output) if (o) produced.add(o);
  const inputs: string[] = [];
  const initializers: string[] = [];
  const seen = new Set<string>();
  for (const i of nodeIndices) {
    for (const name of graph.nodeInputs[i]!) {
      if (seen.has(name) || produced.has(name)) continue;
      seen.add(name);
      if (graph.initializers.has(name)) initializers.push(name);
      else inputs.push(name);
    }
  }
  const graphOutputs = new Set(graph.outputs);
  const outputs: string[] = [];
  for (const i of nodeIndices) {
    if (schedule.isConst[i]) continue;
    for (const o of graph.nodes[i]!.output) {
      if (!o) continue;
      const laterUse = (graph.consumers.get(o) ?? []).some((c) => schedule.position[c]! >= b);
      if (laterUse || graphOutputs.has(o)) outputs.push(o);
    }
  }
  // A graph output that is a constant is emitted by the last part.
  if (b === schedule.nodes.length) {
    for (const o of graph.outputs) if (schedule.constTensors.has(o) && !outputs.includes(o)) outputs.push(o);
  }
  return { nodeIndices, inputs, outputs, initializers };
}


/**
 * A standalone model for one part: the original's header, opsets and functions, its own graph.
 * The model's own inputs keep their declarations; every other input and output is declared with
 * `types`, which hold for every input size (boundary-types.ts). The file's value_info for inner
 * tensors is left out: exporters write stale or specialised ones, and onnxruntime would trust them.
 */
export function buildPartModel(
  graph: Graph,
  part: PartGraph,
  types: ReadonlyMap<string, TensorType>,
  index: number,
  count: number,
): ModelProto {
  const src = graph.model;
  const g = src.graph!;
  const declaredInputs = new Map<string, ValueInfoProto>();
  for (const v of g.input) declaredInputs.set(v.name, v);
  const declare = (name: string): ValueInfoProto => {
    const declared = declaredInputs.get(name);
    if (declared && graph.inputs.includes(name)) return clone(ValueInfoProtoSchema, declared);
    const t = types.get(name);
    return valueInfo(name, t?.elemType ?? 0, t?.shape ?? null);
  };
  const nodes: NodeProto[] = part.nodeIndices.map((i) => graph.nodes[i]!);
  const inits: TensorProto[] = part.initializers.map((n) => graph.initializers.get(n)!);
  return create(ModelProtoSchema, {
    irVersion: src.irVersion,
    opsetImport: src.opsetImport,
    producerName: src.producerName,
    producerVersion: src.producerVersion,
    domain: src.domain,
    modelVersion: src.modelVersion,
    functions: src.functions,
    metadataProps: [
      ...src.metadataProps.filter((e) => !e.key.startsWith("msplit.part.")),
      create(StringStringEntryProtoSchema, { key: PART_METADATA.index, value: String(index) }),
      create(StringStringEntryProtoSchema, { key: PART_METADATA.count, value: String(count) }),
    ],
    graph: {
      name: `${g.name || "graph"}_part${index}`,
      node: nodes,
      initializer: inits,
      input: part.inputs.map(declare),
      output: part.outputs.map(declare),
    },
  });
}
