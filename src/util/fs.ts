import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { IoError, OutputExists } from "../errors.js";

/**
 * Writes a file so that it either appears whole or not at all: data goes to a hidden temporary
 * name in the same directory, is flushed, then renamed into place. A failure removes the temporary.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string | readonly Uint8Array[],
  options: { mode?: number; overwrite?: boolean } = {},
): Promise<void> {
  const { mode = 0o644, overwrite = true } = options;
  if (!overwrite && (await exists(path))) throw new OutputExists(`${path} already exists; refusing to overwrite it`);
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const fh = await open(tmp, "wx", mode);
    try {
      if (Array.isArray(data)) await writeChunks(fh, data);
      else await fh.writeFile(data as Uint8Array | string);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (!overwrite && (await exists(path))) throw new OutputExists(`${path} already exists; refusing to overwrite it`);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof OutputExists) throw e;
    throw new IoError(`cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Writes chunks in order with vectored writes (no concatenated copy). */
export async function writeChunks(fh: FileHandle, chunks: readonly Uint8Array[]): Promise<void> {
  const MAX_IOV = 512;
  for (let i = 0; i < chunks.length; i += MAX_IOV) {
    const batch = chunks.slice(i, i + MAX_IOV);
    const total = batch.reduce((s, c) => s + c.byteLength, 0);
    let written = (await fh.writev(batch as Uint8Array[])).bytesWritten;
    // writev may write less than asked for; finish the rest chunk by chunk.
    if (written < total) {
      let offset = 0;
      for (const c of batch) {
        const end = offset + c.byteLength;
        if (written < end) {
          const from = Math.max(0, written - offset);
          await fh.write(c.subarray(from));
          written = end;
        }
        offset = end;
      }
    }
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
