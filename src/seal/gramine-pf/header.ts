import { PfCorrupted, PfInvalidHeader, PfInvalidVersion } from "./errors.js";
import { FILE_ID, HEADER, METADATA_SIZE, metadataOffset, NODE_SIZE, type PfVersion } from "./format.js";

export interface PfHeader {
  version: PfVersion;
  minorVersion: number;
  /** Version 2's feature_flags byte (0 for version 1). */
  featureFlags: number;
  nonce: Buffer;
  tag: Buffer;
  /** The encrypted metadata. */
  blob: Buffer;
}

/** Checks a host file's length before anything is read: whole nodes, at least one. */
export function checkPfLength(length: number, what: string): void {
  if (length === 0) throw new PfInvalidHeader(`${what} is empty; a protected file holds at least its 4096-byte metadata node`);
  if (length % NODE_SIZE !== 0) throw new PfInvalidHeader(`${what} is ${length} bytes, not a whole number of 4096-byte nodes: not a protected file, or cut short`);
}

/** Parses the plaintext header of node 0 (views into `node0`). */
export function parsePfHeader(node0: Buffer, what: string): PfHeader {
  if (node0.byteLength < NODE_SIZE) throw new PfInvalidHeader(`${what} is shorter than one node`);
  if (!node0.subarray(0, FILE_ID.length).equals(FILE_ID)) throw new PfInvalidHeader(`${what} is not a Gramine protected file (no GRAFS_PF file id)`);
  const major = node0[HEADER.majorVersion]!;
  if (major !== 1 && major !== 2)
    throw new PfInvalidVersion(`${what} has protected-files major version ${major}; msplit reads versions 1 (Gramine <= 1.8) and 2 (Gramine >= 1.9)`);
  const version = major;
  const offset = metadataOffset(version);
  // Gramine always writes the rest of the node as zeros; nothing authenticates it, so it must stay so.
  if (node0.subarray(offset + METADATA_SIZE, NODE_SIZE).some((b) => b !== 0))
    throw new PfCorrupted(`${what}: the metadata node has non-zero bytes after its encrypted metadata`);
  return {
    version,
    minorVersion: node0[HEADER.minorVersion]!,
    featureFlags: version === 2 ? node0[HEADER.featureFlags]! : 0,
    nonce: node0.subarray(HEADER.nonce, HEADER.nonce + HEADER.nonceSize),
    tag: node0.subarray(HEADER.tag, HEADER.tag + HEADER.tagSize),
    blob: node0.subarray(offset, offset + METADATA_SIZE),
  };
}
