import { readdir, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { IoError } from "../errors.js";
import { HEADER_FILE, type KeySource } from "../seal/index.js";
import { PLAN_FILE } from "../split/files.js";
import { encryptedMount, ENCRYPTED_MOUNT_ENV, inEnclave } from "../util/enclave.js";
import { BundleHeaderMissing, UnsealedModel, UnsealedParts } from "./errors.js";
import { isPfBundle } from "./pf-bundle.js";

/** What a path names: one model file, a directory of plain parts, a sealed bundle, or a Gramine-PF bundle (pf-bundle.ts). */
export type PathKind = "model" | "parts" | "bundle" | "gramine-pf";

export async function pathKind(path: string): Promise<PathKind> {
  let st;
  try {
    st = await stat(path);
  } catch {
    return "model"; // the reader says why it cannot be read
  }
  if (!st.isDirectory()) return "model";
  try {
    await stat(join(path, HEADER_FILE));
    return "bundle";
  } catch {
    return (await isPfBundle(path)) ? "gramine-pf" : "parts";
  }
}

export interface SourcePolicy {
  /** A key means sealed: with any key source (file, environment, wrapped, key broker...), only a bundle is accepted. */
  key?: KeySource;
  /**
   * Accept only sealed input: a bundle, or plain parts read through the enclave's encrypted mount
   * (MSPLIT_ENCRYPTED_MOUNT). Default: on inside an enclave (util/enclave.ts), off elsewhere.
   */
  requireSealed?: boolean;
  /** The 16-byte wrap key file of a Gramine-PF bundle; like `key`, it admits only encrypted input. */
  wrapKey?: string;
}

/**
 * Says what `path` is and refuses it when the policy forbids it, before anything is read, decrypted
 * or run: the check that keeps a host from substituting plaintext for a sealed bundle.
 */
export async function admitSource(path: string, policy: SourcePolicy = {}): Promise<PathKind> {
  const kind = await pathKind(path);
  const keyGiven = policy.key !== undefined || policy.wrapKey !== undefined;
  const sealedOnly = keyGiven || (policy.requireSealed ?? inEnclave());
  if (kind === "bundle" || kind === "gramine-pf" || !sealedOnly) return kind;
  if (!keyGiven && (await underEncryptedMount(path))) return kind;
  const why = keyGiven
    ? "a key was given, so only a sealed bundle is accepted (drop --key, --wrap-key and MSPLIT_KEY_FILE to run plaintext)"
    : `sealed input is required (--require-sealed, always on inside an enclave): only a sealed bundle, or parts under ${ENCRYPTED_MOUNT_ENV}, is accepted`;
  if (kind === "model") {
    await mustExist(path);
    throw new UnsealedModel(`${path} is a plain file, not a sealed bundle: ${why}`);
  }
  if (await holdsPlainParts(path)) throw new UnsealedParts(`${path} holds plain parts and no ${HEADER_FILE}: ${why}`);
  throw new BundleHeaderMissing(`${path} is a directory without ${HEADER_FILE}, so not a sealed bundle: ${why}`);
}

async function mustExist(path: string): Promise<void> {
  try {
    await stat(path);
  } catch (e) {
    throw new IoError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

async function holdsPlainParts(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).some((f) => f === PLAN_FILE || f.endsWith(".onnx"));
  } catch {
    return false;
  }
}

/** Is `path`, symlinks resolved, the encrypted mount or inside it? */
async function underEncryptedMount(path: string): Promise<boolean> {
  const mount = encryptedMount();
  if (!mount) return false;
  try {
    const [real, root] = await Promise.all([realpath(path), realpath(mount)]);
    return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
  } catch {
    return false;
  }
}
