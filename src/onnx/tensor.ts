import { OnnxInvalid, OnnxUnsupported } from "../errors.js";
import { dataTypeName } from "./dtypes.js";
import { lazyPayload, readRange } from "./payload.js";
import { create, DataType, type TensorProto, TensorProtoSchema } from "./proto.js";

/** Bytes per element; 0 for STRING (variable) and undefined for types msplit does not know. */
const ELEMENT_BYTES: Partial<Record<DataType, number>> = {
  [DataType.FLOAT]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.UINT16]: 2,
  [DataType.INT16]: 2,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
  [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4,
  [DataType.UINT64]: 8,
  [DataType.COMPLEX64]: 8,
  [DataType.COMPLEX128]: 16,
  [DataType.BFLOAT16]: 2,
  [DataType.FLOAT8E4M3FN]: 1,
  [DataType.FLOAT8E4M3FNUZ]: 1,
  [DataType.FLOAT8E5M2]: 1,
  [DataType.FLOAT8E5M2FNUZ]: 1,
  [DataType.STRING]: 0,
};

export function elementBytes(dt: number): number {
  const n = ELEMENT_BYTES[dt as DataType];
  if (n === undefined) throw new OnnxUnsupported(`unsupported tensor element type ${dt}`);
  return n;
}

export function numElements(dims: readonly (number | bigint)[]): number {
  let n = 1;
  for (const d of dims) n *= Number(d);
  return n;
}

/** Size in bytes of a tensor's payload, whichever field holds it. */
export function tensorPayloadBytes(t: TensorProto): number {
  const per = ELEMENT_BYTES[t.dataType as DataType] ?? 0;
  if (t.dataType === DataType.STRING) return t.stringData.reduce((s, b) => s + b.byteLength, 0);
  return numElements(t.dims) * per;
}

function alignedCopy(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Float32 values of a FLOAT tensor (raw_data or float_data), as a fresh array. */
export function tensorToFloat32(t: TensorProto): Float32Array {
  if (t.dataType !== DataType.FLOAT)
    throw new OnnxUnsupported(`tensor '${t.name}' is ${dataTypeName(t.dataType)}, expected float`);
  const n = numElements(t.dims);
  const lazy = lazyPayload(t);
  const raw = lazy ? readRange(lazy) : t.rawData;
  if (raw.byteLength > 0) {
    if (raw.byteLength !== n * 4)
      throw new OnnxInvalid(`tensor '${t.name}' holds ${raw.byteLength} bytes, its shape needs ${n * 4}`);
    return new Float32Array(alignedCopy(raw));
  }
  if (t.floatData.length !== n)
    throw new OnnxInvalid(`tensor '${t.name}' holds ${t.floatData.length} floats, its shape needs ${n}`);
  return Float32Array.from(t.floatData);
}

/** Integer values of an INT64/INT32 tensor as bigints (exact for all int64). */
export function tensorToBigInts(t: TensorProto): bigint[] {
  const n = numElements(t.dims);
  if (t.dataType === DataType.INT64) {
    if (t.rawData.byteLength > 0) {
      if (t.rawData.byteLength !== n * 8) throw new OnnxInvalid(`tensor '${t.name}' has a wrong payload size`);
      return Array.from(new BigInt64Array(alignedCopy(t.rawData)));
    }
    return t.int64Data.slice();
  }
  if (t.dataType === DataType.INT32) {
    if (t.rawData.byteLength > 0) return Array.from(new Int32Array(alignedCopy(t.rawData)), BigInt);
    return t.int32Data.map(BigInt);
  }
  throw new OnnxUnsupported(`tensor '${t.name}' is ${dataTypeName(t.dataType)}, expected an integer type`);
}

export function floatTensor(name: string, dims: readonly number[], data: Float32Array): TensorProto {
  if (data.length !== numElements(dims))
    throw new OnnxInvalid(`tensor '${name}': ${data.length} values for shape [${dims.join(", ")}]`);
  return create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly (number | bigint)[]): TensorProto {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: DataType.INT64,
    rawData: new Uint8Array(data.buffer),
  });
}
