import { type Decipher, randomBytes } from "node:crypto";

/** Overwrites a buffer that held key material or plaintext. Callers own their buffers; call this when done. */
export function zeroize(buf: Uint8Array | undefined): void {
  buf?.fill(0);
}

/** A part file name: 16 random bytes in lower-case hex. */
export function randomPartName(): string {
  return randomBytes(16).toString("hex");
}

/** Fisher–Yates with crypto randomness: the write order must not leak the part order. */
export function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomBytes(4).readUInt32BE(0) % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * Finishes an AEAD decryption: the plaintext when the tag verifies, else undefined with the
 * unauthenticated output zeroed, so it can never be returned.
 */
export function finalOrWipe(decipher: Decipher, plaintext: Buffer): Buffer | undefined {
  try {
    decipher.final();
    return plaintext;
  } catch {
    plaintext.fill(0);
    return undefined;
  }
}
