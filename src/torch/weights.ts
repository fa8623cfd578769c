import { TorchInvalid, TorchLimitExceeded, TorchUnsupported } from "./errors.js";
import { PyDict, PyObject, PySet, TensorRef, describe, isTuple } from "./pyvalue.js";
import type { PyValue } from "./pyvalue.js";

export interface FoundWeights {
  kind: "state_dict" | "module";
  /** Top-level module class (`torchvision.models.resnet.ResNet`) for whole-module pickles. */
  className?: string;
  /** Names in `model.state_dict()` order; a tensor may appear under several names (tied weights). */
  entries: Array<[string, TensorRef]>;
}

export interface WalkLimits {
  maxDepth: number;
  maxTensors: number;
}

/** Keys under which training scripts commonly nest the weights, in order of preference. */
const WRAPPER_KEYS = ["state_dict", "model_state_dict", "model", "module", "net", "network", "weights"];

/** Finds the weights in an unpickled checkpoint: a state dict, a whole module, or either one inside a wrapper dict. */
export function findWeights(root: PyValue, limits: WalkLimits): FoundWeights {
  let v = root;
  for (let depth = 0; depth <= limits.maxDepth; depth++) {
    if (v instanceof PyObject) return moduleWeights(v, limits);
    if (!(v instanceof PyDict)) throw new TorchUnsupported(`checkpoint holds a ${describe(v)}, not a state dict or an nn.Module`);
    if (isStateDict(v)) return { kind: "state_dict", entries: stripDataParallel(stateDictEntries(v, limits)) };
    const key = WRAPPER_KEYS.find((k) => v instanceof PyDict && v.entries.has(k));
    if (key === undefined) throw new TorchUnsupported(`checkpoint is a dict without tensors or a known weights key (keys: ${keyList(v)})`);
    v = v.get(key)!;
  }
  throw new TorchLimitExceeded(`checkpoint nests weights deeper than ${limits.maxDepth} dicts`);
}

/** A state dict maps names to tensors; `*._extra_state` entries may hold anything and are skipped. */
function isStateDict(d: PyDict): boolean {
  let tensors = 0;
  for (const [k, v] of d.entries) {
    if (typeof k !== "string") return false;
    if (v instanceof TensorRef) tensors++;
    else if (!k.endsWith("_extra_state")) return false;
  }
  return tensors > 0;
}

function stateDictEntries(d: PyDict, limits: WalkLimits): Array<[string, TensorRef]> {
  const out: Array<[string, TensorRef]> = [];
  for (const [k, v] of d.entries) {
    if (v instanceof TensorRef) out.push([k as string, v]);
  }
  if (out.length > limits.maxTensors) throw new TorchLimitExceeded(`checkpoint has ${out.length} tensors (limit ${limits.maxTensors})`);
  return out;
}

/** `nn.DataParallel` state dicts prefix every name with `module.`; the model itself does not. */
function stripDataParallel(entries: Array<[string, TensorRef]>): Array<[string, TensorRef]> {
  if (!entries.every(([k]) => k.startsWith("module."))) return entries;
  return entries.map(([k, t]) => [k.slice("module.".length), t]);
}

/** Walks `_parameters`, `_buffers` and `_modules` the way `nn.Module.state_dict()` does. */
function moduleWeights(root: PyObject, limits: WalkLimits): FoundWeights {
  const entries: Array<[string, TensorRef]> = [];
  let visits = 0;
  const walk = (m: PyObject, prefix: string, depth: number): void => {
    // Shared submodules are walked once per name, as torch does; bounding depth stops cycles and
    // bounding visits stops a small pickle of shared subtrees from expanding exponentially.
    if (depth > limits.maxDepth) throw new TorchLimitExceeded(`module tree deeper than ${limits.maxDepth} levels at '${prefix}'`);
    if (++visits > limits.maxTensors) throw new TorchLimitExceeded(`module tree has more than ${limits.maxTensors} submodules`);
    const state = moduleState(m, prefix);
    const skip = nonPersistent(state.get("_non_persistent_buffers_set"));
    for (const [name, t] of tensorsOf(state, "_parameters", prefix)) entries.push([prefix + name, t]);
    for (const [name, t] of tensorsOf(state, "_buffers", prefix)) if (!skip.has(name)) entries.push([prefix + name, t]);
    if (entries.length > limits.maxTensors) throw new TorchLimitExceeded(`module has more than ${limits.maxTensors} tensors`);
    for (const [name, child] of dictOf(state, "_modules", prefix).entries) {
      if (child === null) continue;
      if (!(child instanceof PyObject)) throw new TorchInvalid(`submodule '${prefix}${String(name)}' is a ${describe(child)}`);
      walk(child, `${prefix}${String(name)}.`, depth + 1);
    }
  };
  walk(root, "", 0);
  return { kind: "module", className: root.__class__, entries };
}

/** A module's BUILD state is its `__dict__`, or `(__dict__, slots)` for classes with slots. */
function moduleState(m: PyObject, prefix: string): PyDict {
  const s = isTuple(m.__state__) ? m.__state__[0] : m.__state__;
  if (s instanceof PyDict && s.entries.has("_modules")) return s;
  const where = prefix === "" ? "top-level object" : `'${prefix.slice(0, -1)}'`;
  throw new TorchUnsupported(`${where} (${m.__class__}) is not an nn.Module: its state has no _modules`);
}

function dictOf(state: PyDict, key: string, prefix: string): PyDict {
  const d = state.get(key);
  if (d === undefined) return new PyDict();
  if (!(d instanceof PyDict)) throw new TorchInvalid(`module '${prefix}' has ${key} of type ${describe(d)}`);
  return d;
}

function tensorsOf(state: PyDict, key: string, prefix: string): Array<[string, TensorRef]> {
  const out: Array<[string, TensorRef]> = [];
  for (const [name, v] of dictOf(state, key, prefix).entries) {
    if (v === null) continue;
    if (typeof name !== "string" || !(v instanceof TensorRef)) {
      throw new TorchInvalid(`module '${prefix}' has ${key} entry ${String(name)} of type ${describe(v)}`);
    }
    out.push([name, v]);
  }
  return out;
}

function nonPersistent(v: PyValue | undefined): Set<string> {
  if (!(v instanceof PySet)) return new Set();
  return new Set(v.items.filter((x): x is string => typeof x === "string"));
}

function keyList(d: PyDict): string {
  const keys = [...d.entries.keys()].slice(0, 8).map((k) => (typeof k === "string" ? k : describe(k)));
  return keys.join(", ") + (d.entries.size > 8 ? ", ..." : "");
}
