import { ort } from "../ort.js";
import { OnnxUnsupported } from "../errors.js";
import { encodeModel } from "./codec.js";
import type { Graph } from "./graph.js";
import { create, DataType, ModelProtoSchema, ValueInfoProtoSchema } from "./proto.js";
import type { TensorType } from "./types.js";

const ORT_TO_ONNX: Record<string, DataType> = {
  float32: DataType.FLOAT, float64: DataType.DOUBLE, float16: DataType.FLOAT16, int8: DataType.INT8,
  uint8: DataType.UINT8, int16: DataType.INT16, uint16: DataType.UINT16, int32: DataType.INT32,
  uint32: DataType.UINT32, int64: DataType.INT64, uint64: DataType.UINT64, bool: DataType.BOOL,
};

/**
 * Measures the element type and concrete shape (batch 1, symbolic dims set to 1) of tensors that
 * static inference could not type, by running the model once on zeros with those tensors exposed
 * as extra outputs. Used only as a fallback, for operators shapes.ts does not know.
 */
export async function probeTypes(graph: Graph, names: readonly string[]): Promise<Map<string, TensorType>> {
  const result = new Map<string, TensorType>();
  if (names.length === 0) return result;
  const src = graph.model;
  const probeModel = create(ModelProtoSchema, {
    ...src,
    graph: {
      ...src.graph!,
      output: [...src.graph!.output, ...names.filter((n) => !graph.outputs.includes(n)).map((name) => create(ValueInfoProtoSchema, { name }))],
    },
  });
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(encodeModel(probeModel), { intraOpNumThreads: 1, graphOptimizationLevel: "disabled" });
  } catch (e) {
    throw new OnnxUnsupported(`cannot determine the types of ${names.slice(0, 3).join(", ")}: onnxruntime refused the model (${firstLine(e)})`, { cause: e });
  }
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of graph.inputs) {
      const t = graph.declaredTypes.get(name);
      if (!t || !t.shape) throw new OnnxUnsupported(`graph input '${name}' has no declared shape`);
      const dims = t.shape.map((d) => (typeof d === "number" ? d : 1));
      feeds[name] = zeros(t.elemType, dims);
    }
    const out = await session.run(feeds, [...names]);
    for (const name of names) {
      const t = out[name];
      if (!t) continue;
      const elemType = ORT_TO_ONNX[t.type];
      if (elemType !== undefined) result.set(name, { elemType, shape: [...t.dims] });
    }
  } finally {
    await session.release();
  }
  return result;
}

function zeros(elemType: number, dims: number[]): ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  switch (elemType) {
    case DataType.FLOAT: return new ort.Tensor("float32", new Float32Array(n), dims);
    case DataType.DOUBLE: return new ort.Tensor("float64", new Float64Array(n), dims);
    case DataType.INT64: return new ort.Tensor("int64", new BigInt64Array(n), dims);
    case DataType.INT32: return new ort.Tensor("int32", new Int32Array(n), dims);
    case DataType.UINT8: return new ort.Tensor("uint8", new Uint8Array(n), dims);
    case DataType.INT8: return new ort.Tensor("int8", new Int8Array(n), dims);
    case DataType.BOOL: return new ort.Tensor("bool", new Uint8Array(n), dims);
    default: throw new OnnxUnsupported(`cannot make a probe input of element type ${elemType}`);
  }
}

export function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0]!.slice(0, 300);
}
