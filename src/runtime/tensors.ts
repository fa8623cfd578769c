import { ort } from "../ort.js";
import { NpyInvalid } from "../errors.js";
import { dtypeOfOrt, halfToFloat } from "../onnx/dtypes.js";
import { dtypeOf, type NdArray } from "./npy.js";

export function toOrtTensor(a: NdArray): ort.Tensor {
  return new ort.Tensor(dtypeOf(a).ort, a.data as ort.Tensor.DataType, a.shape);
}

export function fromOrtTensor(t: ort.Tensor): NdArray {
  const d = dtypeOfOrt(t.type);
  if (!d) throw new NpyInvalid(`a ${t.type} tensor cannot be written as .npy`);
  return { dtype: d.ort, shape: [...t.dims], data: t.data as NdArray["data"] };
}

/** max |a - b| and that divided by max |a|: the equivalence measure msplit reports. */
export function compareOutputs(reference: ArrayLike<number | bigint>, candidate: ArrayLike<number | bigint>): { maxAbsDiff: number; relative: number } {
  if (reference.length !== candidate.length) return { maxAbsDiff: Infinity, relative: Infinity };
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = Number(reference[i]!);
    diff = Math.max(diff, Math.abs(r - Number(candidate[i]!)));
    scale = Math.max(scale, Math.abs(r));
  }
  return { maxAbsDiff: diff, relative: scale > 0 ? diff / scale : diff };
}

/** How a tensor compares with a reference: floats by relative difference, integers and bools exactly. */
export interface TensorComparison {
  dtype: string;
  shape: number[];
  /** Floats: max |diff| / max |reference|. Integers and bools: 0 when equal, else Infinity. */
  relative: number;
  maxAbsDiff: number;
  /** Elements that differ at all (integers and bools must have none). */
  mismatches: number;
  exact: boolean;
}

export function compareTensors(reference: ort.Tensor, candidate: ort.Tensor): TensorComparison {
  const dtype = dtypeOfOrt(reference.type);
  const exact = dtype?.kind !== "float";
  const base = { dtype: reference.type, shape: [...reference.dims], exact };
  const sameShape = reference.dims.length === candidate.dims.length && reference.dims.every((d, i) => d === candidate.dims[i]);
  if (reference.type !== candidate.type || !sameShape) return { ...base, relative: Infinity, maxAbsDiff: Infinity, mismatches: reference.size };
  const a = reference.data as ArrayLike<number | bigint>;
  const b = candidate.data as ArrayLike<number | bigint>;
  const value = reference.type === "float16" ? (v: number | bigint) => halfToFloat(Number(v)) : Number;
  let mismatches = 0;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) mismatches++;
    if (exact) continue;
    const x = value(a[i]!);
    const y = value(b[i]!);
    // NaN where the reference has NaN is agreement; anywhere else it is the largest difference.
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) diff = Infinity;
      continue;
    }
    diff = Math.max(diff, x === y ? 0 : Math.abs(x - y));
    scale = Math.max(scale, Math.abs(x));
  }
  if (exact) return { ...base, relative: mismatches === 0 ? 0 : Infinity, maxAbsDiff: mismatches === 0 ? 0 : Infinity, mismatches };
  return { ...base, relative: scale > 0 ? diff / scale : diff, maxAbsDiff: diff, mismatches };
}
