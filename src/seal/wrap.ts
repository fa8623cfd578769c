import { createCipheriv, createDecipheriv } from "node:crypto";
import { KekMismatch, KeyInvalid } from "./errors.js";
import { KEY_SIZE } from "./kdf.js";
import { checkKeyBytes } from "./key-bytes.js";

/** Wrapped key files (docs/bundle-format.md, "Wrapped key file"): AES-256 key wrap, RFC 3394. */

export const WRAPPED_MAGIC = Buffer.from("894d53574b45590a", "hex"); // "\x89MSWKEY\n"
export const WRAPPED_KEY_FILE_SIZE = 52;
const WRAPPED_VERSION = 1;
const ALG_AES256_KW = 1;
const KW_IV = Buffer.from("a6a6a6a6a6a6a6a6", "hex"); // RFC 3394 default IV: the integrity check

export function isWrappedKeyFile(bytes: Uint8Array): boolean {
  return bytes.byteLength >= WRAPPED_MAGIC.length && WRAPPED_MAGIC.equals(bytes.subarray(0, WRAPPED_MAGIC.length));
}

/** The bytes of a wrapped key file holding `key` under `kek`. */
export function wrapKey(key: Uint8Array, kek: Uint8Array): Buffer {
  checkKeyBytes(key, "the key to wrap");
  checkKeyBytes(kek, "the key-encryption key");
  const c = createCipheriv("id-aes256-wrap", kek, KW_IV);
  const wrapped = Buffer.concat([c.update(key), c.final()]);
  const out = Buffer.alloc(WRAPPED_KEY_FILE_SIZE);
  WRAPPED_MAGIC.copy(out, 0);
  out.writeUInt16BE(WRAPPED_VERSION, 8);
  out.writeUInt16BE(ALG_AES256_KW, 10);
  wrapped.copy(out, 12);
  return out;
}

/** Recovers the key from a wrapped key file's bytes; `where` names the file in errors. */
export function unwrapKey(file: Uint8Array, kek: Uint8Array, where: string): Buffer {
  checkKeyBytes(kek, "the key-encryption key");
  const b = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (!isWrappedKeyFile(b)) throw new KeyInvalid(`${where} is not a wrapped key file (wrong magic bytes)`);
  if (b.length !== WRAPPED_KEY_FILE_SIZE) throw new KeyInvalid(`${where} is ${b.length} bytes; a wrapped key file is ${WRAPPED_KEY_FILE_SIZE}`);
  const version = b.readUInt16BE(8);
  if (version !== WRAPPED_VERSION) throw new KeyInvalid(`${where} has wrapped-key version ${version}; this msplit reads ${WRAPPED_VERSION}`);
  const alg = b.readUInt16BE(10);
  if (alg !== ALG_AES256_KW) throw new KeyInvalid(`${where} uses unknown wrapping algorithm ${alg}`);
  let key: Buffer;
  try {
    const d = createDecipheriv("id-aes256-wrap", kek, KW_IV);
    key = Buffer.concat([d.update(b.subarray(12)), d.final()]);
  } catch {
    // OpenSSL reports the failed integrity check without detail; nothing else can fail here.
    throw new KekMismatch(`the key-encryption key does not unwrap ${where} (wrong KEK, or the file was modified)`);
  }
  if (key.length !== KEY_SIZE) throw new KeyInvalid(`${where} unwrapped to ${key.length} bytes instead of ${KEY_SIZE}`);
  return key;
}
