import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { IoError, OutputExists } from "../errors.js";
import { openUntrusted } from "../util/untrusted-file.js";
import { zeroize } from "./bytes.js";
import { KeyInvalid, KeyPermissions } from "./errors.js";
import { KEY_SIZE } from "./kdf.js";
import { checkKeyBytes, looksLikeText } from "./key-bytes.js";
import { isWrappedKeyFile, unwrapKey, WRAPPED_KEY_FILE_SIZE, wrapKey } from "./wrap.js";

/**
 * Key files (docs/bundle-format.md, "Key files"): exactly 32 raw bytes, mode 0600, never
 * overwritten. Errors name files and sizes, never key bytes.
 */

export const KEY_FILE_ENV = "MSPLIT_KEY_FILE";

export type KeySource =
  | { kind: "file"; path: string }
  /** The key file named by an environment variable (MSPLIT_KEY_FILE unless `variable` says otherwise). */
  | { kind: "env"; variable?: string }
  /** A wrapped key file, unwrapped with the key-encryption key from `kek`. */
  | { kind: "wrapped"; path: string; kek: KeySource }
  /**
   * A key someone releases at run time (a key broker, after attestation), bound to the one bundle
   * it may open: a reader refuses any other bundle sealed under the same key (a rollback).
   */
  | { kind: "released"; what: string; release: () => Promise<ReleasedKey> };

export interface ReleasedKey {
  key: Buffer;
  /** The id (hex) of the only bundle this key may open. */
  bundleId: string;
}

/** A key and, when its source binds it to one bundle, that bundle's id. */
export interface BoundKey {
  key: Buffer;
  bundleId?: string;
}

export interface LoadKeyOptions {
  /**
   * A key file that grants any permission to group or others: "error" (default, like ssh),
   * "warn" (a process warning, for mounts that cannot set modes) or "ignore".
   */
  permissions?: "error" | "warn" | "ignore";
}

export interface GenerateKeyOptions {
  /** Store the new key wrapped by this key-encryption key instead of in the clear. */
  wrapWith?: string | KeySource;
  permissions?: LoadKeyOptions["permissions"];
}

/**
 * Loads a 32-byte key. The caller owns the returned buffer and should `zeroize` it when done.
 * A released key is bound to a bundle: load it with `loadBoundKey`, which returns the binding.
 */
export async function loadKey(source: KeySource, options: LoadKeyOptions = {}): Promise<Buffer> {
  if (isBound(source)) throw new KeyInvalid("a released key is bound to one bundle: open that bundle with it (loadBoundKey), it is not a bare key");
  return (await loadBoundKey(source, options)).key;
}

function isBound(source: KeySource): boolean {
  return source.kind === "released" || (source.kind === "wrapped" && isBound(source.kek));
}

/** Loads a key with the bundle it is bound to, if its source binds it (a released key or KEK). */
export async function loadBoundKey(source: KeySource, options: LoadKeyOptions = {}): Promise<BoundKey> {
  switch (source.kind) {
    case "released": {
      const { key, bundleId } = await source.release();
      try {
        checkKeyBytes(key, `the key from ${source.what}`);
      } catch (e) {
        zeroize(key);
        throw e;
      }
      return { key, bundleId };
    }
    case "wrapped": {
      const file = await readKeyFile(source.path, WRAPPED_KEY_FILE_SIZE, "ignore"); // not secret without the KEK
      const { key: kek, bundleId } = await loadBoundKey(source.kek, options);
      try {
        return { key: unwrapKey(file, kek, source.path), bundleId };
      } finally {
        zeroize(kek);
      }
    }
    default:
      return { key: await loadPlainKey(source, options) };
  }
}

async function loadPlainKey(source: KeySource, options: LoadKeyOptions): Promise<Buffer> {
  switch (source.kind) {
    case "file":
      return readPlainKey(source.path, options);
    case "env": {
      const variable = source.variable ?? KEY_FILE_ENV;
      const path = process.env[variable];
      if (!path) throw new KeyInvalid(`no key file: the environment variable ${variable} is not set`);
      return readPlainKey(path, options);
    }
    default:
      throw new KeyInvalid(`unknown key source kind ${JSON.stringify((source as { kind?: unknown }).kind)}`);
  }
}

