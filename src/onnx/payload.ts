import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { NotRegularFile, OnnxInvalid } from "../errors.js";
import { openUntrusted } from "../util/untrusted-file.js";
import type { TensorProto } from "./proto.js";

/**
 * Where a large initializer's bytes sit in a model file, for tensors read lazily (lazy.ts): they
 * are copied file to file when parts are written, never held in memory.
 */
export interface FileRange {
  path: string;
  offset: number;
  length: number;
}

const lazyPayloads = new WeakMap<TensorProto, FileRange>();

export function setLazyPayload(t: TensorProto, range: FileRange): void {
  lazyPayloads.set(t, range);
}

/** The file range holding `t`'s raw_data, when `t` came from `loadModelLazy`. */
export function lazyPayload(t: TensorProto): FileRange | undefined {
  return lazyPayloads.get(t);
}

/** A piece of an encoded model: bytes in memory, or a range of a model file. */
export type Piece = Uint8Array | FileRange;

export function pieceLength(p: Piece): number {
  return p instanceof Uint8Array ? p.byteLength : p.length;
}

/** Reads a file range into memory (for consumers that need the weights themselves). */
export function readRange(r: FileRange): Uint8Array {
  // The model file was checked when it was read lazily; it may have been replaced since.
  const fd = openSync(r.path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) throw new NotRegularFile(`${r.path} is no longer a regular file`);
    const buf = Buffer.allocUnsafe(r.length);
    let got = 0;
    while (got < r.length) {
      const n = readSync(fd, buf, got, r.length - got, r.offset + got);
      if (n === 0) throw new OnnxInvalid(`${r.path} is shorter than its tensors need`);
      got += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

const COPY_BUFFER = 4 * 1024 * 1024;

/**
 * Writes pieces in order to a new file: bytes as they are, file ranges copied through one reusable
 * buffer (bounded memory, no fresh pages per weight). Flushed before it returns.
 */
export async function writePieces(path: string, pieces: readonly Piece[], mode = 0o644): Promise<void> {
  const out = await open(path, "wx", mode);
  const sources = new Map<string, FileHandle>();
  let scratch: Buffer | undefined;
  try {
    for (const p of pieces) {
      if (p instanceof Uint8Array) {
        await writeAll(out, p);
        continue;
      }
      let src = sources.get(p.path);
      if (!src) sources.set(p.path, (src = (await openUntrusted(p.path, "model")).fh));
      scratch ??= Buffer.allocUnsafe(COPY_BUFFER);
      for (let done = 0; done < p.length; ) {
        const n = Math.min(scratch.length, p.length - done);
        const { bytesRead } = await src.read(scratch, 0, n, p.offset + done);
        if (bytesRead !== n) throw new OnnxInvalid(`${p.path} is shorter than its tensors need`);
        await writeAll(out, scratch.subarray(0, n));
        done += n;
      }
    }
    await out.sync();
  } finally {
    await out.close();
    for (const s of sources.values()) await s.close();
  }
}

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.byteLength; ) {
    const { bytesWritten } = await fh.write(bytes, off, bytes.byteLength - off);
    off += bytesWritten;
  }
}
