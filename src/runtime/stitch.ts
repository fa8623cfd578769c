import { create, type ModelProto, ModelProtoSchema, type NodeProto, type TensorProto, type ValueInfoProto } from "../onnx/proto.js";
import { type ChainLayout, PART_METADATA_PREFIX } from "./assemble.js";

/**
 * Joins checked parts back into one model: their nodes in order, each weight once. Nodes that
 * several parts carry (copies of constant nodes) are kept once.
 */
export function stitchParts(parts: readonly ModelProto[], layout: ChainLayout): ModelProto {
  const first = parts[0]!;
  const nodes: NodeProto[] = [];
  const produced = new Set<string>();
  const initializers = new Map<string, TensorProto>();
  const valueInfos = new Map<string, ValueInfoProto>();
  const inputInfo = new Map<string, ValueInfoProto>();
  const outputInfo = new Map<string, ValueInfoProto>();
  for (const part of parts) {
    const g = part.graph!;
    for (const t of g.initializer) if (!initializers.has(t.name)) initializers.set(t.name, t);
    for (const n of g.node) {
      const outs = n.output.filter((o) => o !== "");
      if (outs.length > 0 && outs.every((o) => produced.has(o))) continue;
      outs.forEach((o) => produced.add(o));
      nodes.push(n);
    }
    for (const v of g.input) if (!inputInfo.has(v.name)) inputInfo.set(v.name, v);
    for (const v of g.output) outputInfo.set(v.name, v);
    for (const v of g.valueInfo) valueInfos.set(v.name, v);
  }
  for (const [name, v] of inputInfo) if (!layout.inputs.includes(name)) valueInfos.set(name, v);
  return create(ModelProtoSchema, {
    irVersion: first.irVersion,
    opsetImport: first.opsetImport,
    producerName: first.producerName,
    producerVersion: first.producerVersion,
    domain: first.domain,
    modelVersion: first.modelVersion,
    functions: first.functions,
    metadataProps: first.metadataProps.filter((e) => !e.key.startsWith(PART_METADATA_PREFIX)),
    graph: {
      name: (first.graph!.name || "model").replace(/_part0$/, ""),
      node: nodes,
      initializer: [...initializers.values()],
      input: layout.inputs.map((n) => inputInfo.get(n)!),
      output: layout.outputs.map((n) => outputInfo.get(n) ?? inputInfo.get(n)!),
      valueInfo: [...valueInfos.values()].filter((v) => !layout.outputs.includes(v.name)),
    },
  });
}
