import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { IoError, OutputExists } from "../errors.js";
import { writeNewFile } from "./staging.js";

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
    const pieces = typeof data === "string" ? [Buffer.from(data)] : Array.isArray(data) ? data : [data as Uint8Array];
    await writeNewFile(tmp, pieces, mode);
    if (!overwrite && (await exists(path))) throw new OutputExists(`${path} already exists; refusing to overwrite it`);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof OutputExists) throw e;
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
