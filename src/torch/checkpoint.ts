import { endianness } from "node:os";
import { MsplitError } from "../errors.js";
import { TorchInvalid, TorchLimitExceeded, TorchUnsupported } from "./errors.js";
import type { TorchLimits } from "./limits.js";
import type { TensorRef } from "./pyvalue.js";
import { materialize, materializeCost } from "./tensor.js";
import { unpickle } from "./unpickle.js";
import { findWeights } from "./weights.js";
import { openTorchArchive } from "./zip.js";
import type { TorchArchive } from "./zip.js";

export interface TorchTensor {
  dims: number[];
  /** Row-major values. May be a view on a buffer shared with other tensors of the same storage: treat as read-only. */
  data: Float32Array;
}

export interface TorchInt64Tensor {
  dims: number[];
  data: BigInt64Array;
}

export interface TorchCheckpoint {
  kind: "state_dict" | "module";
  /** Every tensor name, float and int64, in `model.state_dict()` order. */
  names: string[];
  /** Floating-point tensors (float32, float16, bfloat16, float64 — all as float32) by state-dict name, in state-dict order. */
  tensors: Map<string, TorchTensor>;
  /** int64 tensors such as BatchNorm's `num_batches_tracked`, by state-dict name. */
  int64Buffers: Map<string, TorchInt64Tensor>;
  /** Class of the pickled top-level module, e.g. `torchvision.models.resnet.ResNet` (whole-module files only). */
  className?: string;
}

export interface ReadTorchOptions {
  limits?: Partial<TorchLimits>;
}

/**
 * Reads a `torch.save` zip checkpoint (a state dict, a whole module, or either nested in a dict under a
 * common key) without executing its pickle. Storages are read only if a returned tensor uses them.
 */
export async function readTorchCheckpoint(path: string, options: ReadTorchOptions = {}): Promise<TorchCheckpoint> {
  if (endianness() !== "LE") throw new TorchUnsupported("reading torch checkpoints needs a little-endian host");
  const archive = await openTorchArchive(path, options.limits);
  try {
    return await readArchive(archive, archive.limits);
  } catch (e) {
    if (!(e instanceof MsplitError)) throw new TorchInvalid(`${path}: ${(e as Error).message}`, { cause: e });
    // Pickle and walk errors do not know the file; say which one, once.
    if (!e.message.startsWith(`${path}:`)) e.message = `${path}: ${e.message}`;
    throw e;
  } finally {
    await archive.close();
  }
}

async function readArchive(archive: TorchArchive, limits: TorchLimits): Promise<TorchCheckpoint> {
  await checkByteOrder(archive);
  const pklSize = archive.size("data.pkl") ?? 0;
  if (pklSize > limits.maxPickleBytes) throw new TorchLimitExceeded(`${archive.path}: data.pkl is ${pklSize} bytes (limit ${limits.maxPickleBytes})`);
  const { value } = unpickle(await archive.read("data.pkl"), limits);
  const found = findWeights(value, limits);
  const out: TorchCheckpoint = {
    kind: found.kind,
    names: found.entries.map(([name]) => name),
    tensors: new Map(),
    int64Buffers: new Map(),
  };
  if (found.className !== undefined) out.className = found.className;
  const values = await loadTensors(archive, found.entries, limits);
  for (const [name, t] of found.entries) {
    const data = values.get(t)!;
    const dims = [...t.size];
    if (data instanceof Float32Array) out.tensors.set(name, { dims, data });
    else out.int64Buffers.set(name, { dims, data });
  }
  return out;
}

/** A big-endian archive would need every element swapped; torch writes `byteorder` only since 1.x, little by default. */
async function checkByteOrder(archive: TorchArchive): Promise<void> {
  const size = archive.size("byteorder");
  if (size === undefined) return;
  if (size > 16) throw new TorchInvalid(`${archive.path}: byteorder record is ${size} bytes`);
  const order = new TextDecoder().decode(await archive.read("byteorder")).trim();
  if (order !== "little") throw new TorchUnsupported(`${archive.path}: byte order '${order.slice(0, 16)}' is not supported (only little-endian)`);
}

/**
 * Reads each storage once and materializes every tensor that views it before moving on, so a storage
 * that only feeds copies can be collected while the next one loads.
 */
async function loadTensors(
  archive: TorchArchive,
  entries: Array<[string, TensorRef]>,
  limits: TorchLimits,
): Promise<Map<TensorRef, Float32Array | BigInt64Array>> {
  const byKey = new Map<string, Array<[string, TensorRef]>>();
  for (const e of entries) {
    const key = e[1].storage.key;
    const list = byKey.get(key) ?? [];
    if (list.length === 0) byKey.set(key, list);
    list.push(e);
  }
  let allocated = 0;
  const values = new Map<TensorRef, Float32Array | BigInt64Array>();
  for (const [key, users] of byKey) {
    if (archive.size(`data/${key}`) === undefined) {
      throw new TorchInvalid(`${archive.path}: tensor '${users[0]![0]}' uses storage '${key}', which the archive does not contain`);
    }
    const bytes = await archive.read(`data/${key}`);
    for (const [name, t] of users) {
      if (values.has(t)) continue;
      // Check before allocating: a stride-0 view of a tiny storage can claim billions of elements.
      if (allocated + materializeCost(t) > limits.maxOutputBytes) {
        throw new TorchLimitExceeded(`${archive.path}: tensor '${name}' [${t.size.join(", ")}] would exceed ${limits.maxOutputBytes} bytes of tensor data`);
      }
      const m = materialize(t, bytes, name);
      allocated += m.allocated;
      values.set(t, m.data);
    }
  }
  return values;
}
