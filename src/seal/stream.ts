import { type CipherKey, createCipheriv, createDecipheriv } from "node:crypto";
import { finalOrWipe } from "./bytes.js";
import { BundleTampered, BundleTruncated } from "./errors.js";

/**
 * STREAM (docs/bundle-format.md): AES-256-GCM over 64 KiB chunks, nonce = u88be(counter) || final
 * flag. These are the synchronous building blocks; reader.ts feeds them from files.
 */

export const CHUNK_SIZE = 65536;
export const TAG_SIZE = 16;
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE;
const ALGORITHM = "aes-256-gcm";

/** An empty plaintext is still one (final, empty) chunk. */
export function chunkCount(plainSize: number): number {
  return Math.max(1, Math.ceil(plainSize / CHUNK_SIZE));
}

export function sealedSize(plainSize: number): number {
  return plainSize + TAG_SIZE * chunkCount(plainSize);
}

export function chunkNonce(index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  // 11-byte big-endian counter; indices stay far below 2^53, so the top three bytes stay zero.
  n.writeUInt32BE(Math.floor(index / 0x1_0000_0000), 3);
  n.writeUInt32BE(index % 0x1_0000_0000, 7);
  n[11] = last ? 1 : 0;
  return n;
}

export function sealChunk(key: CipherKey, aad: Uint8Array, index: number, last: boolean, chunk: Uint8Array): Buffer {
  const c = createCipheriv(ALGORITHM, key, chunkNonce(index, last), { authTagLength: TAG_SIZE });
  c.setAAD(aad);
  const body = c.update(chunk);
  c.final();
  return Buffer.concat([body, c.getAuthTag()]);
}

/** Yields the sealed chunks of `plaintext`, in order. */
export function* sealStream(key: CipherKey, aad: Uint8Array, plaintext: Uint8Array): Generator<Buffer> {
  const n = chunkCount(plaintext.byteLength);
  for (let i = 0; i < n; i++) {
    yield sealChunk(key, aad, i, i === n - 1, plaintext.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE));
  }
}

/**
 * Authenticates and decrypts one sealed chunk; `undefined` when authentication fails. The
 * unauthenticated output of a failed chunk is zeroed, never returned.
 */
export function openChunk(key: CipherKey, aad: Uint8Array, index: number, last: boolean, sealed: Uint8Array): Buffer | undefined {
  if (sealed.byteLength < TAG_SIZE) return undefined;
  const d = createDecipheriv(ALGORITHM, key, chunkNonce(index, last), { authTagLength: TAG_SIZE });
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.byteLength - TAG_SIZE));
  return finalOrWipe(d, d.update(sealed.subarray(0, sealed.byteLength - TAG_SIZE)));
}

/**
 * Opens a whole sealed payload held in memory whose plaintext size is not known in advance (the
 * manifest): the layout follows from the length, and the final flag catches truncation.
 */
export function openStream(key: CipherKey, aad: Uint8Array, sealed: Uint8Array, what: string): Buffer {
  const len = sealed.byteLength;
  if (len < TAG_SIZE) throw new BundleTruncated(`${what} is truncated: ${len} bytes, less than one chunk`);
  const n = Math.ceil(len / SEALED_CHUNK_SIZE);
  const lastLen = len - (n - 1) * SEALED_CHUNK_SIZE;
  if (lastLen < TAG_SIZE) throw new BundleTruncated(`${what} is truncated in the middle of chunk ${n - 1}`);
  // Only an empty plaintext may end with an empty chunk; anything else has had a chunk appended.
  if (lastLen === TAG_SIZE && n > 1) throw new BundleTampered(`${what} ends with an empty chunk after ${n - 1} others`);
  const out = Buffer.allocUnsafeSlow(len - n * TAG_SIZE);
  for (let i = 0; i < n; i++) {
    const last = i === n - 1;
    const piece = sealed.subarray(i * SEALED_CHUNK_SIZE, Math.min((i + 1) * SEALED_CHUNK_SIZE, len));
    const plain = openChunk(key, aad, i, last, piece);
    if (!plain) {
      out.fill(0);
      // A full last chunk that opens as a non-final one means the real final chunk was cut off.
      const asInner = last && lastLen === SEALED_CHUNK_SIZE ? openChunk(key, aad, i, false, piece) : undefined;
      asInner?.fill(0);
      if (asInner)
        throw new BundleTruncated(`${what} is truncated: its final chunk is missing (it ends after ${n} full chunks)`);
      throw new BundleTampered(`${what} failed authentication at chunk ${i} of ${n} (modified, reordered or truncated)`);
    }
    plain.copy(out, i * CHUNK_SIZE);
    plain.fill(0);
  }
  return out;
}
