import type { Entry, ZipFile } from "yauzl";
import { TorchInvalid } from "./errors.js";

/**
 * Inflates one deflated record into `out`, whose size is the declared uncompressed size; more or
 * fewer bytes than declared is an error, so the output never grows past the preallocated buffer.
 */
export function readDeflated(zip: ZipFile, start: number, e: Entry, out: Uint8Array, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.openReadStreamLowLevel(start, e.compressedSize, 0, e.compressedSize, true, e.uncompressedSize, (err, stream) => {
      if (err) return reject(invalid(what, err));
      let done = 0;
      stream.on("data", (chunk: Buffer) => {
        if (done + chunk.byteLength > out.byteLength) {
          stream.destroy();
          return reject(new TorchInvalid(`${what} inflates to more than its declared ${out.byteLength} bytes`));
        }
        out.set(chunk, done);
        done += chunk.byteLength;
      });
      stream.on("error", (streamErr: Error) => reject(invalid(what, streamErr)));
      stream.on("end", () => {
        if (done !== out.byteLength) reject(new TorchInvalid(`${what} inflates to ${done} bytes, not the declared ${out.byteLength}`));
        else resolve();
      });
    });
  });
}

function invalid(what: string, e: Error): TorchInvalid {
  return new TorchInvalid(`${what} cannot be inflated: ${e.message.split("\n")[0]}`, { cause: e });
}
