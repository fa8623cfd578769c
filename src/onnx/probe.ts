import { ort, ortLogOptions } from "../ort.js";
import { OnnxUnsupported } from "../errors.js";
import { firstLine } from "../util/text.js";
import { encodeModel } from "./codec.js";
import { SeededRandom } from "../util/random.js";
import { dtypeOfOnnx, dtypeOfOrt, randomData } from "./dtypes.js";
import type { Graph } from "./graph.js";
import { create, ModelProtoSchema, ValueInfoProtoSchema } from "./proto.js";

/** A tensor as onnxruntime made it: element type and concrete shape. */
export interface MeasuredType {
  elemType: number;
  shape: number[];
}

/**
 * Measures the element type and concrete shape of tensors by running the model on random inputs
 * (onnx/dtypes.ts randomData, seeded by position), once per given set of input shapes, with those
 * tensors exposed as extra outputs. Random rather than zero inputs, so that a size that depends on
 * the data (NonZero, Unique) changes between runs instead of looking fixed. A run that onnxruntime
 * refuses (the model does not accept those sizes) gives its error instead of a result.
 */
export async function measureTypes(
  graph: Graph,
  names: readonly string[],
  inputShapes: readonly ReadonlyMap<string, readonly number[]>[],
): Promise<(Map<string, MeasuredType> | Error)[]> {
  if (names.length === 0) return inputShapes.map(() => new Map());
  const src = graph.model;
  // The file's value_info and output shapes are left out: exporters write stale or specialised
  // ones, which onnxruntime would take into its own inference and warn about at every other size.
  const untyped = (name: string) => create(ValueInfoProtoSchema, { name });
  const probeModel = create(ModelProtoSchema, {
    ...src,
    graph: {
      ...src.graph!,
      valueInfo: [],
      output: [...graph.outputs, ...names.filter((n) => !graph.outputs.includes(n))].map(untyped),
    },
  });
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(encodeModel(probeModel), { ...ortLogOptions(), intraOpNumThreads: 1, graphOptimizationLevel: "disabled" });
  } catch (e) {
    throw new OnnxUnsupported(`cannot measure ${names.slice(0, 3).join(", ")}: onnxruntime refused the model (${firstLine(e)})`, { cause: e });
  }
  const results: (Map<string, MeasuredType> | Error)[] = [];
  try {
    for (const [run, shapes] of inputShapes.entries()) {
      const rng = new SeededRandom(run + 1);
      const feeds: Record<string, ort.Tensor> = {};
      for (const name of graph.inputs) {
        const declared = graph.declaredTypes.get(name);
        const dims = shapes.get(name);
        if (!declared || !dims) throw new OnnxUnsupported(`graph input '${name}' has no declared type or shape to measure with`);
        feeds[name] = randomTensor(declared.elemType, dims, rng);
      }
      try {
        const out = await session.run(feeds, [...names]);
        const result = new Map<string, MeasuredType>();
        for (const name of names) {
          const t = out[name];
          const elemType = t ? dtypeOfOrt(t.type)?.onnx : undefined;
          if (t && elemType !== undefined) result.set(name, { elemType, shape: [...t.dims] });
        }
        results.push(result);
      } catch (e) {
        results.push(e instanceof Error ? e : new Error(String(e)));
      }
    }
  } finally {
    await session.release();
  }
  return results;
}

function randomTensor(elemType: number, dims: readonly number[], rng: SeededRandom): ort.Tensor {
  const d = dtypeOfOnnx(elemType);
  if (!d) throw new OnnxUnsupported(`cannot make a measuring input of element type ${elemType}`);
  return new ort.Tensor(d.ort, randomData(d, dims.reduce((a, b) => a * b, 1), rng) as ort.Tensor.DataType, [...dims]);
}

