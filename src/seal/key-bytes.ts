import { KeyInvalid } from "./errors.js";
import { KEY_SIZE } from "./kdf.js";

/** Checks a key passed to the API. Says what is wrong with it, never what it holds. */
export function checkKeyBytes(key: unknown, what: string): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) throw new KeyInvalid(`${what} must be a Uint8Array of ${KEY_SIZE} bytes`);
  if (key.byteLength !== KEY_SIZE) throw new KeyInvalid(`${what} must be ${KEY_SIZE} bytes; got ${key.byteLength}`);
  if (key.every((b) => b === 0)) throw new KeyInvalid(`${what} is all zero bytes`);
}

/** 32 random bytes are all printable with probability ~5e-14: such a "key" is a passphrase or hex. */
export function looksLikeText(key: Uint8Array): boolean {
  return key.every((b) => (b >= 0x20 && b <= 0x7e) || b === 0x09 || b === 0x0a || b === 0x0d);
}
