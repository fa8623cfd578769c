import { readFile } from "node:fs/promises";
import { IoError } from "../errors.js";
import { readPartsDir } from "../split/files.js";
import type { SplitPlan } from "../split/plan.js";
import { isDirectory } from "../util/fs.js";
import { Pipeline, type PartSource, type PipelineOptions } from "./pipeline.js";

/** What a path names: one model file, or a directory of parts. */
export interface LoadedSources {
  kind: "model" | "parts";
  sources: PartSource[];
  plan?: SplitPlan;
}

export async function readSources(path: string): Promise<LoadedSources> {
  if (await isDirectory(path)) {
    const { plan, parts } = await readPartsDir(path);
    return { kind: "parts", sources: parts, plan };
  }
  try {
    return { kind: "model", sources: [{ name: path, bytes: await readFile(path) }] };
  } catch (e) {
    throw new IoError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/** Opens a model file or a parts directory as a ready pipeline. */
export async function openPipeline(path: string, options: PipelineOptions = {}): Promise<Pipeline> {
  const { sources, plan } = await readSources(path);
  return Pipeline.fromParts(sources, { ...options, plan: options.plan ?? plan });
}
