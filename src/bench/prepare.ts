import { basename, join } from "node:path";
import { encodeModel, loadModel } from "../onnx/codec.js";
import type { ModelProto } from "../onnx/proto.js";
import { sealParts } from "../runtime/bundle.js";
import type { PartFormat } from "../runtime/pipeline.js";
import { loadKey } from "../seal/index.js";
import { writeSplit } from "../split/files.js";
import type { SplitPlan } from "../split/plan.js";
import { split } from "../split/split.js";
import { buildZoo } from "../zoo/index.js";

/** A model in the matrix: a zoo architecture (seeded random weights) or an ONNX file. */
export interface BenchModel {
  /** Label in the CSV and charts: the zoo name, or the file's base name. */
  name: string;
  source: "zoo" | "file";
  path?: string;
}

export function zooModel(name: string): BenchModel {
  return { name, source: "zoo" };
}

export function fileModel(path: string): BenchModel {
  return { name: basename(path).replace(/\.onnx$/i, ""), source: "file", path };
}

export function loadBenchModel(m: BenchModel): Promise<ModelProto> {
  return m.source === "zoo" ? Promise.resolve(buildZoo(m.name, 0)) : loadModel(m.path!);
}

/** What one part count of one model needs on disk: plain parts and the same parts sealed. */
export interface Artifacts {
  parts: number;
  plainDir: string;
  bundleDir: string;
  plan: SplitPlan;
  bytes: number;
}

/**
 * Splits `model` into `parts`, writes the plain parts and seals the same parts into a bundle
 * under `dir`. Preparation is not measured: the matrix times what a deployment runs, not the
 * owner's one-off split and seal.
 */
export async function prepareArtifacts(model: ModelProto, parts: number, dir: string, keyPath: string, partFormat?: PartFormat): Promise<Artifacts> {
  const result = await split(model, { parts });
  const plainDir = join(dir, `p${parts}-plain`);
  const bundleDir = join(dir, `p${parts}-sealed`);
  await writeSplit(plainDir, result);
  const sources = result.parts.map((p, i) => ({ name: result.plan.parts[i]!.file, bytes: encodeModel(p) }));
  const bytes = sources.reduce((s, p) => s + p.bytes.length, 0);
  const key = await loadKey({ kind: "file", path: keyPath });
  try {
    await sealParts(bundleDir, sources, key, { plan: result.plan, partFormat });
  } finally {
    key.fill(0);
  }
  return { parts: result.parts.length, plainDir, bundleDir, plan: result.plan, bytes };
}
