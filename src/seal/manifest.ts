import { BundleInvalid } from "./errors.js";
import { MAX_PARTS, PART_FILE_RE } from "./format.js";
import { UsageError } from "../errors.js";

/** The encrypted manifest (docs/bundle-format.md, "Manifest"). */

export const MANIFEST_VERSION = 1;

export interface PartEntry {
  /** The part file's name in the bundle directory. */
  readonly file: string;
  /** Plaintext size in bytes. */
  readonly size: number;
  /** Plaintext SHA-256, lower-case hex. */
  readonly sha256: string;
  /** The caller's description of the part's inputs and outputs; opaque to the format. */
  readonly signature: unknown;
}

export interface BundleManifest {
  readonly v: typeof MANIFEST_VERSION;
  /** In execution order. */
  readonly parts: readonly PartEntry[];
  readonly plan?: unknown;
  readonly meta?: Readonly<Record<string, unknown>>;
}

export function encodeManifest(m: BundleManifest): Buffer {
  let text: string | undefined;
  try {
    text = JSON.stringify(m);
  } catch (e) {
    throw new UsageError(`the bundle manifest cannot be written as JSON: ${(e as Error).message}`, { cause: e });
  }
  return Buffer.from(text, "utf8");
}

/** Only authenticated bytes reach this, so a failure here means a broken sealer, not an attacker. */
export function parseManifest(bytes: Uint8Array, where: string): BundleManifest {
  let m: unknown;
  try {
    m = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new BundleInvalid(`${where}: the manifest is not UTF-8 JSON: ${(e as Error).message}`, { cause: e });
  }
  const bad = (why: string): never => {
    throw new BundleInvalid(`${where}: malformed manifest: ${why}`);
  };
  if (!isObject(m)) return bad("not an object");
  if (m.v !== MANIFEST_VERSION) bad(`manifest version ${String(m.v)}; this msplit reads ${MANIFEST_VERSION}`);
  if (!Array.isArray(m.parts) || m.parts.length === 0 || m.parts.length > MAX_PARTS) bad(`it must list 1 to ${MAX_PARTS} parts`);
  const seen = new Set<string>();
  (m.parts as unknown[]).forEach((p, i) => {
    if (!isObject(p)) return bad(`part ${i} is not an object`);
    if (typeof p.file !== "string" || !PART_FILE_RE.test(p.file) || seen.has(p.file)) bad(`part ${i} has an invalid or repeated file name`);
    if (typeof p.size !== "number" || !Number.isSafeInteger(p.size) || p.size < 0) bad(`part ${i} has an invalid size`);
    if (typeof p.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(p.sha256)) bad(`part ${i} has an invalid sha256`);
    seen.add(p.file as string);
  });
  if (m.meta !== undefined && !isObject(m.meta)) bad("meta is not an object");
  return m as unknown as BundleManifest;
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
