import { UsageError } from "../errors.js";
import { BundleInvalid, type BundleInfo, type KeySource, loadBoundKey, loadKey, openBundle, type OpenedBundle, sealBundle, unsealBundle, zeroize } from "../seal/index.js";
import type { SplitPlan } from "../split/plan.js";
import { phase } from "../util/profile.js";
import { signatureOfModel, type PartSignature } from "./assemble.js";
import { toOrtFormat } from "./ort-format.js";
import type { PartFormat, PartProvider, PartSource } from "./pipeline.js";

/** What msplit keeps in a bundle's encrypted manifest `meta`. */
interface BundleMeta {
  format: "msplit-parts";
  partFormat: PartFormat;
  model?: string;
}

export interface SealPartsOptions {
  /** `ort` (default) converts the parts to onnxruntime's format, used in place after decryption; `onnx` keeps them as they are. */
  partFormat?: PartFormat;
  plan?: SplitPlan;
  onPart?: (index: number, count: number) => void;
}

/**
 * Seals plain ONNX parts (in chain order) into a bundle. With the ORT format (the default), each
 * part is turned into onnxruntime's own serialisation at seal time (ort-format.ts), so the enclave
 * creates sessions straight from the decrypted buffer, without a second copy of the weights.
 */
export async function sealParts(dir: string, parts: readonly PartSource[], key: Uint8Array, options: SealPartsOptions = {}): Promise<BundleInfo> {
  const partFormat = options.partFormat ?? "ort";
  const { decodeModel } = await import("../onnx/codec.js");
  const signatures = parts.map((p, k) => ({ ...signatureOfModel(decodeModel(p.bytes), `part ${k}`), label: `part ${k}` }));
  const bodies: Uint8Array[] = [];
  for (let k = 0; k < parts.length; k++) {
    bodies.push(partFormat === "ort" ? await toOrtFormat(parts[k]!.bytes, parts[k]!.name) : parts[k]!.bytes);
    options.onPart?.(k, parts.length);
  }
  const meta: BundleMeta = { format: "msplit-parts", partFormat, model: options.plan?.model.name };
  try {
    return await sealBundle(
      dir,
      bodies.map((bytes, k) => ({ bytes, signature: signatures[k] })),
      key,
      { plan: options.plan, meta: { ...meta } },
    );
  } finally {
    if (partFormat === "ort") for (const b of bodies) b.fill(0);
  }
}

export interface OpenedParts {
  bundle: OpenedBundle;
  plan?: SplitPlan;
  partFormat: PartFormat;
  signatures: PartSignature[];
  /** Decrypts part `index` into memory: a sensitive source, zeroed by the pipeline after use. */
  load(index: number): Promise<PartSource>;
}

/**
 * Opens a sealed bundle with a key from `keySource`; nothing is decrypted until `load`. The
 * authenticated encryption checks every part; `hashParts` adds the manifest's SHA-256 (for
 * `verify` and `inspect`, off on the run path: docs/bundle-format.md, "Reading a bundle").
 */
export async function openSealedParts(dir: string, keySource: KeySource, options: { hashParts?: boolean } = {}): Promise<OpenedParts> {
  // A key bound to one bundle (released by a broker) opens that bundle only: no rollback.
  const { key, bundleId } = await phase("key", () => loadBoundKey(keySource));
  let bundle: OpenedBundle;
  try {
    bundle = await phase("open bundle", () => openBundle(dir, key, { expectId: bundleId, hashParts: options.hashParts ?? false }));
  } finally {
    zeroize(key);
  }
  const meta = (bundle.manifest.meta ?? {}) as Partial<BundleMeta>;
  if (meta.format !== "msplit-parts") throw new UsageError(`${dir} is a sealed bundle, but not of msplit model parts`);
  if (meta.partFormat !== "onnx" && meta.partFormat !== "ort")
    throw new BundleInvalid(`${dir} holds parts in a format this msplit does not know (${JSON.stringify(meta.partFormat)})`);
  const partFormat: PartFormat = meta.partFormat;
  const signatures = bundle.manifest.parts.map((p, k) => ({ ...(p.signature as PartSignature), label: `part ${k}` }));
  return {
    bundle,
    plan: bundle.manifest.plan as SplitPlan | undefined,
    partFormat,
    signatures,
    load: async (index) => ({
      name: `part ${index}`,
      bytes: await bundle.readPart(index),
      format: partFormat,
      signature: signatures[index],
      sensitive: true,
    }),
  };
}

/** The owner's way back to plain ONNX parts (impossible for ORT-format bundles: ORT is not ONNX). */
export async function unsealParts(dir: string, keySource: KeySource, outDir: string): Promise<string[]> {
  const key = await loadKey(keySource);
  try {
    const opened = await openBundle(dir, key);
    const meta = (opened.manifest.meta ?? {}) as Partial<BundleMeta>;
    opened.close();
    if (meta.partFormat === "ort")
      throw new UsageError(`${dir} holds ORT-format parts, which cannot be turned back into ONNX; keep the plain parts, or split the original model again`);
    return (await unsealBundle(dir, key, outDir)).files;
  } finally {
    zeroize(key);
  }
}

export function providerOf(parts: OpenedParts): PartProvider {
  return {
    signatures: parts.signatures,
    load: parts.load,
    format: parts.partFormat,
    sizes: parts.bundle.manifest.parts.map((p) => p.size),
    loadInto: async (index, target) => {
      await parts.bundle.readPart(index, target);
    },
    close: () => parts.bundle.close(),
  };
}

/**
 * For streaming: every part is decrypted into one scratch buffer the size of the largest part, so
 * the plaintext never needs more memory than that, whatever the garbage collector is doing. A
 * part is used and wiped before the next one is loaded.
 */
export function streamingProviderOf(parts: OpenedParts): PartProvider {
  const largest = Math.max(...parts.bundle.manifest.parts.map((p) => p.size));
  let scratch: Buffer | undefined = Buffer.allocUnsafeSlow(largest);
  return {
    signatures: parts.signatures,
    load: async (index) => {
      if (!scratch) throw new UsageError("the bundle was closed");
      const bytes = await parts.bundle.readPart(index, scratch);
      return { name: `part ${index}`, bytes, format: parts.partFormat, signature: parts.signatures[index], sensitive: true };
    },
    close: () => {
      scratch?.fill(0);
      scratch = undefined;
      parts.bundle.close();
    },
  };
}
