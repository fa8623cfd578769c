import { randomBytes } from "node:crypto";
import { readKeyFile, writeNewKeyFile, type LoadKeyOptions } from "../keys.js";
import { checkWrapKey } from "./open.js";
import { WRAP_KEY_SIZE } from "./format.js";

/**
 * Gramine wrap keys: raw 16-byte files, as `gramine-sgx-pf-crypt gen-key` writes them and as
 * `/dev/attestation/keys/<name>` takes them. Read with the same rules as msplit's key files (a
 * regular file, private to its owner unless told otherwise), except the size.
 */
export async function loadWrapKey(path: string, options: LoadKeyOptions = {}): Promise<Buffer> {
  const key = await readKeyFile(path, WRAP_KEY_SIZE, options.permissions ?? "error");
  try {
    checkWrapKey(key, `the wrap key in ${path}`);
    return key;
  } catch (e) {
    key.fill(0);
    throw e;
  }
}

/** Writes a new random wrap key (mode 0600, never overwriting). */
export async function generateWrapKey(path: string): Promise<void> {
  const key = randomBytes(WRAP_KEY_SIZE);
  try {
    await writeNewKeyFile(path, key);
  } finally {
    key.fill(0);
  }
}
