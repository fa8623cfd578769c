import type { DType } from "./dtype.js";
import { TorchInvalid, TorchUnsupported } from "./errors.js";
import { PyDtype, PyGlobal, StorageRef, TensorRef, describe, isTuple } from "./pyvalue.js";
import type { PyValue, RebuildName } from "./pyvalue.js";

/** torch itself caps tensors at 64 dimensions. */
const MAX_DIMS = 64;

/**
 * The tensor reconstructors of `torch._utils`, reimplemented as pure functions that only describe the
 * tensor. Argument lists follow torch's own signatures, including the optional trailing ones newer torch adds.
 */
export function rebuild(fn: RebuildName, a: readonly PyValue[]): TensorRef {
  switch (fn) {
    case "_rebuild_tensor":
      arity(fn, a, 4, 4);
      return view(fn, a, typedDtype(fn, a[0]));
    case "_rebuild_tensor_v2":
      arity(fn, a, 6, 7);
      return view(fn, a, typedDtype(fn, a[0]));
    case "_rebuild_tensor_v3": {
      arity(fn, a, 7, 8);
      const dt = a[6];
      if (!(dt instanceof PyDtype)) throw new TorchInvalid(`${fn}: expected a torch dtype, got ${describe(dt)}`);
      return view(fn, a, dt.dtype);
    }
    case "_rebuild_parameter":
    case "_rebuild_parameter_with_state":
      arity(fn, a, fn === "_rebuild_parameter" ? 3 : 4, fn === "_rebuild_parameter" ? 3 : 4);
      return tensorArg(fn, a[0]).asParameter();
    case "_rebuild_from_type_v2":
      return fromType(a);
  }
}

/** Tensor subclasses pickle as `_rebuild_from_type_v2(func, new_type, args, state)`; only plain tensors and parameters pass. */
function fromType(a: readonly PyValue[]): TensorRef {
  const fn = "_rebuild_from_type_v2";
  arity(fn, a, 4, 4);
  const [func, newType, args] = a;
  if (!(func instanceof PyGlobal) || func.role.kind !== "rebuild" || func.role.fn === fn) {
    throw new TorchInvalid(`${fn}: inner function is ${describe(func)}, not a tensor rebuild function`);
  }
  if (!(newType instanceof PyGlobal) || !["torch.Tensor", "torch.nn.parameter.Parameter"].includes(newType.qualname)) {
    throw new TorchUnsupported(`tensor subclass ${describe(newType)} is not supported`);
  }
  if (!isTuple(args)) throw new TorchInvalid(`${fn}: arguments are a ${describe(args)}, not a tuple`);
  const t = rebuild(func.role.fn, args);
  return newType.qualname === "torch.nn.parameter.Parameter" ? t.asParameter() : t;
}

function view(fn: string, a: readonly PyValue[], dtype: DType): TensorRef {
  const storage = a[0];
  if (!(storage instanceof StorageRef)) throw new TorchInvalid(`${fn}: first argument is a ${describe(storage)}, not a storage`);
  const offset = nonNegativeInt(fn, "storage offset", a[1]);
  const size = intTuple(fn, "size", a[2]);
  const stride = intTuple(fn, "stride", a[3]);
  if (size.length !== stride.length) {
    throw new TorchInvalid(`${fn}: size has ${size.length} dimensions but stride has ${stride.length}`);
  }
  return new TensorRef(storage, dtype, offset, size, stride);
}

function typedDtype(fn: string, storage: PyValue | undefined): DType {
  if (!(storage instanceof StorageRef)) throw new TorchInvalid(`${fn}: first argument is a ${describe(storage)}, not a storage`);
  if (storage.dtype === "untyped") throw new TorchInvalid(`${fn}: untyped storage '${storage.key}' without a dtype`);
  return storage.dtype;
}

function tensorArg(fn: string, v: PyValue | undefined): TensorRef {
  if (v instanceof TensorRef) return v;
  throw new TorchInvalid(`${fn}: first argument is a ${describe(v)}, not a tensor`);
}

function arity(fn: string, a: readonly PyValue[], min: number, max: number): void {
  if (a.length < min || a.length > max) {
    const want = min === max ? `${min}` : `${min}-${max}`;
    throw new TorchInvalid(`${fn} called with ${a.length} arguments, expected ${want}`);
  }
}

function intTuple(fn: string, what: string, v: PyValue | undefined): number[] {
  if (!isTuple(v)) throw new TorchInvalid(`${fn}: ${what} is a ${describe(v)}, not a tuple`);
  if (v.length > MAX_DIMS) throw new TorchInvalid(`${fn}: ${what} has ${v.length} dimensions (at most ${MAX_DIMS})`);
  return v.map((x) => nonNegativeInt(fn, what, x));
}

export function nonNegativeInt(fn: string, what: string, v: PyValue | undefined): number {
  const n = typeof v === "bigint" && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= 0n ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new TorchInvalid(`${fn}: ${what} must be a non-negative integer, got ${typeof n === "number" || typeof n === "bigint" ? String(n) : describe(v)}`);
  }
  return n;
}
