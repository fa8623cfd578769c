import { TorchInvalid } from "./errors.js";
import { PyGlobal, StorageRef, describe, isTuple } from "./pyvalue.js";
import type { PyValue } from "./pyvalue.js";
import { nonNegativeInt } from "./rebuild.js";

/** Storage keys name zip records `data/<key>`; torch writes decimal numbers. Allow a little more, but never a path. */
const STORAGE_KEY = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * torch's persistent ids, `('storage', storage_type, key, location, numel)`, become storage references;
 * the bytes are read from the zip later, and only for storages a returned tensor uses.
 * One reference per key, so tensors that share a storage share its bytes.
 */
export function loadStorage(pid: PyValue, storages: Map<string, StorageRef>): StorageRef {
  if (!isTuple(pid) || pid.length !== 5 || pid[0] !== "storage") {
    throw new TorchInvalid(`persistent id is a ${describe(pid)}, not ('storage', type, key, location, numel)`);
  }
  const [, type, key, location, numel] = pid;
  if (!(type instanceof PyGlobal) || type.role.kind !== "storage") {
    throw new TorchInvalid(`persistent id names ${describe(type)} where a storage type was expected`);
  }
  if (typeof key !== "string" || !STORAGE_KEY.test(key) || key.includes("..")) {
    const shown = typeof key === "string" ? JSON.stringify(key.slice(0, 64)) : describe(key);
    throw new TorchInvalid(`persistent id has an invalid storage key ${shown}`);
  }
  if (typeof location !== "string") throw new TorchInvalid(`storage '${key}' has a ${describe(location)} location`);
  const n = nonNegativeInt("persistent id", "numel", numel);
  const dtype = type.role.dtype;
  const seen = storages.get(key);
  if (seen && seen.dtype === dtype && seen.numel === n) return seen;
  const ref = new StorageRef(key, dtype, n, location);
  if (!seen) storages.set(key, ref);
  return ref;
}
