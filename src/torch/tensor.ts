import { DTYPE_BYTES, float16Table, isFloatDType } from "./dtype.js";
import type { DType } from "./dtype.js";
import { TorchInvalid, TorchUnsupported } from "./errors.js";
import type { TensorRef } from "./pyvalue.js";

export type TensorData = Float32Array | BigInt64Array;

export interface Materialized {
  data: TensorData;
  /** Bytes newly allocated (0 for a view on the storage buffer). */
  allocated: number;
}

/**
 * Turns a tensor description into values, honouring size, stride and storage offset. Float types come
 * out as float32, int64 as BigInt64Array. A contiguous tensor whose dtype needs no conversion is a view
 * on `storage` (no copy), so tensors sharing a storage may share memory.
 */
export function materialize(t: TensorRef, storage: Uint8Array, name: string): Materialized {
  const elem = DTYPE_BYTES[t.dtype];
  if (storage.byteLength % elem !== 0) {
    throw new TorchInvalid(`tensor '${name}': storage '${t.storage.key}' has ${storage.byteLength} bytes, not a whole number of ${t.dtype} elements`);
  }
  const numel = checkBounds(t, storage.byteLength / elem, name);
  if (t.dtype === "float32") {
    return viewOrCopy(t, new Float32Array(storage.buffer, storage.byteOffset, storage.byteLength / elem), numel, Float32Array);
  }
  if (t.dtype === "int64") {
    return viewOrCopy(t, new BigInt64Array(storage.buffer, storage.byteOffset, storage.byteLength / elem), numel, BigInt64Array);
  }
  if (!isFloatDType(t.dtype)) {
    throw new TorchUnsupported(`tensor '${name}' has dtype ${t.dtype}; msplit reads float32, float16, bfloat16, float64 and int64`);
  }
  const out = new Float32Array(numel);
  gather(t, converter(t.dtype, storage, out, name));
  return { data: out, allocated: out.byteLength };
}

interface TypedArrayLike<T> {
  readonly length: number;
  readonly byteLength: number;
  [i: number]: T;
  subarray(begin: number, end: number): this;
}

function viewOrCopy<T, A extends TypedArrayLike<T> & TensorData>(t: TensorRef, src: A, numel: number, Ctor: new (n: number) => A): Materialized {
  if (isContiguous(t)) return { data: src.subarray(t.offset, t.offset + numel), allocated: 0 };
  const out = new Ctor(numel);
  gather(t, (s, step, n, d) => {
    for (let i = 0; i < n; i++) out[d + i] = src[s + i * step]!;
  });
  return { data: out, allocated: out.byteLength };
}

/** Bytes `materialize` will allocate for `t` (0 for a zero-copy view), computed without reading anything. */
export function materializeCost(t: TensorRef): number {
  if ((t.dtype === "float32" || t.dtype === "int64") && isContiguous(t)) return 0;
  return t.size.reduce((a, b) => a * b, 1) * (t.dtype === "int64" ? 8 : 4);
}

export function isContiguous(t: TensorRef): boolean {
  let expected = 1;
  for (let i = t.size.length - 1; i >= 0; i--) {
    if (t.size[i] !== 1 && t.stride[i] !== expected) return false;
    expected *= t.size[i]!;
  }
  return true;
}

/** Checks that every element the view can reach lies inside the storage; returns the element count. */
function checkBounds(t: TensorRef, storageElems: number, name: string): number {
  let numel = 1;
  let last = t.offset;
  for (let i = 0; i < t.size.length; i++) {
    numel *= t.size[i]!;
    last += Math.max(t.size[i]! - 1, 0) * t.stride[i]!;
  }
  if (!Number.isSafeInteger(numel) || !Number.isSafeInteger(last)) throw new TorchInvalid(`tensor '${name}': size or stride overflows`);
  if (numel > 0 && last >= storageElems) {
    throw new TorchInvalid(
      `tensor '${name}' [${t.size.join(", ")}] needs element ${last} of storage '${t.storage.key}', which holds only ${storageElems} ${t.dtype} elements`,
    );
  }
  return numel;
}

type RowCopy = (srcStart: number, srcStep: number, count: number, dstStart: number) => void;

/** Walks the view row by row (the last dimension is the inner loop) and hands each row to `copy`. */
function gather(t: TensorRef, copy: RowCopy): void {
  const nd = t.size.length;
  if (nd === 0) return copy(t.offset, 1, 1, 0);
  if (t.size.some((s) => s === 0)) return;
  const rowLen = t.size[nd - 1]!;
  const rowStep = t.stride[nd - 1]!;
  const idx = new Array<number>(nd - 1).fill(0);
  let src = t.offset;
  for (let dst = 0; ; dst += rowLen) {
    copy(src, rowStep, rowLen, dst);
    let d = nd - 2;
    for (; d >= 0; d--) {
      idx[d]!++;
      src += t.stride[d]!;
      if (idx[d]! < t.size[d]!) break;
      src -= idx[d]! * t.stride[d]!;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

function converter(dtype: DType, storage: Uint8Array, out: Float32Array, name: string): RowCopy {
  const { buffer, byteOffset, byteLength } = storage;
  switch (dtype) {
    case "float16": {
      const src = new Uint16Array(buffer, byteOffset, byteLength / 2);
      const table = float16Table();
      return (s, step, n, d) => {
        for (let i = 0; i < n; i++) out[d + i] = table[src[s + i * step]!]!;
      };
    }
    case "bfloat16": {
      // bfloat16 is the top half of a float32: shift the bits into place.
      const src = new Uint16Array(buffer, byteOffset, byteLength / 2);
      const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
      return (s, step, n, d) => {
        for (let i = 0; i < n; i++) bits[d + i] = src[s + i * step]! << 16;
      };
    }
    case "float64": {
      const src = new Float64Array(buffer, byteOffset, byteLength / 8);
      return (s, step, n, d) => {
        for (let i = 0; i < n; i++) out[d + i] = src[s + i * step]!;
      };
    }
    default:
      throw new TorchUnsupported(`tensor '${name}' has dtype ${dtype}; msplit reads float32, float16, bfloat16, float64 and int64`);
  }
}
