import { createHash, randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { IoError, MsplitError, UsageError } from "../errors.js";
import { randomPartName, shuffled, zeroize } from "./bytes.js";
import { commitStagingDir, createStagingDir, discardStagingDir, writeNewFile } from "../util/staging.js";
import {
  encodeHeader,
  encodePartHeader,
  HEADER_FILE,
  HEADER_SIZE,
  ID_SIZE,
  MAX_PARTS,
  MAX_SEALED_MANIFEST,
  PART_HEADER_SIZE,
  partAad,
} from "./format.js";
import { keyCheck, manifestKey, partKey, partTag } from "./kdf.js";
import { checkKeyBytes } from "./key-bytes.js";
import { type BundleManifest, encodeManifest, isObject, MANIFEST_VERSION, type PartEntry } from "./manifest.js";
import { sealedSize, sealStream } from "./stream.js";

export interface SealPart {
  bytes: Uint8Array;
  /** Inputs and outputs of the part (names, dtypes, shapes): any JSON, stored encrypted. */
  signature: unknown;
}

export interface SealOptions {
  /** Any JSON, stored encrypted (typically the split plan). */
  plan?: unknown;
  /** A JSON object, stored encrypted (name, creation time, provenance...). */
  meta?: Record<string, unknown>;
}

export interface BundleInfo {
  dir: string;
  /** The bundle id, lower-case hex: pin it to reject rollbacks (openBundle's `expectId`). */
  id: string;
  /** In execution order. Only the sealer and key holders learn this order. */
  parts: { file: string; size: number; sha256: string }[];
  /** Bytes on disk, all files. */
  sealedBytes: number;
}

const FILE_MODE = 0o644; // ciphertext; readable by the runtime user
const DIR_MODE = 0o755;

/**
 * Seals `parts` (in execution order) into a new bundle directory `dir`, which must not exist or
 * be empty. The directory appears complete or not at all.
 */
export async function sealBundle(dir: string, parts: SealPart[], key: Uint8Array, options: SealOptions = {}): Promise<BundleInfo> {
  checkKeyBytes(key, "the sealing key");
  checkInputs(parts, options);
  const id = randomBytes(ID_SIZE);
  const names = uniqueNames(parts.length);
  const entries: PartEntry[] = parts.map((p, i) => ({
    file: names[i]!,
    size: p.bytes.byteLength,
    sha256: createHash("sha256").update(p.bytes).digest("hex"),
    signature: p.signature,
  }));
  const manifest: BundleManifest = { v: MANIFEST_VERSION, parts: entries, plan: options.plan, meta: options.meta };
  const manifestBytes = encodeManifest(manifest);
  if (sealedSize(manifestBytes.length) > MAX_SEALED_MANIFEST)
    throw new UsageError(`the bundle manifest (signatures and plan) is ${manifestBytes.length} bytes; the limit is ${MAX_SEALED_MANIFEST}`);

  const target = resolve(dir);
  const tmp = await createStagingDir(target, DIR_MODE);
  const mtime = new Date(Math.floor(Date.now() / 1000) * 1000); // one time for all: no order in timestamps
  try {
    const header = encodeHeader(id, keyCheck(key, id));
    const mk = manifestKey(key, id);
    await writeNewFile(join(tmp, HEADER_FILE), prepend(header, sealStream(mk, header, manifestBytes)), FILE_MODE, { mtime });
    zeroize(mk);
    for (const i of shuffled(parts.length)) {
      const ph = encodePartHeader(id, partTag(key, id, i));
      const pk = partKey(key, id, i);
      try {
        await writeNewFile(join(tmp, names[i]!), prepend(ph, sealStream(pk, partAad(ph, i, parts.length), parts[i]!.bytes)), FILE_MODE, { mtime });
      } finally {
        zeroize(pk);
      }
    }
    await commitStagingDir(tmp, target);
  } catch (e) {
    await discardStagingDir(tmp);
    if (e instanceof MsplitError) throw e;
    throw new IoError(`cannot write the bundle ${target}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const sealedBytes = entries.reduce((s, p) => s + PART_HEADER_SIZE + sealedSize(p.size), HEADER_SIZE + sealedSize(manifestBytes.length));
  return { dir: target, id: id.toString("hex"), parts: entries.map(({ file, size, sha256 }) => ({ file, size, sha256 })), sealedBytes };
}

function checkInputs(parts: SealPart[], options: SealOptions): void {
  if (!Array.isArray(parts) || parts.length === 0 || parts.length > MAX_PARTS)
    throw new UsageError(`a bundle holds 1 to ${MAX_PARTS} parts; got ${Array.isArray(parts) ? parts.length : "no array"}`);
  parts.forEach((p, i) => {
    if (!(p?.bytes instanceof Uint8Array)) throw new UsageError(`part ${i} has no bytes`);
  });
  if (options.meta !== undefined && !isObject(options.meta)) throw new UsageError("meta must be a JSON object");
}

function uniqueNames(n: number): string[] {
  const names = new Set<string>();
  while (names.size < n) names.add(randomPartName());
  return [...names];
}

/** Lazily, so a large part is sealed while it is written, not all in memory first. */
function* prepend(first: Buffer, rest: Iterable<Buffer>): Generator<Buffer> {
  yield first;
  yield* rest;
}
