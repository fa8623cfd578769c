import { createCipheriv, createDecipheriv } from "node:crypto";
import { finalOrWipe } from "../bytes.js";

/** AES-128-GCM as every protected-file node uses it: all-zero IV, no AAD, 16-byte tag. */

const ZERO_IV = Buffer.alloc(12);

export function sealNode(key: Uint8Array, plain: Uint8Array): { ciphertext: Buffer; tag: Buffer } {
  const c = createCipheriv("aes-128-gcm", key, ZERO_IV);
  const ciphertext = c.update(plain);
  c.final();
  return { ciphertext, tag: c.getAuthTag() };
}

/** The plaintext, or undefined when the tag does not verify (nothing unauthenticated escapes). */
export function openNode(key: Uint8Array, tag: Uint8Array, ciphertext: Uint8Array): Buffer | undefined {
  const d = createDecipheriv("aes-128-gcm", key, ZERO_IV);
  d.setAuthTag(tag);
  return finalOrWipe(d, d.update(ciphertext));
}
