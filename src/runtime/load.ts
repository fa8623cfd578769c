import { UsageError } from "../errors.js";
import type { KeySource } from "../seal/index.js";
import { readPartsDir } from "../split/files.js";
import type { SplitPlan } from "../split/plan.js";
import { readUntrusted } from "../util/untrusted-file.js";
import { admitSource, type PathKind, type SourcePolicy } from "./admit.js";
import { openSealedParts, providerOf, streamingProviderOf } from "./bundle.js";
import { openPfParts } from "./pf-bundle.js";
import { loadWrapKey } from "../seal/gramine-pf/index.js";
import { Pipeline, type PartSource, type PipelineMode, type PipelineOptions } from "./pipeline.js";

export { pathKind, type PathKind } from "./admit.js";

export interface LoadedSources {
  kind: PathKind;
  sources: PartSource[];
  plan?: SplitPlan;
}

/**
 * Every part of a model file, parts directory or bundle, in memory (bundles decrypted, each part
 * checked against the manifest's SHA-256 too). With a key, or with `requireSealed`, plaintext is
 * refused (admit.ts).
 */
export async function readSources(path: string, key?: KeySource, policy: Omit<SourcePolicy, "key"> = {}): Promise<LoadedSources> {
  const kind = await admitSource(path, { ...policy, key });
  if (kind === "bundle") {
    const opened = await openSealedParts(path, requireKey(path, key, policy.wrapKey), { hashParts: true });
    try {
      const sources: PartSource[] = [];
      for (let i = 0; i < opened.bundle.partCount; i++) sources.push(await opened.load(i));
      return { kind, sources, plan: opened.plan };
    } finally {
      opened.bundle.close();
    }
  }
  if (kind === "parts") {
    const { plan, parts } = await readPartsDir(path);
    return { kind, sources: parts, plan };
  }
  if (kind === "gramine-pf") {
    if (!policy.wrapKey) throw new UsageError(`${path} is a Gramine-PF bundle: give its wrap key with --wrap-key <file>${key ? " (--key is for msplit bundles)" : ""}`);
    const wrapKey = await loadWrapKey(policy.wrapKey);
    try {
      const { sources, plan } = await openPfParts(path, wrapKey);
      return { kind, sources, plan };
    } finally {
      wrapKey.fill(0);
    }
  }
  return { kind, sources: [{ name: path, bytes: await readUntrusted(path, "model") }] };
}

function requireKey(path: string, key: KeySource | undefined, wrapKey?: string): KeySource {
  if (!key && wrapKey) throw new UsageError(`${path} is an msplit sealed bundle: --wrap-key is for Gramine-PF bundles; give its key with --key <file>`);
  if (!key) throw new UsageError(`${path} is a sealed bundle: give its key with --key <file> (or MSPLIT_KEY_FILE)`);
  return key;
}

export interface OpenOptions extends Omit<PipelineOptions, "mode">, SourcePolicy {
  /** Default: resident for ONNX parts, chained for ORT-format bundles. */
  mode?: PipelineMode;
}

/**
 * Opens a model file, a parts directory or a sealed bundle as a ready pipeline. A bundle's parts
 * are decrypted into memory only; in `stream` mode one at a time, as the chain reaches them.
 * With a key (or `requireSealed`) nothing but a sealed bundle is accepted: no fallback to plaintext.
 */
export async function openPipeline(path: string, options: OpenOptions = {}): Promise<Pipeline> {
  const kind = await admitSource(path, options);
  if (kind === "bundle") {
    const opened = await openSealedParts(path, requireKey(path, options.key, options.wrapKey));
    const mode = options.mode ?? (opened.partFormat === "ort" ? "chained" : "resident");
    const plan = options.plan ?? opened.plan;
    // Parts are decrypted one at a time, each plaintext wiped once its session holds the model.
    const provider = mode === "stream" ? streamingProviderOf(opened) : providerOf(opened);
    return Pipeline.fromProvider(provider, { ...options, mode, plan });
  }
  const { sources, plan } = await readSources(path, options.key, options);
  const mode = options.mode ?? (sources.some((s) => s.format === "ort") ? "chained" : "resident");
  return Pipeline.fromParts(sources, { ...options, mode, plan: options.plan ?? plan });
}
