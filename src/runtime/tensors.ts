import { ort } from "../ort.js";
import type { NdArray } from "./npy.js";

export function toOrtTensor(a: NdArray): ort.Tensor {
  return new ort.Tensor("float32", a.data, a.shape);
}

export function fromOrtTensor(t: ort.Tensor): NdArray {
  if (t.type !== "float32") throw new TypeError(`expected a float32 tensor, got ${t.type}`);
  return { shape: [...t.dims], data: t.data as Float32Array };
}

/** max |a - b| and that divided by max |a|: the equivalence measure msplit reports. */
export function compareOutputs(reference: ArrayLike<number>, candidate: ArrayLike<number>): { maxAbsDiff: number; relative: number } {
  if (reference.length !== candidate.length) return { maxAbsDiff: Infinity, relative: Infinity };
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs(reference[i]! - candidate[i]!));
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return { maxAbsDiff: diff, relative: scale > 0 ? diff / scale : diff };
}
