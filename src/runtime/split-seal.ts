import { encodeModel } from "../onnx/codec.js";
import type { ModelProto } from "../onnx/proto.js";
import type { BundleInfo } from "../seal/index.js";
import { split, type SplitOptions, type SplitResult } from "../split/split.js";
import { sealParts, type SealPartsOptions } from "./bundle.js";

export interface SplitAndSealOptions extends SplitOptions, Omit<SealPartsOptions, "plan"> {}

/**
 * Splits a model and seals the parts into a bundle in `dir`, in one step: the plain parts exist
 * only in memory. What `msplit split --seal` does, for the key broker and benchmarks to call.
 */
export async function splitAndSeal(model: ModelProto, dir: string, key: Uint8Array, options: SplitAndSealOptions = {}): Promise<{ result: SplitResult; bundle: BundleInfo }> {
  const result = await split(model, options);
  const sources = result.parts.map((p, i) => ({ name: result.plan.parts[i]!.file, bytes: encodeModel(p) }));
  const bundle = await sealParts(dir, sources, key, { plan: result.plan, partFormat: options.partFormat, onPart: options.onPart });
  return { result, bundle };
}
