import { createSecretKey } from "node:crypto";
import type { CipherKey } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { collectYoungGarbage } from "../util/garbage.js";
import { phase, phaseSync } from "../util/profile.js";
import { BundleTampered, BundleTruncated } from "./errors.js";
import { chunkCount, openChunk, SEALED_CHUNK_SIZE, sealedSize } from "./stream.js";

/**
 * Reads a sealed payload of known plaintext size chunk by chunk from any random-access source, so
 * a part decrypts in bounded memory whether it comes from a file or (for benchmarks) from memory.
 */

/**
 * Returns `length` bytes of the sealed payload from `position` (fewer at end of data). The
 * returned view may be reused by the next call.
 */
export type ChunkSource = (position: number, length: number) => Promise<Uint8Array>;

/** Chunks fetched per read: large enough to amortise syscalls, small enough to bound memory. */
const BATCH_CHUNKS = 16;

/** Plaintext bytes between two collections of the chunks already copied (util/garbage.ts). */
const COLLECT_EVERY = 2 << 20;

export function fileSource(fh: FileHandle, base: number, sealedLength: number): ChunkSource {
  const buf = Buffer.allocUnsafe(Math.min(BATCH_CHUNKS * SEALED_CHUNK_SIZE, sealedLength));
  return async (position, length) => {
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, base + position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  };
}

export function memorySource(sealed: Uint8Array): ChunkSource {
  return async (position, length) => sealed.subarray(position, position + length);
}

/**
 * Yields the authenticated plaintext chunks of a payload whose plaintext is `plainSize` bytes.
 * Each yielded buffer is fresh and owned by the consumer.
 */
export async function* openChunks(
  source: ChunkSource,
  key: CipherKey,
  aad: Uint8Array,
  plainSize: number,
  what: string,
): AsyncGenerator<Buffer> {
  const n = chunkCount(plainSize);
  const total = sealedSize(plainSize);
  // One key object per payload instead of one key import per 64 KiB chunk (about 40% of the
  // per-chunk setup cost).
  key = key instanceof Uint8Array ? createSecretKey(key) : key;
  for (let first = 0; first < n; first += BATCH_CHUNKS) {
    const start = first * SEALED_CHUNK_SIZE;
    const length = Math.min(BATCH_CHUNKS * SEALED_CHUNK_SIZE, total - start);
    const view = await phase("read", () => source(start, length));
    if (view.byteLength < length)
      throw new BundleTruncated(`${what} is truncated: it ends inside chunk ${first + Math.floor(view.byteLength / SEALED_CHUNK_SIZE)} of ${n}`);
    for (let off = 0, i = first; off < length; off += SEALED_CHUNK_SIZE, i++) {
      const plain = phaseSync("decrypt", () => openChunk(key, aad, i, i === n - 1, view.subarray(off, Math.min(off + SEALED_CHUNK_SIZE, length))));
      if (!plain) throw new BundleTampered(`${what} failed authentication at chunk ${i} of ${n} (modified, or not the part that belongs here)`);
      yield plain;
    }
  }
}

/**
 * Drains `chunks` into one buffer of exactly `size` bytes, zeroing the pieces and, on failure, the
 * result. With `into` (at least `size` bytes) the plaintext lands there, with no new allocation.
 */
export async function collectChunks(chunks: AsyncIterable<Buffer>, size: number, into?: Buffer): Promise<Buffer> {
  if (into && into.byteLength < size) throw new RangeError(`target buffer of ${into.byteLength} bytes for ${size} bytes`);
  const out = into ? into.subarray(0, size) : Buffer.allocUnsafeSlow(size);
  let off = 0;
  try {
    for await (const c of chunks) {
      if (off + c.length > size) throw new RangeError("more plaintext than announced");
      phaseSync("decrypt", () => {
        c.copy(out, off);
        c.fill(0);
      });
      if (Math.floor((off + c.length) / COLLECT_EVERY) > Math.floor(off / COLLECT_EVERY)) collectYoungGarbage();
      off += c.length;
    }
    if (off !== size) throw new RangeError("less plaintext than announced");
    return out;
  } catch (e) {
    out.fill(0);
    throw e;
  }
}
