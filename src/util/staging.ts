import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { IoError, OutputExists } from "../errors.js";

/**
 * Directory outputs appear whole or not at all: everything is written into a hidden sibling,
 * flushed, and renamed onto the target, which may only be missing or an empty directory.
 */

export async function createStagingDir(dir: string, mode: number): Promise<string> {
  await assertAbsentOrEmpty(dir);
  const tmp = join(dirname(dir), `.${basename(dir)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await mkdir(dirname(dir), { recursive: true });
    await mkdir(tmp, { mode });
  } catch (e) {
    throw ioError(`cannot create ${tmp}`, e);
  }
  return tmp;
}

export async function commitStagingDir(tmp: string, dir: string): Promise<void> {
  await syncPath(tmp);
  try {
    // rename(2) replaces an empty directory atomically and fails on a non-empty one.
    await rename(tmp, dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOTDIR")
      throw new OutputExists(`${dir} appeared while it was being written; refusing to overwrite it`);
    throw ioError(`cannot move ${tmp} to ${dir}`, e);
  }
  await syncPath(dirname(dir));
}

export async function discardStagingDir(tmp: string): Promise<void> {
  await rm(tmp, { recursive: true, force: true });
}

/**
 * Writes `pieces` to a new file and flushes it; the file must not exist. With `zeroize`, each
 * piece is zeroed once written (plaintext we own).
 */
export async function writeNewFile(
  path: string,
  pieces: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  mode: number,
  options: { mtime?: Date; zeroize?: boolean } = {},
): Promise<void> {
  const { mtime, zeroize = false } = options;
  const fh = await open(path, "wx", mode);
  const batch: Uint8Array[] = [];
  let pending = 0;
  const flush = async (): Promise<void> => {
    const { bytesWritten } = await fh.writev(batch);
    if (bytesWritten !== pending) throw new Error(`short write (${bytesWritten} of ${pending} bytes)`);
    if (zeroize) batch.forEach((b) => b.fill(0));
    batch.length = 0;
    pending = 0;
  };
  try {
    for await (const p of pieces) {
      batch.push(p);
      pending += p.byteLength;
      if (pending >= 1 << 20) await flush();
    }
    if (batch.length > 0) await flush();
    if (mtime) await fh.utimes(mtime, mtime);
    await fh.sync();
  } finally {
    if (zeroize) batch.forEach((b) => b.fill(0));
    await fh.close();
  }
}

export async function assertAbsentOrEmpty(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    if (code === "ENOTDIR") throw new OutputExists(`${dir} exists and is not a directory; refusing to overwrite it`);
    throw ioError(`cannot read ${dir}`, e);
  }
  if (entries.length > 0) throw new OutputExists(`${dir} exists and is not empty; choose a new output directory`);
}

async function syncPath(path: string): Promise<void> {
  // Directory fsync makes the rename durable; some platforms refuse it, which is not fatal.
  try {
    const fh = await open(path, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* best effort */
  }
}

function ioError(what: string, e: unknown): IoError {
  return new IoError(`${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
}
