import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { IoError, MsplitError, OutputExists } from "../errors.js";
import { writeNewFile } from "./staging.js";

/**
 * Writes a file so that it either appears whole or not at all: data goes to a hidden temporary
 * name in the same directory, is flushed, then renamed into place. A failure removes the temporary.
 * With `zeroize`, each piece is wiped once written (plaintext handed over by its owner).
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string | readonly Uint8Array[] | AsyncIterable<Uint8Array>,
  options: { mode?: number; overwrite?: boolean; zeroize?: boolean } = {},
): Promise<void> {
  const { mode = 0o644, zeroize = false } = options;
  const pieces = typeof data === "string" ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
  await atomically(path, options, (tmp) => writeNewFile(tmp, pieces, mode, { zeroize }));
}

/**
 * Like writeFileAtomic, for writers that need the file handle (positional writes): `fill` writes
 * into the temporary, which is then flushed and renamed into place.
 */
export async function createFileAtomic<T>(
  path: string,
  fill: (fh: FileHandle) => Promise<T>,
  options: { mode?: number; overwrite?: boolean } = {},
): Promise<T> {
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

async function atomically<T>(path: string, options: { overwrite?: boolean }, write: (tmp: string) => Promise<T>): Promise<T> {
  const { overwrite = true } = options;
  if (!overwrite && (await exists(path))) throw new OutputExists(`${path} already exists; refusing to overwrite it`);
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const result = await write(tmp);
    if (!overwrite && (await exists(path))) throw new OutputExists(`${path} already exists; refusing to overwrite it`);
    await rename(tmp, path);
    return result;
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof MsplitError) throw e;
    throw new IoError(`cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
