import { KeyInvalid } from "../errors.js";
import { PfCorrupted, PfKeyMismatch, PfPathMismatch, PfTruncated } from "./errors.js";
import {
  CHILDREN_PER_MHT,
  DATA_NODES_PER_MHT,
  ENTRY_SIZE,
  KEY_SIZE,
  layoutOf,
  METADATA,
  METADATA_DATA_SIZE,
  metadataKey,
  mhtParentEntry,
  mhtPhysicalNode,
  NODE_SIZE,
  normalizePfPath,
  type PfLayout,
  type PfVersion,
  WRAP_KEY_SIZE,
} from "./format.js";
import { openNode } from "./gcm.js";
import { checkPfLength, parsePfHeader } from "./header.js";

/**
 * Reading a protected file (docs/gramine-pf-format.md, "Reading"): the header and metadata at
 * open, then group by group (an MHT node and its data nodes), every node authenticated against
 * its parent before any of its bytes are released.
 */

/** Random access to the host file: `read` returns up to `length` bytes (fewer only at its end). */
export interface PfSource {
  length: number;
  read(position: number, length: number): Promise<Uint8Array>;
}

export function memoryPfSource(bytes: Uint8Array): PfSource {
  return { length: bytes.byteLength, read: async (position, length) => bytes.subarray(position, position + length) };
}

export interface OpenPfOptions {
  /** The path the file must have been written for (normalized, then compared byte for byte); omit to skip the check. */
  expectedPath?: string;
  /** How messages name the file (default "protected file"). */
  name?: string;
}

export interface OpenedPf {
  version: PfVersion;
  /** The path embedded in the file. */
  path: string;
  /** Plaintext size. */
  size: number;
  layout: PfLayout;
  /** feature_flags of a version 2 header (0 for version 1). */
  featureFlags: number;
  /** The plaintext in order, as lists of fresh buffers (one list per group); the consumer owns and should wipe them. */
  pieces(): AsyncGenerator<Buffer[]>;
  /** The whole plaintext, into `into` (at least `size` bytes) or a new buffer. */
  readAll(into?: Buffer): Promise<Buffer>;
}

export function checkWrapKey(key: Uint8Array, what = "the wrap key"): void {
  if (!(key instanceof Uint8Array) || key.byteLength !== WRAP_KEY_SIZE)
    throw new KeyInvalid(`${what} must be ${WRAP_KEY_SIZE} bytes (a Gramine wrap key); got ${key instanceof Uint8Array ? key.byteLength : typeof key}`);
  if (key.every((b) => b === 0)) throw new KeyInvalid(`${what} is all zero bytes`);
}

