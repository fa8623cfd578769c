import type { FileHandle } from "node:fs/promises";
import { FileTooLarge, NotRegularFile } from "../errors.js";
import { openUntrusted } from "../util/untrusted-file.js";
import { BundleIncomplete, BundleInvalid, BundleTampered, BundleTruncated } from "./errors.js";
import { PART_HEADER_SIZE, type PartHeader, parsePartHeader } from "./format.js";
import { chunkCount, SEALED_CHUNK_SIZE, sealedSize } from "./stream.js";

/** What a bundle expects at each position, for checking part files before decrypting them. */
export interface PartCheckContext {
  id: Buffer;
  /** Expected part tags by index, hex: a misplaced file's tag says which part it holds. */
  tagIndex: ReadonlyMap<string, number>;
  sizes: readonly number[];
}

export interface CheckedPart {
  fh: FileHandle;
  header: PartHeader;
  /** The index whose part tag the file carries; differs from the expected index when misplaced. */
  holds: number;
}

/**
 * Opens a file of the bundle refusing anything but a regular file, as every untrusted file
 * (util/untrusted-file.ts): a FIFO planted by the host cannot block the open.
 */
export async function openBundleFile(path: string, name: string): Promise<{ fh: FileHandle; size: number }> {
  try {
    return await openUntrusted(path, "bundle");
  } catch (e) {
    if (e instanceof NotRegularFile || e instanceof FileTooLarge) throw new BundleInvalid(`${name} is not a regular file of a bundle: ${e.message}`, { cause: e });
    if (((e as Error).cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT") throw new BundleIncomplete(`${name} is missing from the bundle`);
    throw e;
  }
}

/**
 * Checks the part file for position `index`: header, bundle id, part tag and, when the file is
 * where it belongs, its exact size. The caller owns (and closes) the returned handle.
 */
export async function checkPartFile(path: string, file: string, index: number, ctx: PartCheckContext): Promise<CheckedPart> {
  const { fh, size } = await openBundleFile(path, `part file ${file}`);
  try {
    const head = Buffer.alloc(PART_HEADER_SIZE);
    const { bytesRead } = await fh.read(head, 0, PART_HEADER_SIZE, 0);
    const header = parsePartHeader(head.subarray(0, bytesRead), `part file ${file}`);
    if (!header.id.equals(ctx.id))
      throw new BundleTampered(
        `part file ${file} belongs to another bundle (id ${header.id.toString("hex")}, this bundle is ${ctx.id.toString("hex")}), or its header was modified`,
      );
    const holds = ctx.tagIndex.get(header.tag.toString("hex"));
    if (holds === undefined)
      throw new BundleTampered(`part file ${file} was modified: its part tag matches no part of this bundle`);
    if (holds === index) checkSize(file, size, ctx.sizes[index]!);
    return { fh, header, holds };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

function checkSize(file: string, actual: number, plainSize: number): void {
  const expected = PART_HEADER_SIZE + sealedSize(plainSize);
  if (actual > expected) throw new BundleTampered(`part file ${file} has ${actual - expected} bytes after its final chunk`);
  if (actual === expected) return;
  const n = chunkCount(plainSize);
  const payload = actual - PART_HEADER_SIZE;
  const whole = Math.floor(payload / SEALED_CHUNK_SIZE);
  const where =
    payload % SEALED_CHUNK_SIZE !== 0
      ? `cut in the middle of chunk ${whole} (${whole} of ${n} chunks complete)`
      : whole === n - 1
        ? `its final chunk is missing (${whole} of ${n} chunks present)`
        : `cut at a chunk boundary (${whole} of ${n} chunks present)`;
  throw new BundleTruncated(`part file ${file} is truncated: ${actual} bytes instead of ${expected}; ${where}`);
}

/**
 * Explains why the file at `index` holds part `holds`; `holdings` (what every position holds, when
 * all were checked) tells a swap from a copy.
 */
export function misplacedError(index: number, holds: number, files: readonly string[], holdings?: readonly number[]): BundleTampered {
  const here = files[index]!;
  const there = files[holds]!;
  if (!holdings)
    return new BundleTampered(`part file ${here} holds part ${holds} and does not belong at position ${index} (swapped, renamed or copied)`);
  const copies = holdings.filter((h) => h === holds).length;
  if (holdings[holds] === index)
    return new BundleTampered(
      `part files ${here} and ${there} are swapped: ${here} holds part ${holds} and does not belong at position ${index}`,
    );
  if (copies > 1)
    return new BundleTampered(
      `part file ${here} is a copy of part ${holds} (file ${there}): part ${holds} appears ${copies} times and part ${index} is gone`,
    );
  return new BundleTampered(`part file ${here} holds part ${holds} and does not belong at position ${index} (files were renamed)`);
}
