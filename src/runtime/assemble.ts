import { PartsMismatch } from "../errors.js";
import { PART_METADATA } from "../split/plan.js";
import type { SplitPlan } from "../split/plan.js";
import type { ModelProto } from "../onnx/proto.js";
import { dataTypeName } from "../onnx/dtypes.js";
import { formatShape, type TensorType, typeOfValueInfo, typesCompatible } from "../onnx/types.js";

/** How the parts connect: what each reads and writes, and what the chain takes and gives. */
export interface ChainLayout {
  /** Names the caller feeds (the original model's inputs). */
  inputs: string[];
  /** Names the chain returns (the original model's outputs). */
  outputs: string[];
  partInputs: string[][];
  partOutputs: string[][];
  /** For each part, the tensors that can be dropped after it ran (no later part reads them). */
  releaseAfter: string[][];
  types: Map<string, TensorType>;
  /** The value each dynamic input dim took in the plan's cost estimates (empty without a plan). */
  sizes: Map<string, number>;
}

/** msplit's own metadata keys on parts (PART_METADATA): dropped when parts are stitched. */
export const PART_METADATA_PREFIX = "msplit.part.";

function metaValue(m: ModelProto, key: string): string | undefined {
  return m.metadataProps.find((e) => e.key === key)?.value;
}

/** What the chain needs to know of a part: its position stamp and typed inputs and outputs. */
export interface PartSignature {
  label: string;
  /** The index and count the splitter stamped on the part, when known. */
  index?: number;
  count?: number;
  inputs: { name: string; type?: TensorType }[];
  outputs: { name: string; type?: TensorType }[];
}

export function signatureOfModel(part: ModelProto, label: string): PartSignature {
  const g = part.graph!;
  const initNames = new Set(g.initializer.map((t) => t.name));
  const index = metaValue(part, PART_METADATA.index);
  const count = metaValue(part, PART_METADATA.count);
  return {
    label,
    index: index === undefined ? undefined : Number(index),
    count: count === undefined ? undefined : Number(count),
    inputs: g.input.filter((v) => !initNames.has(v.name)).map((v) => ({ name: v.name, type: typeOfValueInfo(v) })),
    outputs: g.output.map((v) => ({ name: v.name, type: typeOfValueInfo(v) })),
  };
}

/**
 * Checks that parts fit together in the given order: each part's inputs are the caller's inputs
 * or outputs of an earlier part with the same dtype and a compatible shape, the parts carry the
 * index and count the splitter stamped on them, and (with a plan) the ends match the plan.
 * `outputs` names what the chain returns when there is no plan (the whole model's outputs, when
 * known); without either, it returns what no later part reads.
 */
export function checkChain(parts: readonly PartSignature[], plan?: SplitPlan, expectedOutputs?: readonly string[]): ChainLayout {
  if (parts.length === 0) throw new PartsMismatch("no parts to run");
  if (plan && plan.parts.length !== parts.length) throw new PartsMismatch(`plan lists ${plan.parts.length} parts, found ${parts.length}`);
  const label = (k: number) => parts[k]!.label;
  const types = new Map<string, TensorType>();
  const producedAt = new Map<string, number>();
  const externalInputs = plan ? new Set(plan.model.inputs.map((s) => s.name)) : undefined;
  const inputs: string[] = [];
  const partInputs: string[][] = [];
  const partOutputs: string[][] = [];
  parts.forEach((part, k) => {
    if (part.index !== undefined && part.index !== k)
      throw new PartsMismatch(`${label(k)} is part ${part.index} of its split, found at position ${k}: the parts are out of order`);
    if (part.count !== undefined && part.count !== parts.length)
      throw new PartsMismatch(`${label(k)} belongs to a split into ${part.count} parts, but ${parts.length} were given`);
    partInputs.push(part.inputs.map((v) => v.name));
    for (const v of part.inputs) {
      const known = types.get(v.name);
      if (producedAt.has(v.name)) {
        if (v.type && known && !typesCompatible(v.type, known))
          throw new PartsMismatch(`${label(k)} reads '${v.name}' as ${describe(v.type)} but ${label(producedAt.get(v.name)!)} makes ${describe(known)}`);
        continue;
      }
      const isExternal = externalInputs ? externalInputs.has(v.name) : k === 0 || inputs.includes(v.name);
      if (!isExternal) throw new PartsMismatch(`${label(k)} reads '${v.name}', which no earlier part produces (a part is missing or out of order)`);
      if (!inputs.includes(v.name)) inputs.push(v.name);
      if (v.type) types.set(v.name, v.type);
    }
    partOutputs.push(part.outputs.map((v) => v.name));
    for (const v of part.outputs) {
      if (producedAt.has(v.name)) throw new PartsMismatch(`${label(k)} and ${label(producedAt.get(v.name)!)} both produce '${v.name}'`);
      producedAt.set(v.name, k);
      if (v.type) types.set(v.name, v.type);
    }
  });

  const laterReads = (name: string, k: number) => partInputs.slice(k + 1).some((ins) => ins.includes(name));
  let outputs: string[];
  if (plan || expectedOutputs) {
    outputs = plan ? plan.model.outputs.map((s) => s.name) : [...expectedOutputs!];
    for (const o of outputs) if (!producedAt.has(o) && !inputs.includes(o)) throw new PartsMismatch(`no part produces the model output '${o}'`);
  } else {
    outputs = [];
    parts.forEach((_, k) => {
      for (const o of partOutputs[k]!) if (!laterReads(o, k)) outputs.push(o);
    });
  }
  const keep = new Set(outputs);
  const releaseAfter = parts.map((_, k) => {
    const candidates = [...partInputs[k]!, ...partOutputs[k]!];
    return [...new Set(candidates)].filter((n) => !keep.has(n) && !laterReads(n, k));
  });
  const sizes = new Map(Object.entries(plan?.sizes ?? {}).map(([k, v]) => [k, v.value]));
  return { inputs, outputs, partInputs, partOutputs, releaseAfter, types, sizes };
}

function describe(t: TensorType): string {
  return `${dataTypeName(t.elemType)}${formatShape(t.shape)}`;
}
