import { randomBytes } from "node:crypto";
import { type FileHandle, link, lstat, mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { IoError, MsplitError, OutputExists } from "../errors.js";
import { writeNewFile } from "./staging.js";

export interface WriteOptions {
  mode?: number;
  /** Replace an existing file (the CLI's `--force`). Default: refuse with ERR_OUTPUT_EXISTS. */
  overwrite?: boolean;
}

/**
 * Writes a file so that it either appears whole or not at all: data goes to a hidden temporary
 * name in the same directory, is flushed, then moved into place. Without `overwrite` the move is a
 * hard link, which fails if anything appeared at `path` meanwhile (no check-then-rename race);
 * filesystems without hard links fall back to a check and a rename. A failure removes the temporary.
 * With `zeroize`, each piece is wiped once written (plaintext handed over by its owner).
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string | readonly Uint8Array[] | AsyncIterable<Uint8Array>,
  options: WriteOptions & { zeroize?: boolean } = {},
): Promise<void> {
  const { mode = 0o644, zeroize = false } = options;
  const pieces = typeof data === "string" ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
  await atomically(path, options, (tmp) => writeNewFile(tmp, pieces, mode, { zeroize }));
}

/**
 * Like writeFileAtomic, for writers that need the file handle (positional writes): `fill` writes
 * into the temporary, which is then flushed and moved into place.
 */
export async function createFileAtomic<T>(path: string, fill: (fh: FileHandle) => Promise<T>, options: WriteOptions = {}): Promise<T> {
  const { mode = 0o644 } = options;
  return atomically(path, options, async (tmp) => {
    const fh = await open(tmp, "wx", mode);
    try {
      const result = await fill(fh);
      await fh.sync();
      return result;
    } finally {
      await fh.close();
    }
  });
}

async function atomically<T>(path: string, options: WriteOptions, write: (tmp: string) => Promise<T>): Promise<T> {
  const { overwrite = false } = options;
  if (!overwrite) await assertOutputAbsent(path);
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const result = await write(tmp);
    if (overwrite) await rename(tmp, path);
    else await moveNoReplace(tmp, path);
    return result;
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof MsplitError) throw e;
    throw new IoError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/** Refuses an output path where anything exists (a dangling symlink too); call before doing the work. */
export async function assertOutputAbsent(path: string): Promise<void> {
  if (await existsNoFollow(path)) throw new OutputExists(`${path} already exists; refusing to overwrite it (--force replaces it)`);
}

async function moveNoReplace(tmp: string, path: string): Promise<void> {
  try {
    await link(tmp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new OutputExists(`${path} appeared while it was being written; refusing to overwrite it`);
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw e;
    await assertOutputAbsent(path);
    await rename(tmp, path);
    return;
  }
  await rm(tmp, { force: true });
}

async function existsNoFollow(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
