import { constants } from "node:fs";
import { type FileHandle, open, readlink } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { FileTooLarge, IoError, NotRegularFile } from "../errors.js";

/**
 * Every file msplit takes from the user or the host goes through here (docs/security.md,
 * "Untrusted files"): regular files only (a FIFO, device or socket is refused without blocking:
 * the open is non-blocking and fstat decides), a symlink followed once (the last path component;
 * a link to a link is refused), a size limit per kind of file, and reads that never allocate more
 * than that limit.
 */

export type FileKind =
  | "model"
  | "external-data"
  | "npy"
  | "image"
  | "labels"
  | "plan"
  | "key"
  | "checkpoint"
  | "bundle"
  | "protected-file"
  | "quote"
  | "collateral"
  | "policy"
  | "certificate"
  | "resource";

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** The most msplit reads of each kind of file. */
export const FILE_LIMITS: Readonly<Record<FileKind, number>> = {
  /** An ONNX file is one protobuf message, which cannot exceed 2 GiB (larger models use external data). */
  model: 2 * GiB,
  /** Read by range, one tensor at a time; each tensor must match its declared shape. */
  "external-data": 64 * GiB,
  /** Read whole: an input array. */
  npy: 2 * GiB,
  /** Read whole, then decoded under a pixel limit (runtime/preprocess.ts). */
  image: 256 * MiB,
  labels: 16 * MiB,
  plan: 64 * MiB,
  /** Key files are 32 bytes, wrapped ones 40. */
  key: 4 * 1024,
  /** Read by range under limits relative to the file's size (torch/limits.ts); vgg19 is 548 MiB. */
  checkpoint: 16 * GiB,
  /** Part files are checked against the sizes in the authenticated manifest. */
  bundle: 64 * GiB,
  /** Gramine protected files, and the plain files pf encrypt takes; both are streamed. */
  "protected-file": 64 * GiB,
  /** An SGX quote is a few KiB; 64 KiB leaves room for any certification data (attest/dcap/quote.ts). */
  quote: 64 * 1024,
  /** PCS collateral: TCB info, QE identity, CRLs and their chains as JSON. */
  collateral: MiB,
  /** An attestation policy (JSON). */
  policy: 64 * 1024,
  /** A PEM certificate bundle (a key broker's CA). */
  certificate: MiB,
  /** A key broker resource: a key or a KEK, far below this. */
  resource: 64 * 1024,
};

const KIND_NAMES: Record<FileKind, string> = {
  model: "model",
  "external-data": "external data file",
  npy: ".npy input",
  image: "image",
  labels: "labels file",
  plan: "plan",
  key: "key file",
  checkpoint: "checkpoint",
  bundle: "bundle file",
  "protected-file": "file",
  quote: "quote",
  collateral: "collateral",
  policy: "policy",
  certificate: "certificate",
  resource: "resource",
};

export interface UntrustedFile {
  fh: FileHandle;
  size: number;
}

export interface OpenUntrustedOptions {
  /** Overrides the kind's size limit. */
  maxBytes?: number;
}

/** Opens `path` as a regular file of `kind`; the caller closes the handle. */
export async function openUntrusted(path: string, kind: FileKind, options: OpenUntrustedOptions = {}): Promise<UntrustedFile> {
  const what = KIND_NAMES[kind];
  const fh = await openFollowingOnce(path, what);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotRegularFile(`${what} ${path} is ${describeType(st)}, not a regular file`);
    const limit = options.maxBytes ?? FILE_LIMITS[kind];
    if (st.size > limit) throw new FileTooLarge(`${what} ${path} is ${st.size} bytes; the limit for a ${what} is ${limit}`);
    return { fh, size: st.size };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/**
 * Reads a whole regular file of `kind` into memory. The buffer is the size fstat gave; a file that
 * grows while it is read (a /proc file, a file being written) is refused rather than followed.
 */
export async function readUntrusted(path: string, kind: FileKind, options: OpenUntrustedOptions = {}): Promise<Buffer> {
  return (await readUntrustedJoined([path], kind, options))[0]!;
}

/**
 * Reads several regular files of `kind` end to end into one buffer, each checked as by
 * `readUntrusted` (regular, within its size limit, not growing while read); returns a view per
 * file. A consumer that joins them (resident mode's in-place stitch) then needs no second copy.
 */
export async function readUntrustedJoined(paths: readonly string[], kind: FileKind, options: OpenUntrustedOptions = {}): Promise<Buffer[]> {
  const opened: (UntrustedFile & { path: string })[] = [];
  try {
    for (const path of paths) opened.push({ ...(await openUntrusted(path, kind, options)), path });
    const joined = Buffer.allocUnsafeSlow(opened.reduce((n, f) => n + f.size, 0));
    const views: Buffer[] = [];
    let offset = 0;
    const probe = Buffer.alloc(1);
    for (const { fh, size, path } of opened) {
      const view = joined.subarray(offset, offset + size);
      try {
        if ((await readInto(fh, view, 0)) < size || (await fh.read(probe, 0, 1, size)).bytesRead !== 0)
          throw new IoError(`${KIND_NAMES[kind]} ${path} changed size while it was read`);
      } catch (e) {
        if (e instanceof IoError) throw e;
        throw ioError(path, KIND_NAMES[kind], e);
      }
      views.push(view);
      offset += size;
    }
    return views;
  } finally {
    await Promise.all(opened.map((f) => f.fh.close()));
  }
}

/**
 * Fills `buf` from `position` (or, with null, from the file's current position) until it is full
 * or the file ends; returns how many bytes were read.
 */
export async function readInto(fh: FileHandle, buf: Uint8Array, position: number | null): Promise<number> {
  let got = 0;
  while (got < buf.byteLength) {
    const { bytesRead } = await fh.read(buf, got, buf.byteLength - got, position === null ? null : position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

async function openFollowingOnce(path: string, what: string): Promise<FileHandle> {
  try {
    return await open(path, FLAGS | NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ELOOP" || NOFOLLOW === 0) throw openError(path, what, e);
  }
  // The last component is a symlink: follow it once, and no further.
  let target: string;
  try {
    target = resolve(dirname(path), await readlink(path));
  } catch (e) {
    throw openError(path, what, e);
  }
  try {
    return await open(target, FLAGS | NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOOP") throw new NotRegularFile(`${what} ${path} is a symlink to a symlink; msplit follows one link at most`);
    throw openError(path, what, e);
  }
}

function openError(path: string, what: string, e: unknown): Error {
  // A socket cannot be opened (ENXIO): say what it is.
  if ((e as NodeJS.ErrnoException).code === "ENXIO") return new NotRegularFile(`${what} ${path} is a socket or a device without a driver, not a regular file`);
  return ioError(path, what, e);
}

function ioError(path: string, what: string, e: unknown): IoError {
  return new IoError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
}

function describeType(st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}
