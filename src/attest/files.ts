import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { IoError } from "../errors.js";

/**
 * Reads a small input file an untrusted party may have handed us (a quote, collateral, a policy):
 * a regular file only (a FIFO or device could block or never end), at most `limit` bytes.
 */
export async function readSmallFile(path: string, limit: number, what: string): Promise<Buffer> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new IoError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new IoError(`${what} ${path} is not a regular file`);
    if (st.size > limit) throw new IoError(`${what} ${path} is ${st.size} bytes; at most ${limit} are accepted`);
    const bytes = await readAtMost(fh, limit + 1);
    if (bytes.length > limit) throw new IoError(`${what} ${path} grew past ${limit} bytes while being read`);
    return bytes;
  } finally {
    await fh.close();
  }
}

/** Reads from the current position until EOF or `max` bytes, whichever comes first. */
export async function readAtMost(fh: FileHandle, max: number): Promise<Buffer> {
  const buf = Buffer.alloc(max);
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, null);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}
