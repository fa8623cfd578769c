import { randomBytes } from "node:crypto";
import { IoError, UsageError } from "../../errors.js";
import {
  CHILDREN_PER_MHT,
  DATA_NODES_PER_MHT,
  DEFAULT_PF_VERSION,
  ENTRY_SIZE,
  FILE_ID,
  HEADER,
  KEY_SIZE,
  layoutOf,
  MAX_PATH_BYTES,
  METADATA,
  METADATA_DATA_SIZE,
  METADATA_SIZE,
  metadataKey,
  metadataOffset,
  mhtParentEntry,
  mhtPhysicalNode,
  NODE_SIZE,
  normalizePfPath,
  type PfLayout,
  PF_VERSIONS,
  type PfVersion,
} from "./format.js";
import { sealNode } from "./gcm.js";
import { checkWrapKey } from "./open.js";

/**
 * Writing a protected file (docs/gramine-pf-format.md, "Writing"): data nodes in order, each MHT
 * node as soon as its data nodes and children are done, the root MHT node and metadata last.
 */

/** Positional writes into the host file. */
export interface PfSink {
  write(position: number, pieces: readonly Uint8Array[]): Promise<void>;
}

export interface SealPfOptions {
  /** The path the file is written for: normalized as Gramine does, then embedded. */
  path: string;
  /** Major version (default 1: read by every Gramine). */
  version?: PfVersion;
}

/** Checks and normalizes the path to embed. */
export function pfPathToEmbed(path: string): string {
  const normalized = normalizePfPath(path);
  if (normalized === "" || normalized === "/") throw new UsageError(`cannot embed ${JSON.stringify(path)} as a protected file's path: it names no file`);
  if (normalized.includes("\0")) throw new UsageError("a protected file's path cannot contain NUL");
  if (Buffer.byteLength(normalized) > MAX_PATH_BYTES)
    throw new UsageError(`a protected file's path is at most ${MAX_PATH_BYTES} bytes; ${JSON.stringify(normalized.slice(0, 40))}... is ${Buffer.byteLength(normalized)}`);
  return normalized;
}

/**
 * Encrypts `size` plaintext bytes from `plain` into `sink`. `plain` may be one buffer or any
 * stream of chunks; it is consumed once, node by node, and must hold exactly `size` bytes.
 */
