import { readFile } from "node:fs/promises";
import { IoError, NpyInvalid } from "../errors.js";
import { writeFileAtomic } from "../util/fs.js";

/** A float32 array with its shape, as numpy's .npy holds it. */
export interface NdArray {
  shape: number[];
  data: Float32Array;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

/**
 * Parses a .npy file (format versions 1-3) holding float32 data in C order. float64 input is
 * converted; other dtypes and Fortran order are refused.
 */
export function parseNpy(bytes: Uint8Array, source = "input"): NdArray {
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
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new NpyInvalid(`${source}: malformed shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const body = buf.subarray(start + headerLen);
  const width = descr === "<f4" ? 4 : descr === "<f8" ? 8 : 0;
  if (width === 0) throw new NpyInvalid(`${source}: dtype ${descr} is not supported (float32 or float64 expected)`);
  if (body.length !== count * width) throw new NpyInvalid(`${source}: holds ${body.length} data bytes, shape (${shape.join(", ")}) needs ${count * width}`);
  const aligned = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  const data = width === 4 ? new Float32Array(aligned) : Float32Array.from(new Float64Array(aligned));
  return { shape, data };
}

export function encodeNpy(array: NdArray): Buffer {
  const shapeText = array.shape.length === 1 ? `${array.shape[0]},` : array.shape.join(", ");
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shapeText}), }`;
  // Pad with spaces so that the data starts on a 64-byte boundary; the header ends with \n.
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const head = Buffer.alloc(10);
  MAGIC.copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, "latin1"), Buffer.from(array.data.buffer, array.data.byteOffset, array.data.byteLength)]);
}

export async function readNpy(path: string): Promise<NdArray> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new IoError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  return parseNpy(bytes, path);
}

export async function writeNpy(path: string, array: NdArray): Promise<void> {
  await writeFileAtomic(path, encodeNpy(array));
}
