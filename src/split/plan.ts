import { PartsMismatch } from "../errors.js";
import type { Dim } from "../onnx/types.js";
import type { SizeSource } from "./sizes.js";

/** plan.json: what a split produced. Documented in docs/plan-format.md. */
export const PLAN_VERSION = 2;
/** Versions this msplit reads: version 1 has no `sizes`, and its byte counts are at batch 1. */
export const PLAN_VERSIONS_READ: readonly number[] = [1, 2];

export interface TensorSignature {
  name: string;
  /** ONNX element type name in lower case: "float", "int64", ... */
  dtype: string;
  /**
   * Dims: numbers where static, the text of a symbolic dim (a name such as "height", or an exact
   * expression such as "floor((height - 1)/2) + 1") where it follows the inputs, null where
   * unknown; null when the rank is unknown.
   */
  shape: Dim[] | null;
  /** Bytes at the plan's `sizes` (version 1: at batch 1), when the shape is known there. */
  bytes: number | null;
}

export interface PartSpec {
  index: number;
  file: string;
  nodes: number;
  firstNode: string;
  lastNode: string;
  inputs: TensorSignature[];
  outputs: TensorSignature[];
  flops: number;
  paramBytes: number;
  /** Bytes of all tensors alive at the boundary after this part (0 after the last part). */
  liveBytesAfter: number;
}

export interface SplitPlan {
  format: "msplit-plan";
  version: number;
  model: {
    name: string;
    inputs: TensorSignature[];
    outputs: TensorSignature[];
    nodes: number;
    flops: number;
    paramBytes: number;
  };
  balance: string;
  /** Version 2: the value each dynamic input dim took for the cost estimates, and where it came from. */
  sizes?: Record<string, { value: number; from: SizeSource }>;
  cuts: { after: string; live: TensorSignature[]; bytes: number }[];
  parts: PartSpec[];
}

/** Checks the parts of a plan.json read from disk before anything trusts it. */
export function parsePlan(text: string, source = "plan.json"): SplitPlan {
  let plan: SplitPlan;
  try {
    plan = JSON.parse(text) as SplitPlan;
  } catch (e) {
    throw new PartsMismatch(`${source} is not valid JSON: ${(e as Error).message}`);
  }
  if (plan?.format !== "msplit-plan") throw new PartsMismatch(`${source} is not an msplit plan`);
  if (!PLAN_VERSIONS_READ.includes(plan.version))
    throw new PartsMismatch(`${source} has plan version ${plan.version}; this msplit reads versions ${PLAN_VERSIONS_READ.join(" and ")}`);
  if (!Array.isArray(plan.parts) || plan.parts.length === 0) throw new PartsMismatch(`${source} lists no parts`);
  plan.parts.forEach((p, i) => {
    if (p.index !== i) throw new PartsMismatch(`${source}: part ${i} has index ${p.index}`);
    if (typeof p.file !== "string" || p.file.includes("/") || p.file.includes("\\") || p.file.startsWith("."))
      throw new PartsMismatch(`${source}: part ${i} names an invalid file`);
  });
  return plan;
}

/** The metadata keys msplit writes on every part it extracts (which part of how many). */
export const PART_METADATA = { index: "msplit.part.index", count: "msplit.part.count" } as const;
