import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { IoError, UsageError } from "../errors.js";
import { HEADER_FILE, type KeySource } from "../seal/index.js";
import { readPartsDir } from "../split/files.js";
import type { SplitPlan } from "../split/plan.js";
import { exists, isDirectory } from "../util/fs.js";
import { openSealedParts, providerOf, streamingProviderOf } from "./bundle.js";
import { Pipeline, type PartSource, type PipelineMode, type PipelineOptions } from "./pipeline.js";

/** What a path names: one model file, a directory of plain parts, or a sealed bundle. */
export type PathKind = "model" | "parts" | "bundle";

export async function pathKind(path: string): Promise<PathKind> {
  if (!(await isDirectory(path))) return "model";
  return (await exists(join(path, HEADER_FILE))) ? "bundle" : "parts";
}

export interface LoadedSources {
  kind: PathKind;
  sources: PartSource[];
  plan?: SplitPlan;
}

/** Every part of a model file, parts directory or bundle, in memory (bundles decrypted). */
export async function readSources(path: string, key?: KeySource): Promise<LoadedSources> {
  const kind = await pathKind(path);
  if (kind === "bundle") {
    const opened = await openSealedParts(path, requireKey(path, key));
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
  try {
    return { kind, sources: [{ name: path, bytes: await readFile(path) }] };
  } catch (e) {
    throw new IoError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

function requireKey(path: string, key: KeySource | undefined): KeySource {
  if (!key) throw new UsageError(`${path} is a sealed bundle: give its key with --key <file> (or MSPLIT_KEY_FILE)`);
  return key;
}

export interface OpenOptions extends Omit<PipelineOptions, "mode"> {
  /** Default: resident for ONNX parts, chained for ORT-format bundles. */
  mode?: PipelineMode;
  key?: KeySource;
}

/**
 * Opens a model file, a parts directory or a sealed bundle as a ready pipeline. A bundle's parts
 * are decrypted into memory only; in `stream` mode one at a time, as the chain reaches them.
 */
export async function openPipeline(path: string, options: OpenOptions = {}): Promise<Pipeline> {
  const kind = await pathKind(path);
  if (kind === "bundle") {
    const opened = await openSealedParts(path, requireKey(path, options.key));
    const mode = options.mode ?? (opened.partFormat === "ort" ? "chained" : "resident");
    const plan = options.plan ?? opened.plan;
    // Parts are decrypted one at a time, each plaintext wiped once its session holds the model.
    const provider = mode === "stream" ? streamingProviderOf(opened) : providerOf(opened);
    return Pipeline.fromProvider(provider, { ...options, mode, plan });
  }
  const { sources, plan } = await readSources(path, options.key);
  const mode = options.mode ?? (sources.some((s) => s.format === "ort") ? "chained" : "resident");
  return Pipeline.fromParts(sources, { ...options, mode, plan: options.plan ?? plan });
}
