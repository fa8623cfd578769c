import type { FileHandle } from "node:fs/promises";

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
