import { hkdfSync } from "node:crypto";
import { KEY_CHECK_SIZE, PART_TAG_SIZE } from "./format.js";

/** HKDF-SHA256 derivations of docs/bundle-format.md ("Keys"); the bundle id is always the salt. */

export const KEY_SIZE = 32;
const INFO_KEY_CHECK = "msplit/v1 key check";
const INFO_MANIFEST = "msplit/v1 manifest";
const INFO_PART_KEY = "msplit/v1 part key";
const INFO_PART_TAG = "msplit/v1 part tag";

function derive(master: Uint8Array, id: Uint8Array, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync("sha256", master, id, info, length));
}

function indexed(label: string, index: number): Buffer {
  const b = Buffer.alloc(label.length + 4);
  b.write(label, 0, "ascii");
  b.writeUInt32BE(index, label.length);
  return b;
}

export function keyCheck(master: Uint8Array, id: Uint8Array): Buffer {
  return derive(master, id, Buffer.from(INFO_KEY_CHECK, "ascii"), KEY_CHECK_SIZE);
}

export function manifestKey(master: Uint8Array, id: Uint8Array): Buffer {
  return derive(master, id, Buffer.from(INFO_MANIFEST, "ascii"), KEY_SIZE);
}

export function partKey(master: Uint8Array, id: Uint8Array, index: number): Buffer {
  return derive(master, id, indexed(INFO_PART_KEY, index), KEY_SIZE);
}

export function partTag(master: Uint8Array, id: Uint8Array, index: number): Buffer {
  return derive(master, id, indexed(INFO_PART_TAG, index), PART_TAG_SIZE);
}
