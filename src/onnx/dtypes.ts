import type { SeededRandom } from "../util/random.js";
import type { DataType } from "./proto.js";

/**
 * ONNX's `TensorProto.DataType` names by number (onnx.proto; numbers are never reused), written out
 * so that code needing only the numbers does not load the protobuf descriptors: a cold `infer`
 * never decodes a model (test/onnx/dtypes.test.ts checks the table against the generated enum).
 */
const ONNX_TYPE_NAMES = [
  "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE",
  "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
  "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1",
] as const;

const onnxType = (name: (typeof ONNX_TYPE_NAMES)[number]): DataType => ONNX_TYPE_NAMES.indexOf(name);

/** "float", "int64", ... for an ONNX element type; `typeN` for a number ONNX does not define. */
export function dataTypeName(dt: number): string {
  return ONNX_TYPE_NAMES[dt]?.toLowerCase() ?? `type${dt}`;
}

/** The element types that ONNX, onnxruntime-node and numpy's .npy share, and how each names them. */
export type OrtDtype = "float32" | "float64" | "float16" | "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32" | "uint64" | "bool";

export type TypedArray =
  | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

export interface Dtype {
  onnx: DataType;
  ort: OrtDtype;
  /** numpy's type code without the byte order: "f4", "i8", "b1", ... */
  npy: string;
  bytes: number;
  /** How onnxruntime-node holds the data (float16 as raw bits in a Uint16Array, bool as bytes). */
  array: { new (n: number): TypedArray; new (buffer: ArrayBuffer, offset?: number, length?: number): TypedArray };
  kind: "float" | "int" | "bool";
}

export const DTYPES: readonly Dtype[] = [
  { onnx: onnxType("FLOAT"), ort: "float32", npy: "f4", bytes: 4, array: Float32Array, kind: "float" },
  { onnx: onnxType("DOUBLE"), ort: "float64", npy: "f8", bytes: 8, array: Float64Array, kind: "float" },
  { onnx: onnxType("FLOAT16"), ort: "float16", npy: "f2", bytes: 2, array: Uint16Array, kind: "float" },
  { onnx: onnxType("INT8"), ort: "int8", npy: "i1", bytes: 1, array: Int8Array, kind: "int" },
  { onnx: onnxType("INT16"), ort: "int16", npy: "i2", bytes: 2, array: Int16Array, kind: "int" },
  { onnx: onnxType("INT32"), ort: "int32", npy: "i4", bytes: 4, array: Int32Array, kind: "int" },
  { onnx: onnxType("INT64"), ort: "int64", npy: "i8", bytes: 8, array: BigInt64Array, kind: "int" },
  { onnx: onnxType("UINT8"), ort: "uint8", npy: "u1", bytes: 1, array: Uint8Array, kind: "int" },
  { onnx: onnxType("UINT16"), ort: "uint16", npy: "u2", bytes: 2, array: Uint16Array, kind: "int" },
  { onnx: onnxType("UINT32"), ort: "uint32", npy: "u4", bytes: 4, array: Uint32Array, kind: "int" },
  { onnx: onnxType("UINT64"), ort: "uint64", npy: "u8", bytes: 8, array: BigUint64Array, kind: "int" },
  { onnx: onnxType("BOOL"), ort: "bool", npy: "b1", bytes: 1, array: Uint8Array, kind: "bool" },
];

export const dtypeOfOnnx = (elemType: number): Dtype | undefined => DTYPES.find((d) => d.onnx === elemType);
export const dtypeOfOrt = (name: string): Dtype | undefined => DTYPES.find((d) => d.ort === name);
export const dtypeOfNpy = (code: string): Dtype | undefined => DTYPES.find((d) => d.npy === code);

/** An IEEE half-precision value from its 16 bits. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** The half-precision bits nearest to a value (round to nearest even). */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const u = new Uint32Array(f32.buffer)[0]!;
  const sign = (u >> 16) & 0x8000;
  const exp = ((u >> 23) & 0xff) - 127 + 15;
  let mant = u & 0x7fffff;
  if (((u >> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    const half = mant >> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (exp << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/**
 * `n` random values of a dtype: floats standard normal, integers 0..3 (valid indices for any
 * table of four or more rows), bools fair coins.
 */
export function randomData(d: Dtype, n: number, rng: SeededRandom): TypedArray {
  if (d.ort === "float32") return rng.fillNormal(n, 1);
  const data = new d.array(n);
  for (let i = 0; i < n; i++) {
    if (d.kind === "float") {
      const v = rng.normal();
      (data as unknown as number[])[i] = d.ort === "float16" ? floatToHalf(v) : v;
    } else {
      const v = d.kind === "bool" ? (rng.next() < 0.5 ? 1 : 0) : Math.floor(rng.next() * 4);
      (data as unknown as (number | bigint)[])[i] = d.bytes === 8 ? BigInt(v) : v;
    }
  }
  return data;
}
