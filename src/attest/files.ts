import type { FileHandle } from "node:fs/promises";
import { readInto } from "../util/untrusted-file.js";

/** Reads from the current position until EOF or `max` bytes, whichever comes first. */
export async function readAtMost(fh: FileHandle, max: number): Promise<Buffer> {
  const buf = Buffer.alloc(max);
  return buf.subarray(0, await readInto(fh, buf, null));
}
