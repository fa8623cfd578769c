/**
 * Reading PyTorch checkpoints (`torch.save` zip files) without Python and without executing pickles.
 * `readTorchCheckpoint` is the entry point; the lower layers are exported for tools and tests.
 */
export { readTorchCheckpoint } from "./checkpoint.js";
export type { ReadTorchOptions, TorchCheckpoint, TorchInt64Tensor, TorchTensor } from "./checkpoint.js";
export { TorchInvalid, TorchLimitExceeded, TorchUnsupported, UnsafePickle } from "./errors.js";
export { resolveLimits } from "./limits.js";
export type { TorchLimits } from "./limits.js";
export { openTorchArchive } from "./zip.js";
export type { TorchArchive } from "./zip.js";
export { unpickle } from "./unpickle.js";
export type { UnpickleOptions, UnpickleResult } from "./unpickle.js";
export { PyDict, PyDtype, PyGlobal, PyObject, PySet, StorageRef, TensorRef } from "./pyvalue.js";
export type { PyValue } from "./pyvalue.js";
export type { DType } from "./dtype.js";
