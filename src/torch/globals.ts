import { STORAGE_DTYPES, TORCH_DTYPES } from "./dtype.js";
import { TorchInvalid, UnsafePickle } from "./errors.js";
import { rebuild } from "./rebuild.js";
import { PyDict, PyDtype, PyGlobal, PyObject, PySet, describe, isList, isTuple, tuple } from "./pyvalue.js";
import type { GlobalRole, PyValue, RebuildName } from "./pyvalue.js";

/**
 * The allow-list. A pickle can only name these globals; anything else stops the read with UnsafePickle.
 * Even allowed globals are never imported or called: each role maps to a small pure handler below.
 */
const EXACT: ReadonlyMap<string, GlobalRole> = new Map<string, GlobalRole>([
  ["collections.OrderedDict", { kind: "ordered_dict" }],
  ["builtins.set", { kind: "set", frozen: false }],
  ["builtins.frozenset", { kind: "set", frozen: true }],
  ["torch.Size", { kind: "tuple" }],
  ["torch.device", { kind: "class" }],
  ["torch.Tensor", { kind: "class" }],
  ["torch.nn.parameter.Parameter", { kind: "class" }],
  ["functools.partial", { kind: "class" }],
  ...rebuilds("torch._utils", [
    "_rebuild_tensor",
    "_rebuild_tensor_v2",
    "_rebuild_tensor_v3",
    "_rebuild_parameter",
    "_rebuild_parameter_with_state",
  ]),
  ...rebuilds("torch._tensor", ["_rebuild_from_type_v2"]),
  ...Object.entries(STORAGE_DTYPES).map(([n, dtype]): [string, GlobalRole] => [`torch.${n}`, { kind: "storage", dtype }]),
  ...["torch.UntypedStorage", "torch.storage.UntypedStorage", "torch._UntypedStorage", "torch.storage._UntypedStorage"].map(
    (n): [string, GlobalRole] => [n, { kind: "storage", dtype: "untyped" }],
  ),
  ...Object.entries(TORCH_DTYPES).map(([n, dtype]): [string, GlobalRole] => [`torch.${n}`, { kind: "dtype", dtype }]),
]);

/** Packages whose classes may appear in whole-module pickles, as inert records. */
const CLASS_PREFIXES = ["torch.nn.modules.", "torchvision.models.", "torchvision.ops."];

/** Classes are CapWords (maybe _Private); requiring it keeps functions of those packages (e.g. `torchvision.ops.nms`) off the list. */
const CLASS_NAME = /^_*[A-Z][A-Za-z0-9_]*$/;
const MODULE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function rebuilds(module: string, names: RebuildName[]): [string, GlobalRole][] {
  return names.map((fn) => [`${module}.${fn}`, { kind: "rebuild", fn }]);
}

/** Resolves GLOBAL / STACK_GLOBAL, or throws UnsafePickle naming the global. */
export function resolveGlobal(module: string, name: string): PyGlobal {
  // Protocol 2 pickles written by Python 3 spell builtins the Python 2 way.
  const mod = module === "__builtin__" ? "builtins" : module;
  const qualname = `${mod}.${name}`;
  const exact = EXACT.get(qualname);
  if (exact) return new PyGlobal(qualname, exact);
  if (MODULE_PATH.test(mod) && CLASS_NAME.test(name) && CLASS_PREFIXES.some((p) => qualname.startsWith(p))) {
    return new PyGlobal(qualname, { kind: "class" });
  }
  throw new UnsafePickle(qualname, `pickle refers to global ${printable(qualname)}, which is not on the allow-list; nothing was executed`);
}

/** REDUCE: `callable(*args)`, for the few callables the allow-list admits. */
export function reduceGlobal(callable: PyValue, args: PyValue): PyValue {
  const g = expectGlobal(callable, "REDUCE");
  const a = expectArgs(args, g.qualname);
  const role = g.role;
  switch (role.kind) {
    case "ordered_dict":
      return orderedDict(a);
    case "set":
      return new PySet(a.length === 0 ? [] : [...iterable(a[0], g.qualname)], role.frozen);
    case "tuple":
      return tuple(a.length === 0 ? [] : [...iterable(a[0], g.qualname)]);
    case "rebuild":
      return rebuild(role.fn, a);
    case "class":
      return new PyObject(g.qualname, a);
    default:
      throw new UnsafePickle(g.qualname, `pickle calls ${g.qualname}, which may not be called; nothing was executed`);
  }
}

/** NEWOBJ / NEWOBJ_EX: `cls.__new__(cls, *args)`; only for classes, which stay inert records. */
export function newObject(cls: PyValue, args: PyValue): PyValue {
  const g = expectGlobal(cls, "NEWOBJ");
  const a = expectArgs(args, g.qualname);
  if (g.role.kind === "ordered_dict") return orderedDict(a);
  if (g.role.kind !== "class") {
    throw new UnsafePickle(g.qualname, `pickle instantiates ${g.qualname}, which is not a class msplit allows; nothing was executed`);
  }
  return new PyObject(g.qualname, a);
}

/** A dtype global as a value (`torch.float32`), or the global itself for everything else. */
export function globalValue(g: PyGlobal): PyValue {
  return g.role.kind === "dtype" ? new PyDtype(g.role.dtype) : g;
}

function orderedDict(args: readonly PyValue[]): PyDict {
  const d = new PyDict("collections.OrderedDict");
  if (args.length > 0 && args[0] !== null) {
    for (const pair of iterable(args[0], "collections.OrderedDict")) {
      const [key, value] = Array.isArray(pair) && pair.length === 2 ? pair : [];
      if (key === undefined || value === undefined) throw new TorchInvalid("pickle builds an OrderedDict from something that is not a list of pairs");
      d.entries.set(key, value);
    }
  }
  return d;
}

function iterable(v: PyValue | undefined, who: string): readonly PyValue[] {
  if (isList(v) || isTuple(v)) return v;
  if (v instanceof PySet) return v.items;
  throw new TorchInvalid(`pickle calls ${who} with a ${describe(v)} where a list was expected`);
}

function expectGlobal(v: PyValue, op: string): PyGlobal {
  if (v instanceof PyGlobal) return v;
  throw new UnsafePickle(describe(v), `${op} of a ${describe(v)}, which is not an allowed callable; nothing was executed`);
}

function expectArgs(v: PyValue, who: string): readonly PyValue[] {
  if (isTuple(v)) return v;
  throw new TorchInvalid(`pickle calls ${who} with ${describe(v)} arguments instead of a tuple`);
}

/** Names come from the file; keep messages on one line and short. */
function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > 200 ? `${clean.slice(0, 200)}...` : clean;
}