/**
 * Writes a new random key to `path` (mode 0600, refusing to overwrite), in the clear or wrapped
 * by a key-encryption key.
 */
export async function generateKey(path: string, options: GenerateKeyOptions = {}): Promise<void> {
  const { wrapWith } = options;
  const kek = wrapWith === undefined ? undefined : await loadKey(typeof wrapWith === "string" ? { kind: "file", path: wrapWith } : wrapWith, options);
  let key = randomBytes(KEY_SIZE);
  // Keep generated keys inside what readers accept (a ~5e-14 event, but the reader would refuse it).
  while (looksLikeText(key)) key = randomBytes(KEY_SIZE);
  const bytes = kek ? wrapKey(key, kek) : key;
  try {
    await writeNewKeyFile(path, bytes);
  } finally {
    zeroize(key);
    zeroize(kek);
  }
}

export async function writeNewKeyFile(path: string, bytes: Uint8Array): Promise<void> {
  let fh: FileHandle;
  try {
    // A missing directory (e.g. secrets/) is created private to its owner.
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    fh = await open(path, "wx", 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new OutputExists(`${path} already exists; refusing to overwrite a key file`);
    throw new IoError(`cannot create key file ${path}: ${code ?? (e as Error).message}`, { cause: e });
  }
  try {
    await fh.writeFile(bytes);
    await fh.sync();
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(path, { force: true });
    throw new IoError(`cannot write key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

async function readPlainKey(path: string, options: LoadKeyOptions): Promise<Buffer> {
  const key = await readKeyFile(path, KEY_SIZE, options.permissions ?? "error");
  try {
    if (isWrappedKeyFile(key)) throw new KeyInvalid(`${path} is a wrapped key file; load it as { kind: "wrapped" } with its KEK`);
    if (key.length !== KEY_SIZE) throw new KeyInvalid(`${path} is not a key file: ${key.length} bytes instead of ${KEY_SIZE}`);
    if (looksLikeText(key))
      throw new KeyInvalid(`${path} holds text (a passphrase or an encoded key?); a key file is ${KEY_SIZE} random raw bytes`);
    checkKeyBytes(key, `the key in ${path}`);
    return key;
  } catch (e) {
    zeroize(key);
    throw e;
  }
}

/** Reads at most `expected + 1` bytes (or a wrapped key file's + 1): enough to tell the right size from a wrong one. */
export async function readKeyFile(path: string, expected: number, permissions: NonNullable<LoadKeyOptions["permissions"]>): Promise<Buffer> {
  let fh: FileHandle;
  try {
    // Not blocking on a FIFO, a regular file only, one symlink followed, at most a few KiB.
    ({ fh } = await openUntrusted(path, "key"));
  } catch (e) {
    throw new KeyInvalid((e as Error).message, { cause: e });
  }
  try {
    checkMode(path, (await fh.stat()).mode, permissions);
    const buf = Buffer.alloc(Math.max(expected, WRAPPED_KEY_FILE_SIZE) + 1);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const out = Buffer.from(buf.subarray(0, got));
    buf.fill(0);
    return out;
  } finally {
    await fh.close();
  }
}

function checkMode(path: string, mode: number, permissions: NonNullable<LoadKeyOptions["permissions"]>): void {
  // Windows has no meaningful mode bits.
  if (permissions === "ignore" || process.platform === "win32" || (mode & 0o077) === 0) return;
  const msg = `key file ${path} has mode ${(mode & 0o777).toString(8).padStart(4, "0")}; group and others must have no access (chmod 600)`;
  if (permissions === "error") throw new KeyPermissions(msg);
  process.emitWarning(msg, { code: "MSPLIT_KEY_PERMISSIONS" });
}
