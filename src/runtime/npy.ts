import { NpyInvalid } from "../errors.js";
import { type Dtype, dtypeOfNpy, dtypeOfOrt, DTYPES, type OrtDtype, type TypedArray } from "../onnx/dtypes.js";
import { writeFileAtomic } from "../util/fs.js";
import { readUntrusted } from "../util/untrusted-file.js";

/**
 * An array with its shape, as numpy's .npy holds it, in onnxruntime's terms: `data` is the typed
 * array onnxruntime-node uses for `dtype` (float16 as raw bits in a Uint16Array, bool as bytes).
 */
export interface NdArray<T extends TypedArray = TypedArray> {
  /** Default: the one type its typed array stands for (float32 for a Float32Array). */
  dtype?: OrtDtype;
  shape: number[];
  data: T;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Parses a .npy file (format versions 1-3) in C order, of any dtype numpy and onnxruntime share:
 * float32/64/16, int8/16/32/64, uint8/16/32/64, bool. Big-endian data is byte-swapped; other
 * dtypes (complex, strings, objects) and Fortran order are refused.
 */
export function parseNpy(bytes: Uint8Array, source = "input"): NdArray & { dtype: OrtDtype } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new NpyInvalid(`${source} is not a numpy .npy file`);
  const major = buf[6]!;
  if (major < 1 || major > 3) throw new NpyInvalid(`${source}: unsupported .npy version ${major}`);
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > buf.length) throw new NpyInvalid(`${source}: truncated .npy header`);
  const header = buf.subarray(start, start + headerLen).toString("latin1");
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new NpyInvalid(`${source}: malformed .npy header`);
  if (fortran === "True") throw new NpyInvalid(`${source}: Fortran-ordered arrays are not supported`);
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new NpyInvalid(`${source}: malformed shape (${shapeText.slice(0, 80)})`);
  const order = descr[0]!;
  const dtype = /^[<>|=]/.test(descr) ? dtypeOfNpy(descr.slice(1)) : undefined;
  if (!dtype || (dtype.bytes === 1 ? order !== "|" && order !== "<" && order !== ">" && order !== "=" : order === "|")) {
    throw new NpyInvalid(`${source}: dtype ${descr.slice(0, 20)} is not supported (${DTYPES.map((d) => d.ort).join(", ")})`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const body = buf.subarray(start + headerLen);
  if (body.length !== count * dtype.bytes) throw new NpyInvalid(`${source}: holds ${body.length} data bytes, shape (${shape.join(", ")}) of ${dtype.ort} needs ${count * dtype.bytes}`);
  const aligned = new Uint8Array(body.byteLength);
  aligned.set(body);
  const bigEndian = order === ">" || (order === "=" && !LITTLE_ENDIAN_HOST);
  if (bigEndian && dtype.bytes > 1) swapBytes(aligned, dtype.bytes);
  return { dtype: dtype.ort, shape, data: new dtype.array(aligned.buffer, 0, count) };
}

function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

/** The dtype of an array: its own, or the one its typed array stands for unambiguously. */
export function dtypeOf(array: NdArray): Dtype {
  if (array.dtype) return dtypeOfOrt(array.dtype)!;
  const d = DTYPES.find((x) => array.data instanceof x.array && x.ort !== "float16" && x.ort !== "bool");
  if (!d) throw new NpyInvalid("an array without a dtype");
  return d;
}

export function encodeNpy(array: NdArray): Buffer {
  const dtype = dtypeOf(array);
  const shapeText = array.shape.length === 1 ? `${array.shape[0]},` : array.shape.join(", ");
  let header = `{'descr': '${dtype.bytes === 1 ? "|" : "<"}${dtype.npy}', 'fortran_order': False, 'shape': (${shapeText}), }`;
  // Pad with spaces so that the data starts on a 64-byte boundary; the header ends with \n.
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const head = Buffer.alloc(10);
  MAGIC.copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  let data = Buffer.from(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  if (!LITTLE_ENDIAN_HOST && dtype.bytes > 1) {
    data = Buffer.from(data);
    swapBytes(data, dtype.bytes);
  }
  return Buffer.concat([head, Buffer.from(header, "latin1"), data]);
}

export async function readNpy(path: string): Promise<NdArray & { dtype: OrtDtype }> {
  return parseNpy(await readUntrusted(path, "npy"), path);
}

/** Writes atomically; refuses to replace an existing file unless `overwrite`. */
export async function writeNpy(path: string, array: NdArray, options: { overwrite?: boolean } = {}): Promise<void> {
  await writeFileAtomic(path, encodeNpy(array), options);
}
