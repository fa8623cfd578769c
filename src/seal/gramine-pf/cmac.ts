import { createCipheriv } from "node:crypto";

/**
 * AES-128-CMAC (RFC 4493). node:crypto has no CMAC, so it is built here on AES-128-CBC with a
 * zero IV, whose last output block over the prepared message is the CMAC.
 */

const BLOCK = 16;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

/** Multiplication by x in GF(2^128) as RFC 4493 section 2.3 uses it to make the subkeys. */
function double(block: Buffer): Buffer {
  const out = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) out[i] = ((block[i]! << 1) | (i + 1 < BLOCK ? block[i + 1]! >> 7 : 0)) & 0xff;
  if (block[0]! & 0x80) out[BLOCK - 1]! ^= 0x87;
  return out;
}

export function aesCmac(key: Uint8Array, message: Uint8Array): Buffer {
  if (key.byteLength !== BLOCK) throw new RangeError(`AES-128-CMAC needs a 16-byte key, got ${key.byteLength}`);
  const ecb = createCipheriv("aes-128-ecb", key, null).setAutoPadding(false);
  const l = ecb.update(ZERO_BLOCK);
  ecb.final();
  const k1 = double(l);
  const k2 = double(k1);
  l.fill(0);

  const blocks = Math.max(1, Math.ceil(message.byteLength / BLOCK));
  const complete = message.byteLength > 0 && message.byteLength % BLOCK === 0;
  const prepared = Buffer.alloc(blocks * BLOCK);
  prepared.set(message);
  const lastOffset = (blocks - 1) * BLOCK;
  if (!complete) prepared[message.byteLength] = 0x80;
  const subkey = complete ? k1 : k2;
  for (let i = 0; i < BLOCK; i++) prepared[lastOffset + i]! ^= subkey[i]!;

  const cbc = createCipheriv("aes-128-cbc", key, ZERO_BLOCK).setAutoPadding(false);
  const out = cbc.update(prepared);
  cbc.final();
  const mac = Buffer.from(out.subarray(lastOffset));
  for (const b of [k1, k2, prepared, out]) b.fill(0);
  return mac;
}
