import { aesCmac } from "./cmac.js";

/** Gramine's protected-files format, docs/gramine-pf-format.md: constants and node arithmetic. */

export const NODE_SIZE = 4096;
export const FILE_ID = Buffer.from("GRAFS_PF", "ascii");
export type PfVersion = 1 | 2;
export const PF_VERSIONS: readonly PfVersion[] = [1, 2];
/** Both Gramine generations read version 1; only Gramine >= 1.9 reads version 2. */
export const DEFAULT_PF_VERSION: PfVersion = 1;
export const WRAP_KEY_SIZE = 16;

export const HEADER = {
  fileId: 0,
  majorVersion: 8,
  minorVersion: 9,
  nonce: 10,
  nonceSize: 32,
  tag: 42,
  tagSize: 16,
  /** Version 2 only. */
  featureFlags: 58,
} as const;

export const METADATA_SIZE = 3884;
export const METADATA = {
  path: 0,
  pathSize: 772,
  fileSize: 772,
  rootKey: 780,
  rootTag: 796,
  data: 812,
} as const;
/** Plaintext bytes held by the metadata node itself. */
export const METADATA_DATA_SIZE = 3072;
export const MAX_PATH_BYTES = METADATA.pathSize - 1;

export const DATA_NODES_PER_MHT = 96;
export const CHILDREN_PER_MHT = 32;
/** Key 16 bytes then tag 16 bytes, for each of an MHT node's 128 entries. */
export const ENTRY_SIZE = 32;
export const KEY_SIZE = 16;

/** Where the encrypted metadata starts: version 2 inserts the feature_flags byte before it. */
export function metadataOffset(version: PfVersion): number {
  return version === 1 ? 58 : 59;
}

export interface PfLayout {
  dataNodes: number;
  mhtNodes: number;
  /** Nodes in the file, the metadata node included. */
  nodes: number;
}

export function layoutOf(plainSize: number): PfLayout {
  const dataNodes = plainSize <= METADATA_DATA_SIZE ? 0 : Math.ceil((plainSize - METADATA_DATA_SIZE) / NODE_SIZE);
  const mhtNodes = Math.ceil(dataNodes / DATA_NODES_PER_MHT);
  return { dataNodes, mhtNodes, nodes: 1 + mhtNodes + dataNodes };
}

export function mhtPhysicalNode(k: number): number {
  return 1 + (1 + DATA_NODES_PER_MHT) * k;
}

/** The MHT node that holds MHT node k's key and tag (k >= 1), and the entry index there. */
export function mhtParentEntry(k: number): { parent: number; entry: number } {
  return { parent: Math.floor((k - 1) / CHILDREN_PER_MHT), entry: DATA_NODES_PER_MHT + ((k - 1) % CHILDREN_PER_MHT) };
}

const LABEL = "SGX-PROTECTED-FS-METADATA-KEY";
export const KDF_INPUT_SIZE = 104;

/** NIST SP 800-108 counter mode, one AES-CMAC block: the key of the metadata node. */
export function metadataKey(wrapKey: Uint8Array, nonce: Uint8Array): Buffer {
  const input = Buffer.alloc(KDF_INPUT_SIZE);
  input.writeUInt32LE(1, 0);
  input.write(LABEL, 4, "ascii");
  input.set(nonce, 68);
  input.writeUInt32LE(128, 100);
  return aesCmac(wrapKey, input);
}

/**
 * Gramine's path normalization (common/src/path_utils.c, get_norm_path): empty and `.`
 * components dropped, `..` resolved against earlier components (kept at the start of a relative
 * path, dropped at the root), no trailing slash. The embedded path and the path a file is opened
 * at are both normalized so.
 */
export function normalizePfPath(path: string): string {
  const absolute = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
      continue;
    }
    out.push(part);
  }
  return (absolute ? "/" : "") + out.join("/");
}
