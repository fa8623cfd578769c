import { readFile } from "node:fs/promises";
import { IoError, UsageError } from "../errors.js";
import type { Dim } from "../onnx/types.js";
import { ort } from "../ort.js";
import type { TensorSignature } from "../split/plan.js";
import { SeededRandom } from "../util/random.js";

/** One concrete model input for a benchmark: every dim fixed. */
export interface InputSpec {
  name: string;
  /** ONNX element type name, as plan.json writes it ("float", "int64", ...). */
  dtype: string;
  dims: number[];
}

/**
 * Concrete inputs from a model's input signature. Symbolic dims take their value from `shapes`
 * (name=d0,d1,...); without one, a leading symbolic dim is the batch (1); any other symbolic dim
 * is an error that names it, never a guess that would make the model fail or measure the wrong size.
 */
export function resolveInputs(signature: readonly TensorSignature[], shapes: ReadonlyMap<string, number[]> = new Map()): InputSpec[] {
  for (const name of shapes.keys()) {
    if (!signature.some((s) => s.name === name)) throw new UsageError(`--shape ${name}: the model has no input '${name}' (inputs: ${signature.map((s) => s.name).join(", ")})`);
  }
  return signature.map((s) => {
    const given = shapes.get(s.name);
    if (given) {
      if (s.shape && s.shape.length !== given.length) throw new UsageError(`--shape ${s.name}: the model's input has rank ${s.shape.length}, not ${given.length}`);
      s.shape?.forEach((d, i) => {
        if (typeof d === "number" && d !== given[i]) throw new UsageError(`--shape ${s.name}: dim ${i} is fixed at ${d} by the model, not ${given[i]}`);
      });
      return { name: s.name, dtype: s.dtype, dims: [...given] };
    }
    if (!s.shape) throw new UsageError(`input '${s.name}' has an unknown rank: give its shape with --shape ${s.name}=d0,d1,...`);
    const open = s.shape.flatMap((d: Dim, i) => (typeof d === "number" || i === 0 ? [] : [`${i} (${d ?? "?"})`]));
    if (open.length > 0) throw new UsageError(`input '${s.name}' has symbolic dims ${open.join(", ")}: give its shape with --shape ${s.name}=d0,d1,...`);
    return { name: s.name, dtype: s.dtype, dims: s.shape.map((d) => (typeof d === "number" ? d : 1)) };
  });
}

/** Parses `name=d0,d1,...` (the --shape flag). */
export function parseShapeFlag(text: string): [string, number[]] {
  const m = /^([^=]+)=(\d+(?:,\d+)*)$/.exec(text.trim());
  if (!m) throw new UsageError(`--shape expects name=d0,d1,... with positive integers, got '${text}'`);
  const dims = m[2]!.split(",").map(Number);
  if (dims.some((d) => d < 1)) throw new UsageError(`--shape ${text}: dims must be positive`);
  return [m[1]!, dims];
}

type Filler = (n: number, rng: SeededRandom) => ort.Tensor["data"];

// Floats get standard normal values; integers zeros (valid for indices, lengths and masks alike); bool false.
const FILLERS: Record<string, [ort.Tensor.Type, Filler]> = {
  float: ["float32", (n, rng) => rng.fillNormal(n, 1)],
  double: ["float64", (n, rng) => Float64Array.from(rng.fillNormal(n, 1))],
  int8: ["int8", (n) => new Int8Array(n)],
  int16: ["int16", (n) => new Int16Array(n)],
  int32: ["int32", (n) => new Int32Array(n)],
  int64: ["int64", (n) => new BigInt64Array(n)],
  uint8: ["uint8", (n) => new Uint8Array(n)],
  uint16: ["uint16", (n) => new Uint16Array(n)],
  uint32: ["uint32", (n) => new Uint32Array(n)],
  uint64: ["uint64", (n) => new BigUint64Array(n)],
  bool: ["bool", (n) => new Uint8Array(n)],
};

/** Reproducible tensors for `specs` (the same seed gives the same values in every process). */
export function makeFeeds(specs: readonly InputSpec[], seed = 1234): Record<string, ort.Tensor> {
  const rng = new SeededRandom(seed);
  const feeds: Record<string, ort.Tensor> = {};
  for (const s of specs) {
    const filler = FILLERS[s.dtype];
    if (!filler) throw new UsageError(`input '${s.name}' has dtype ${s.dtype}, which the benchmark cannot fill (${Object.keys(FILLERS).join(", ")})`);
    const n = s.dims.reduce((a, b) => a * b, 1);
    feeds[s.name] = new ort.Tensor(filler[0], filler[1](n, rng), s.dims);
  }
  return feeds;
}

export async function readInputSpecs(path: string): Promise<InputSpec[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new IoError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const specs = JSON.parse(text) as InputSpec[];
  if (!Array.isArray(specs) || specs.some((s) => typeof s?.name !== "string" || typeof s.dtype !== "string" || !Array.isArray(s.dims))) {
    throw new UsageError(`${path} is not a list of {name, dtype, dims}`);
  }
  return specs;
}