export async function sealProtectedFile(
  plain: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  size: number,
  wrapKey: Uint8Array,
  sink: PfSink,
  options: SealPfOptions,
): Promise<PfLayout & { path: string; version: PfVersion }> {
  checkWrapKey(wrapKey);
  const version = options.version ?? DEFAULT_PF_VERSION;
  if (!PF_VERSIONS.includes(version)) throw new UsageError(`protected-files version ${version} does not exist (1 or 2)`);
  if (!Number.isSafeInteger(size) || size < 0) throw new UsageError(`invalid plaintext size ${size}`);
  const path = pfPathToEmbed(options.path);
  const layout = layoutOf(size);
  const input = new NodeReader(plain instanceof Uint8Array ? [plain] : plain, size);

  const metadata = Buffer.alloc(METADATA_SIZE);
  const node = Buffer.alloc(NODE_SIZE);
  const pending = new Map<number, { plain: Buffer; waiting: number }>();
  try {
    metadata.write(path, METADATA.path, "utf8");
    metadata.writeBigUInt64LE(BigInt(size), METADATA.fileSize);
    await input.fill(metadata.subarray(METADATA.data, METADATA.data + Math.min(size, METADATA_DATA_SIZE)));

    // An MHT node is sealed once its own data nodes and all its children are: `waiting` counts those.
    const finish = async (k: number): Promise<void> => {
      const entry = pending.get(k)!;
      pending.delete(k);
      const key = randomBytes(KEY_SIZE);
      const { ciphertext, tag } = sealNode(key, entry.plain);
      entry.plain.fill(0);
      await sink.write(mhtPhysicalNode(k) * NODE_SIZE, [ciphertext]);
      if (k === 0) {
        metadata.set(key, METADATA.rootKey);
        metadata.set(tag, METADATA.rootTag);
      } else {
        const { parent, entry: slot } = mhtParentEntry(k);
        const p = pending.get(parent)!;
        p.plain.set(key, slot * ENTRY_SIZE);
        p.plain.set(tag, slot * ENTRY_SIZE + KEY_SIZE);
        if (--p.waiting === 0) await finish(parent);
      }
      key.fill(0);
    };

    for (let k = 0; k < layout.mhtNodes; k++) {
      const firstChild = CHILDREN_PER_MHT * k + 1;
      const children = Math.max(0, Math.min(layout.mhtNodes, firstChild + CHILDREN_PER_MHT) - firstChild);
      const mht = { plain: Buffer.alloc(NODE_SIZE), waiting: 1 + children };
      pending.set(k, mht);
      const firstData = k * DATA_NODES_PER_MHT;
      const count = Math.min(DATA_NODES_PER_MHT, layout.dataNodes - firstData);
      const keys = randomBytes(count * KEY_SIZE);
      const sealed: Buffer[] = [];
      for (let i = 0; i < count; i++) {
        // A whole node inside the current input piece is sealed in place; otherwise it is gathered.
        let data = input.take(NODE_SIZE);
        if (!data) {
          const got = await input.fill(node);
          if (got < NODE_SIZE) node.fill(0, got);
          data = node;
        }
        const key = keys.subarray(i * KEY_SIZE, (i + 1) * KEY_SIZE);
        const { ciphertext, tag } = sealNode(key, data);
        mht.plain.set(key, i * ENTRY_SIZE);
        mht.plain.set(tag, i * ENTRY_SIZE + KEY_SIZE);
        sealed.push(ciphertext);
      }
      keys.fill(0);
      await sink.write((mhtPhysicalNode(k) + 1) * NODE_SIZE, sealed);
      if (--mht.waiting === 0) await finish(k);
    }
    await input.end();

    const nonce = randomBytes(HEADER.nonceSize);
    const key = metadataKey(wrapKey, nonce);
    const { ciphertext, tag } = sealNode(key, metadata);
    key.fill(0);
    const node0 = Buffer.alloc(NODE_SIZE);
    FILE_ID.copy(node0, HEADER.fileId);
    node0[HEADER.majorVersion] = version;
    node0[HEADER.minorVersion] = 0;
    nonce.copy(node0, HEADER.nonce);
    tag.copy(node0, HEADER.tag);
    ciphertext.copy(node0, metadataOffset(version));
    await sink.write(0, [node0]);
    return { ...layout, path, version };
  } finally {
    metadata.fill(0);
    node.fill(0);
    for (const p of pending.values()) p.plain.fill(0);
  }
}

/** Hands out the plaintext in node-sized pieces, checking that the input holds exactly `size` bytes. */
class NodeReader {
  private readonly it: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  private current: Uint8Array = new Uint8Array(0);
  private offset = 0;
  private taken = 0;

  constructor(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    private readonly size: number,
  ) {
    this.it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  /** A view of the next `n` bytes when the current piece holds them all (no copy, no wait). */
  take(n: number): Uint8Array | undefined {
    if (this.current.byteLength - this.offset < n || this.size - this.taken < n) return undefined;
    const view = this.current.subarray(this.offset, this.offset + n);
    this.offset += n;
    this.taken += n;
    return view;
  }

  /** Fills `target` from the input; returns how many bytes it got (fewer only at the declared end). */
  async fill(target: Uint8Array): Promise<number> {
    const want = Math.min(target.byteLength, this.size - this.taken);
    let got = 0;
    while (got < want) {
      if (this.offset === this.current.byteLength) {
        const r = await this.it.next();
        if (r.done) throw new IoError(`the input ended after ${this.taken + got} of its ${this.size} bytes (did it change while being read?)`);
        this.current = r.value;
        this.offset = 0;
        continue;
      }
      const n = Math.min(want - got, this.current.byteLength - this.offset);
      target.set(this.current.subarray(this.offset, this.offset + n), got);
      this.offset += n;
      got += n;
    }
    this.taken += got;
    return got;
  }

  async end(): Promise<void> {
    while (this.offset === this.current.byteLength) {
      const r = await this.it.next();
      if (r.done) return;
      this.current = r.value;
      this.offset = 0;
    }
    throw new IoError(`the input holds more than its ${this.size} bytes (did it change while being read?)`);
  }
}
