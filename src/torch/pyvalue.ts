import type { DType } from "./dtype.js";

/**
 * The inert values the restricted unpickler builds. Nothing here has behaviour: module classes become
 * `PyObject` records, tensors become `TensorRef` descriptions that are materialized later from the zip.
 * Tuples are frozen arrays, lists are plain arrays.
 */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | readonly PyValue[]
  | PyDict
  | PySet
  | PyObject
  | PyGlobal
  | PyDtype
  | StorageRef
  | TensorRef;

/** A dict or OrderedDict. `attrs` holds what BUILD set on it (an OrderedDict state dict's `_metadata`). */
export class PyDict {
  readonly entries = new Map<PyValue, PyValue>();
  attrs: PyValue = null;
  constructor(readonly className: string = "builtins.dict") {}

  get(key: string): PyValue | undefined {
    return this.entries.get(key);
  }
}

export class PySet {
  constructor(
    readonly items: PyValue[],
    readonly frozen = false,
  ) {}
}

/** An instance of an allowed class, never constructed: its class name, constructor arguments, and BUILD state. */
export class PyObject {
  __state__: PyValue = null;
  constructor(
    readonly __class__: string,
    readonly __args__: readonly PyValue[] = [],
  ) {}
}

/** A reference to an allow-listed global; `role` says what the unpickler may do with it. */
export class PyGlobal {
  constructor(
    readonly qualname: string,
    readonly role: GlobalRole,
  ) {}
}

export type GlobalRole =
  | { kind: "ordered_dict" }
  | { kind: "set"; frozen: boolean }
  | { kind: "rebuild"; fn: RebuildName }
  | { kind: "storage"; dtype: DType | "untyped" }
  | { kind: "dtype"; dtype: DType }
  | { kind: "tuple" }
  | { kind: "class" };

export type RebuildName =
  | "_rebuild_tensor"
  | "_rebuild_tensor_v2"
  | "_rebuild_tensor_v3"
  | "_rebuild_parameter"
  | "_rebuild_parameter_with_state"
  | "_rebuild_from_type_v2";

export class PyDtype {
  constructor(readonly dtype: DType) {}
}

/** One storage of the checkpoint: zip entry `data/<key>`, `numel` elements of `dtype` as the pickle declares. */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: DType | "untyped",
    readonly numel: number,
    readonly location: string,
  ) {}
}

/** A tensor as a view into a storage; materialized (and bounds-checked) once the storage is read. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly dtype: DType,
    readonly offset: number,
    readonly size: readonly number[],
    readonly stride: readonly number[],
    readonly isParameter = false,
  ) {}

  asParameter(): TensorRef {
    return new TensorRef(this.storage, this.dtype, this.offset, this.size, this.stride, true);
  }
}

export function tuple(items: PyValue[]): readonly PyValue[] {
  return Object.freeze(items);
}

export function isTuple(v: PyValue | undefined): v is readonly PyValue[] {
  return Array.isArray(v) && Object.isFrozen(v);
}

export function isList(v: PyValue | undefined): v is PyValue[] {
  return Array.isArray(v) && !Object.isFrozen(v);
}

/** A short name for a value's type, for error messages. */
export function describe(v: PyValue | undefined): string {
  if (v === undefined) return "nothing";
  if (v === null) return "None";
  if (typeof v !== "object") return typeof v;
  if (v instanceof Uint8Array) return "bytes";
  if (Array.isArray(v)) return isTuple(v) ? "tuple" : "list";
  if (v instanceof PyDict) return v.className;
  if (v instanceof PyObject) return v.__class__;
  if (v instanceof PyGlobal) return v.qualname;
  if (v instanceof TensorRef) return "tensor";
  if (v instanceof StorageRef) return "storage";
  if (v instanceof PySet) return "set";
  return "dtype";
}
