import { createHash, timingSafeEqual } from "node:crypto";
import { join, resolve } from "node:path";
import { UsageError } from "../errors.js";
import { phaseSync } from "../util/profile.js";
import { readInto } from "../util/untrusted-file.js";
import { zeroize } from "./bytes.js";
import { BundleIncomplete, BundleInvalid, BundleTampered, KeyMismatch } from "./errors.js";
import { type BundleHeader, HEADER_FILE, HEADER_SIZE, MAX_SEALED_MANIFEST, PART_HEADER_SIZE, parseHeader, partAad } from "./format.js";
import { keyCheck, manifestKey, partKey, partTag } from "./kdf.js";
import { checkKeyBytes } from "./key-bytes.js";
import { checkLayout } from "./layout.js";
import { type BundleManifest, parseManifest } from "./manifest.js";
import { checkPartFile, misplacedError, openBundleFile, type PartCheckContext } from "./part-file.js";
import { collectChunks, fileSource, openChunks } from "./reader.js";
import { openStream, sealedSize } from "./stream.js";

export interface OpenOptions {
  /** Rejects any bundle but this one (hex id): the defence against replaying an older bundle. */
  expectId?: string;
  /**
   * Also compare each decrypted part with the manifest's SHA-256 (default true). The STREAM
   * encryption already authenticates every byte, its position and the end of the part under a key
   * of this part alone, so the hash adds nothing an attacker without the key could defeat; the
   * runtime skips it on its cold path (docs/bundle-format.md, "Reading a bundle").
   */
  hashParts?: boolean;
}

export interface OpenedBundle {
  readonly dir: string;
  /** The bundle id, lower-case hex. */
  readonly id: string;
  readonly partCount: number;
  /** Authenticated: part files, sizes, hashes, signatures, plan and meta. */
  readonly manifest: BundleManifest;
  /**
   * Decrypts part `index` into memory (never to disk), verified chunk by chunk, size and SHA-256.
   * With `into`, into that buffer (a reusable scratch of at least the part's size) without allocating.
   */
  readPart(index: number, into?: Buffer): Promise<Buffer>;
  /**
   * Yields part `index` in authenticated chunks. The part as a whole is valid only once the
   * iteration ends without an error (the final chunk, size and hash are checked last).
   */
  streamPart(index: number): AsyncIterable<Buffer>;
  /** Zeroes this object's copy of the key; reads fail afterwards. */
  close(): void;
}

/**
 * Opens a sealed bundle: checks the header and the key, decrypts the manifest, checks the
 * directory holds exactly the bundle's files and that every part file is where it belongs.
 */
export async function openBundle(dir: string, key: Uint8Array, options: OpenOptions = {}): Promise<OpenedBundle> {
  checkKeyBytes(key, "the bundle key");
  const root = resolve(dir);
  const sealed = await readHeaderFile(root);
  const header = parseHeader(sealed, HEADER_FILE);
  const id = header.id.toString("hex");
  if (options.expectId !== undefined && options.expectId.toLowerCase() !== id)
    throw new BundleTampered(`${root} is bundle ${id}, not the expected ${options.expectId} (an older or a different bundle)`);
  const master = Buffer.from(key);
  let manifest: BundleManifest;
  let ctx: PartCheckContext;
  try {
    ({ manifest, ctx } = await checkBundle(root, master, header, sealed));
  } catch (e) {
    zeroize(master);
    throw e;
  }
  const files = manifest.parts.map((p) => p.file);
  const n = files.length;

  let closed = false;
  const live = (index: number): void => {
    if (closed) throw new UsageError("the bundle was closed");
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new UsageError(`part index ${index} is out of range 0..${n - 1}`);
  };

  async function* streamPart(index: number): AsyncGenerator<Buffer> {
    live(index);
    const entry = manifest.parts[index]!;
    const { fh, header: ph, holds } = await checkPartFile(join(root, entry.file), entry.file, index, ctx);
    const pk = partKey(master, header.id, index);
    try {
      if (holds !== index) throw misplacedError(index, holds, files);
      const what = `part file ${entry.file} (part ${index})`;
      const hash = options.hashParts === false ? undefined : createHash("sha256");
      let total = 0;
      for await (const c of openChunks(fileSource(fh, PART_HEADER_SIZE, sealedSize(entry.size)), pk, partAad(ph.raw, index, n), entry.size, what)) {
        if (hash) phaseSync("hash", () => hash.update(c));
        total += c.length;
        yield c;
      }
      if (total !== entry.size || (hash && hash.digest("hex") !== entry.sha256))
        throw new BundleTampered(`${what} decrypted but does not match the size and SHA-256 in the manifest`);
    } finally {
      zeroize(pk);
      await fh.close();
    }
  }

  return {
    dir: root,
    id,
    partCount: n,
    manifest,
    streamPart,
    readPart: async (index, into) => {
      live(index);
      return collectChunks(streamPart(index), manifest.parts[index]!.size, into);
    },
    close: () => {
      closed = true;
      zeroize(master);
    },
  };
}

/** Key check, manifest, directory layout and every part file, in that order. */
async function checkBundle(
  root: string,
  master: Buffer,
  header: BundleHeader,
  sealed: Buffer,
): Promise<{ manifest: BundleManifest; ctx: PartCheckContext }> {
  if (!timingSafeEqual(keyCheck(master, header.id), header.keyCheck))
    throw new KeyMismatch(`the key does not open the bundle in ${root} (wrong key, or its header was modified)`);
  const mk = manifestKey(master, header.id);
  let manifestBytes: Buffer | undefined;
  let manifest: BundleManifest;
  try {
    manifestBytes = openStream(mk, header.raw, sealed.subarray(HEADER_SIZE), `the manifest in ${HEADER_FILE}`);
    manifest = parseManifest(manifestBytes, HEADER_FILE);
  } finally {
    zeroize(mk);
    zeroize(manifestBytes); // signatures and plan are confidential too
  }
  const files = manifest.parts.map((p) => p.file);
  await checkLayout(root, files);
  const ctx: PartCheckContext = {
    id: header.id,
    tagIndex: new Map(files.map((_, i) => [partTag(master, header.id, i).toString("hex"), i])),
    sizes: manifest.parts.map((p) => p.size),
  };
  await checkAllParts(root, files, ctx);
  return { manifest, ctx };
}

async function readHeaderFile(root: string): Promise<Buffer> {
  let opened;
  try {
    opened = await openBundleFile(join(root, HEADER_FILE), HEADER_FILE);
  } catch (e) {
    if (e instanceof BundleIncomplete) throw new BundleInvalid(`${root} is not an msplit bundle: it has no ${HEADER_FILE}`);
    throw e;
  }
  const { fh, size } = opened;
  try {
    if (size > HEADER_SIZE + MAX_SEALED_MANIFEST) throw new BundleInvalid(`${HEADER_FILE} is ${size} bytes, larger than any valid header`);
    const buf = Buffer.alloc(size);
    return buf.subarray(0, await readInto(fh, buf, 0));
  } finally {
    await fh.close();
  }
}

/** Checks every part file up front, so a misplaced file is explained as a swap or a copy. */
async function checkAllParts(root: string, files: readonly string[], ctx: PartCheckContext): Promise<void> {
  const holdings: number[] = [];
  for (let i = 0; i < files.length; i++) {
    const { fh, holds } = await checkPartFile(join(root, files[i]!), files[i]!, i, ctx);
    await fh.close();
    holdings.push(holds);
  }
  const bad = holdings.findIndex((h, i) => h !== i);
  if (bad >= 0) throw misplacedError(bad, holdings[bad]!, files, holdings);
}
