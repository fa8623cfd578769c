import { BundleInvalid, BundleTruncated } from "./errors.js";

/** Byte layouts of docs/bundle-format.md, version 1. Parsing checks structure only, not keys. */

export const FORMAT_VERSION = 1;
export const HEADER_FILE = "bundle.msplit";
export const HEADER_MAGIC = Buffer.from("894d53504c49540a", "hex"); // "\x89MSPLIT\n"
export const PART_MAGIC = Buffer.from("894d53504152540a", "hex"); // "\x89MSPART\n"
export const ID_SIZE = 16;
export const KEY_CHECK_SIZE = 32;
export const PART_TAG_SIZE = 16;
export const HEADER_SIZE = 60;
export const PART_HEADER_SIZE = 44;
export const MAX_PARTS = 4096;
export const MAX_SEALED_MANIFEST = 16 * 1024 * 1024;
/** Part file names: 16 random bytes in lower-case hex. */
export const PART_FILE_RE = /^[0-9a-f]{32}$/;

export interface BundleHeader {
  id: Buffer;
  keyCheck: Buffer;
  /** The 60 header bytes, the manifest's associated data. */
  raw: Buffer;
}

export interface PartHeader {
  id: Buffer;
  tag: Buffer;
  /** The 44 part-header bytes, the start of every chunk's associated data. */
  raw: Buffer;
}

/** Both headers share one layout: magic (8), version u16be, reserved u16 = 0, bundle id (16), then a key check or tag. */
function encodeFixed(magic: Buffer, size: number, id: Uint8Array, tail: Uint8Array): Buffer {
  const b = Buffer.alloc(size);
  magic.copy(b, 0);
  b.writeUInt16BE(FORMAT_VERSION, 8);
  b.writeUInt16BE(0, 10);
  b.set(id, 12);
  b.set(tail, 28);
  return b;
}

function parseFixed(bytes: Uint8Array, magic: Buffer, size: number, where: string, what: string): { id: Buffer; tail: Buffer; raw: Buffer } {
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, size));
  checkPreamble(raw, magic, size, where, what);
  return { id: Buffer.from(raw.subarray(12, 28)), tail: Buffer.from(raw.subarray(28, size)), raw: Buffer.from(raw) };
}

export function encodeHeader(id: Uint8Array, keyCheck: Uint8Array): Buffer {
  return encodeFixed(HEADER_MAGIC, HEADER_SIZE, id, keyCheck);
}

export function parseHeader(bytes: Uint8Array, where: string): BundleHeader {
  const { id, tail, raw } = parseFixed(bytes, HEADER_MAGIC, HEADER_SIZE, where, "an msplit bundle header");
  return { id, keyCheck: tail, raw };
}

export function encodePartHeader(id: Uint8Array, tag: Uint8Array): Buffer {
  return encodeFixed(PART_MAGIC, PART_HEADER_SIZE, id, tag);
}

export function parsePartHeader(bytes: Uint8Array, where: string): PartHeader {
  const { id, tail, raw } = parseFixed(bytes, PART_MAGIC, PART_HEADER_SIZE, where, "an msplit part file");
  return { id, tag: tail, raw };
}

/** Associated data of every chunk of part `index` of `count`. */
export function partAad(partHeader: Uint8Array, index: number, count: number): Buffer {
  const b = Buffer.alloc(PART_HEADER_SIZE + 8);
  b.set(partHeader, 0);
  b.writeUInt32BE(index, PART_HEADER_SIZE);
  b.writeUInt32BE(count, PART_HEADER_SIZE + 4);
  return b;
}

function checkPreamble(raw: Buffer, magic: Buffer, size: number, where: string, what: string): void {
  const head = raw.subarray(0, magic.length);
  if (!head.equals(magic.subarray(0, head.length))) throw new BundleInvalid(`${where} is not ${what} (wrong magic bytes)`);
  // The magic (or as much of it as there is) matches: a short file is one of ours, cut short.
  if (raw.length < size) throw new BundleTruncated(`${where} is truncated: ${raw.length} bytes, less than its ${size}-byte header`);
  const version = raw.readUInt16BE(8);
  if (version !== FORMAT_VERSION)
    throw new BundleInvalid(`${where} has format version ${version}; this msplit reads version ${FORMAT_VERSION}`);
  if (raw.readUInt16BE(10) !== 0) throw new BundleInvalid(`${where} has a non-zero reserved field`);
}
