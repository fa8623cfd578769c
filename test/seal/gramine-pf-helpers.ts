import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fixturesDir } from "../helpers/index.js";

/** The protected-file vectors made by the real gramine-sgx-pf-crypt (test/fixtures/gramine-pf/README.md). */
export const PF_DIR = join(fixturesDir, "gramine-pf");

export interface PfVector {
  file: string;
  format_major_version: 1 | 2;
  format_minor_version: number;
  embedded_path: string;
  plaintext_size: number;
  plaintext_sha256: string;
  file_size: number;
  file_sha256: string;
  data_nodes: number;
  mht_nodes: number;
  total_nodes: number;
}

export interface PfNegative {
  file: string;
  format_major_version: 1 | 2;
  claimed_path: string;
  embedded_path: string;
  plaintext_size: number;
  base_plaintext_sha256: string;
  expected_failure: string;
  decrypts_with?: string;
}

export interface PfIndex {
  wrap_key_hex: string;
  plaintexts: { file: string; size: number; sha256: string }[];
  vectors: PfVector[];
  negatives: PfNegative[];
}

export const pfIndex: PfIndex = JSON.parse(readFileSync(join(PF_DIR, "index.json"), "utf8"));
export const wrapKey = readFileSync(join(PF_DIR, "wrap_key"));

/** The README's plaintext: byte[i] = (31 * i + 7) mod 251. */
export function pfPlaintext(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (31 * i + 7) % 251;
  return b;
}

export const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