export async function openProtectedFile(source: PfSource, wrapKey: Uint8Array, options: OpenPfOptions = {}): Promise<OpenedPf> {
  const what = options.name ?? "protected file";
  checkWrapKey(wrapKey);
  checkPfLength(source.length, what);
  const node0 = Buffer.from(await readExactly(source, 0, NODE_SIZE, what, "the metadata node"));
  const header = parsePfHeader(node0, what);

  const key = metadataKey(wrapKey, header.nonce);
  const metadata = openNode(key, header.tag, header.blob);
  key.fill(0);
  if (!metadata) throw new PfKeyMismatch(`${what} does not open with this wrap key: a wrong key, or its metadata node was modified`);

  let path: string;
  let size: number;
  let rootKey: Buffer;
  let rootTag: Buffer;
  try {
    const pathBytes = metadata.subarray(METADATA.path, METADATA.path + METADATA.pathSize);
    const end = pathBytes.indexOf(0);
    if (end < 0) throw new PfCorrupted(`${what}: the embedded path is not NUL-terminated`);
    path = pathBytes.subarray(0, end).toString("utf8");
    const size64 = metadata.readBigUInt64LE(METADATA.fileSize);
    if (size64 > BigInt(Number.MAX_SAFE_INTEGER)) throw new PfCorrupted(`${what}: the metadata claims ${size64} bytes`);
    size = Number(size64);
    if (options.expectedPath !== undefined) {
      const expected = normalizePfPath(options.expectedPath);
      if (!pathBytes.subarray(0, end).equals(Buffer.from(expected, "utf8")))
        throw new PfPathMismatch(
          `${what} was written for the path ${JSON.stringify(path)}, not ${JSON.stringify(expected)}; Gramine opens it only at that path ` +
            `(relative paths count from the directory gramine-sgx runs in)`,
        );
    }
    rootKey = Buffer.from(metadata.subarray(METADATA.rootKey, METADATA.rootKey + KEY_SIZE));
    rootTag = Buffer.from(metadata.subarray(METADATA.rootTag, METADATA.rootTag + 16));
  } catch (e) {
    metadata.fill(0);
    throw e;
  }
  const head = Buffer.from(metadata.subarray(METADATA.data, METADATA.data + Math.min(size, METADATA_DATA_SIZE)));
  metadata.fill(0);

  const layout = layoutOf(size);
  const expectedLength = layout.nodes * NODE_SIZE;
  const fail = (e: Error): never => {
    head.fill(0);
    rootKey.fill(0);
    throw e;
  };
  if (source.length < expectedLength)
    fail(new PfTruncated(`${what} is truncated: ${source.length / NODE_SIZE} of its ${layout.nodes} nodes are present (${size} plaintext bytes)`));
  if (source.length > expectedLength)
    fail(new PfCorrupted(`${what} has ${(source.length - expectedLength) / NODE_SIZE} nodes past its last one (${layout.nodes} nodes hold its ${size} bytes)`));

  // The root MHT node is checked at open, as Gramine does, so a bad tree fails before any data is released.
  let root: Buffer | undefined;
  if (layout.mhtNodes > 0) {
    const ct = await readExactly(source, mhtPhysicalNode(0) * NODE_SIZE, NODE_SIZE, what, "MHT node 0");
    root = openNode(rootKey, rootTag, ct);
    if (!root) fail(new PfCorrupted(`${what}: MHT node 0 (physical node 1) fails authentication: the file was modified`));
  }
  rootKey.fill(0);

  let consumed = false;
  async function* pieces(): AsyncGenerator<Buffer[]> {
    if (consumed) throw new Error("a protected file's plaintext can be read once");
    consumed = true;
    // Only MHT nodes whose children are still to come are kept: at most about 1/32 of them.
    const mht = new Map<number, Buffer>();
    let headYielded = false;
    try {
      headYielded = true;
      yield [head];
      for (let k = 0; k < layout.mhtNodes; k++) {
        const firstData = k * DATA_NODES_PER_MHT;
        const dataCount = Math.min(DATA_NODES_PER_MHT, layout.dataNodes - firstData);
        const start = mhtPhysicalNode(k);
        const group = await readExactly(source, start * NODE_SIZE, (1 + dataCount) * NODE_SIZE, what, `MHT node ${k} and its data nodes`);
        let node: Buffer;
        if (k === 0) node = root!;
        else {
          const { parent, entry } = mhtParentEntry(k);
          const p = mht.get(parent)!;
          const opened = openNode(entryKey(p, entry), entryTag(p, entry), group.subarray(0, NODE_SIZE));
          if (!opened) throw new PfCorrupted(`${what}: MHT node ${k} (physical node ${start}) fails authentication: the file was modified`);
          node = opened;
          if (k === CHILDREN_PER_MHT * (parent + 1)) forget(mht, parent);
        }
        const hasChildren = CHILDREN_PER_MHT * k + 1 < layout.mhtNodes;
        if (hasChildren) mht.set(k, node);
        const out: Buffer[] = [];
        for (let i = 0; i < dataCount; i++) {
          const d = firstData + i;
          const plain = openNode(entryKey(node, i), entryTag(node, i), group.subarray((1 + i) * NODE_SIZE, (2 + i) * NODE_SIZE));
          if (!plain) {
            for (const b of out) b.fill(0);
            throw new PfCorrupted(
              `${what}: data node ${d} (physical node ${start + 1 + i}, plaintext bytes ${METADATA_DATA_SIZE + d * NODE_SIZE}-) fails authentication: the file was modified`,
            );
          }
          const remaining = size - METADATA_DATA_SIZE - d * NODE_SIZE;
          out.push(remaining < NODE_SIZE ? plain.subarray(0, remaining) : plain);
        }
        if (!hasChildren) node.fill(0);
        yield out;
      }
    } finally {
      // Once yielded, the head belongs to the consumer.
      if (!headYielded) head.fill(0);
      root?.fill(0);
      for (const b of mht.values()) b.fill(0);
    }
  }

  return {
    version: header.version,
    path,
    size,
    layout,
    featureFlags: header.featureFlags,
    pieces,
    readAll: async (into) => {
      const out = into ?? Buffer.allocUnsafeSlow(size);
      if (out.byteLength < size) throw new RangeError(`readAll needs a buffer of ${size} bytes`);
      let offset = 0;
      for await (const list of pieces())
        for (const piece of list) {
          out.set(piece, offset);
          offset += piece.byteLength;
          piece.fill(0);
        }
      return out.subarray(0, size);
    },
  };
}

function forget(mht: Map<number, Buffer>, k: number): void {
  mht.get(k)?.fill(0);
  mht.delete(k);
}

function entryKey(mht: Buffer, entry: number): Buffer {
  return mht.subarray(entry * ENTRY_SIZE, entry * ENTRY_SIZE + KEY_SIZE);
}

function entryTag(mht: Buffer, entry: number): Buffer {
  return mht.subarray(entry * ENTRY_SIZE + KEY_SIZE, (entry + 1) * ENTRY_SIZE);
}

async function readExactly(source: PfSource, position: number, length: number, what: string, part: string): Promise<Uint8Array> {
  const bytes = await source.read(position, length);
  if (bytes.byteLength < length) throw new PfTruncated(`${what} is truncated: it ends inside ${part}`);
  return bytes;
}
