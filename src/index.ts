/** msplit as a library: every stage the CLI wires together. */
export * from "./errors.js";
export * from "./onnx/index.js";
export { loadModelLazy } from "./onnx/lazy.js";
export * from "./split/index.js";
export * from "./runtime/index.js";
export { sealParts, unsealParts, openSealedParts, type OpenedParts, type SealPartsOptions } from "./runtime/bundle.js";
export * from "./seal/index.js";
export { readTorchCheckpoint, TorchInvalid, TorchLimitExceeded, TorchUnsupported, UnsafePickle, type TorchCheckpoint } from "./torch/index.js";
export {
  buildZoo,
  zooNames,
  isZooName,
  ZOO_MODELS,
  type ZooName,
  importTorchWeights,
  type ImportedModel,
  loadStateDict,
  identifyArchitecture,
  WeightsMismatch,
  ArchitectureUnknown,
} from "./zoo/index.js";
export {
  generateWrapKey,
  loadWrapKey,
  normalizePfPath,
  openProtectedFile,
  pfConvert,
  pfDecryptFile,
  pfEncryptFile,
  readProtectedFile,
  sealProtectedFile,
  PfCorrupted,
  PfInvalidHeader,
  PfInvalidVersion,
  PfKeyMismatch,
  PfPathMismatch,
  PfTruncated,
  type OpenedPf,
  type PfSink,
  type PfSource,
  type PfVersion,
} from "./seal/gramine-pf/index.js";
