import { DataLocation, DataType, type ModelProto, type TensorProto } from "../onnx/proto.js";
import { WeightsMismatch } from "./errors.js";

export { identifyArchitecture } from "./identify.js";

/** A float32 tensor from a PyTorch state dict, row-major. */
export interface StateTensor {
  dims: number[];
  data: Float32Array;
}

export interface LoadStateDictOptions {
  /**
   * Let the model use the state dict's buffers instead of copying them (default false). For
   * callers that drop the state dict afterwards: it halves peak memory on large imports.
   */
  adopt?: boolean;
  /**
   * State-dict keys that have no tensor in the model and are dropped silently. BatchNorm's
   * `*.num_batches_tracked` (a training counter) is always ignored.
   */
  ignore?: (name: string) => boolean;
}

/** How many names of each kind the error message spells out. */
const LISTED_PER_KIND = 5;

/**
 * Copies state-dict tensors into the model's initializers by name. Every initializer must be
 * present with its exact shape and every tensor must be used (but ignored ones); otherwise nothing
 * is copied and WeightsMismatch lists what is missing, unexpected and mis-shaped.
 */
export function loadStateDict(
  model: ModelProto,
  weights: ReadonlyMap<string, StateTensor>,
  options: LoadStateDictOptions = {},
): void {
  const initializers = model.graph?.initializer ?? [];
  const ignored = (name: string) => name.endsWith(".num_batches_tracked") || (options.ignore?.(name) ?? false);
  const known = new Set(initializers.map((t) => t.name));
  const missing: string[] = [];
  const misShaped: string[] = [];
  for (const t of initializers) {
    const w = weights.get(t.name);
    if (!w) missing.push(t.name);
    else {
      const problem = shapeProblem(t, w);
      if (problem) misShaped.push(`${t.name} (${problem})`);
    }
  }
  const unexpected = [...weights.keys()].filter((name) => !known.has(name) && !ignored(name));
  if (missing.length + unexpected.length + misShaped.length > 0) {
    const modelName = model.graph?.name || "the model";
    throw new WeightsMismatch(
      `the weights do not fit ${modelName}: ` +
        [describe("missing", missing), describe("unexpected", unexpected), describe("mis-shaped", misShaped)]
          .filter((s) => s !== "")
          .join("; "),
    );
  }
  // Validated in full above, so a mismatch never leaves the model half loaded.
  for (const t of initializers) copyInto(t, weights.get(t.name)!, options.adopt ?? false);
}

function shapeProblem(t: TensorProto, w: StateTensor): string | undefined {
  const expected = t.dims.map(Number);
  if (!sameDims(expected, w.dims)) return `model [${expected.join(", ")}], weights [${w.dims.join(", ")}]`;
  if (t.dataType !== DataType.FLOAT) return `model tensor is not float32`;
  const count = w.dims.reduce((a, b) => a * b, 1);
  if (w.data.length !== count) return `${w.data.length} values for shape [${w.dims.join(", ")}]`;
  return undefined;
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function describe(kind: string, names: readonly string[]): string {
  if (names.length === 0) return "";
  const listed = names.slice(0, LISTED_PER_KIND).join(", ");
  const more = names.length > LISTED_PER_KIND ? `, and ${names.length - LISTED_PER_KIND} more` : "";
  return `${names.length} ${kind} (${listed}${more})`;
}

/** The tensor gets its own copy (the caller may reuse the state dict's buffers), or adopts them. */
function copyInto(t: TensorProto, w: StateTensor, adopt: boolean): void {
  const view = new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength);
  t.rawData = adopt ? view : Uint8Array.from(view);
  t.floatData = [];
  t.dataLocation = DataLocation.DEFAULT;
  t.externalData = [];
}
