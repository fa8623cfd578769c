/**
 * msplit as a library: every stage the CLI wires together, named one by one. Internal helpers
 * (the protobuf schema, the graph builder, session plumbing, shape rules) stay internal.
 */

// Errors: one base class, a stable code per class (docs/errors.md).
export {
  ERROR_CODES,
  type MsplitErrorCode,
  MsplitError,
  isMsplitError,
  UsageError,
  OnnxInvalid,
  OnnxUnsupported,
  SplitInvalidParts,
  SplitInvalidCut,
  PartsMismatch,
  NpyInvalid,
  ImageInvalid,
  ZooUnknownModel,
  IoError,
  NotRegularFile,
  FileTooLarge,
  RuntimeFailure,
  OutputExists,
  VerifyMismatch,
} from "./errors.js";

// ONNX models: reading, writing, shapes.
export { decodeModel, encodeModel, loadModel, saveModel, resolveExternalData, type LoadOptions } from "./onnx/codec.js";
export { loadModelLazy } from "./onnx/lazy.js";
export { analyzeGraph, type Graph } from "./onnx/graph.js";
export { analyzeShapes, inferTypes, type ShapeAnalysis, type ShapeFallback } from "./onnx/shapes.js";
export { formatShape, type Dim, type TensorType } from "./onnx/types.js";
export { dataTypeName } from "./onnx/dtypes.js";
export { DataType, type ModelProto } from "./onnx/proto.js";

// Splitting.
export { split, maxParts, DEFAULT_PARTS, type Balance, type SplitOptions, type SplitResult } from "./split/split.js";
export { parsePlan, PLAN_VERSION, PLAN_VERSIONS_READ, type PartSpec, type SplitPlan, type TensorSignature } from "./split/plan.js";
export { type SizeChoice, type SizeSource } from "./split/sizes.js";
export { writeSplit, readPartsDir, type PartsOnDisk } from "./split/files.js";
export { PART_METADATA } from "./split/plan.js";

// Running: pipelines, inputs and outputs of any signature, checks.
export { Pipeline, type Feeds, type PartFormat, type PartProvider, type PartSource, type PipelineMode, type PipelineOptions, type RunTrace } from "./runtime/pipeline.js";
export { checkChain, signatureOfModel, type ChainLayout, type PartSignature } from "./runtime/assemble.js";
export { openPipeline, readSources, type LoadedSources } from "./runtime/load.js";
export { admitSource, pathKind, type PathKind, type SourcePolicy } from "./runtime/admit.js";
export { BundleHeaderMissing, LabelsInvalid, LabelsMismatch, UnsealedModel, UnsealedParts } from "./runtime/errors.js";
export { concreteShapes, randomFeeds, readFeeds, seededInput, writeOutputs, type TensorSpec } from "./runtime/feeds.js";
export { verifyParts, type VerifyOptions, type VerifyReport } from "./runtime/verify.js";
export { describeModel, describeParts, type ModelDescription, type PartsDescription, type TensorDescription } from "./runtime/describe.js";
export { preprocessImage, IMAGENET_MEAN, IMAGENET_STD, type PreprocessOptions } from "./runtime/preprocess.js";
export { softmax, topK, readLabels, formatResult, type Prediction } from "./runtime/classify.js";
export { parseNpy, encodeNpy, readNpy, writeNpy, type NdArray } from "./runtime/npy.js";
export { toOrtTensor, fromOrtTensor, compareOutputs, compareTensors, type TensorComparison } from "./runtime/tensors.js";
export { type SessionSettings } from "./runtime/session.js";

// Sealing.
export { sealParts, unsealParts, openSealedParts, type OpenedParts, type SealPartsOptions } from "./runtime/bundle.js";
export { splitAndSeal, type SplitAndSealOptions } from "./runtime/split-seal.js";
export {
  sealBundle,
  openBundle,
  unsealBundle,
  plainPartName,
  PLAN_FILE,
  generateKey,
  loadKey,
  KEY_FILE_ENV,
  wrapKey,
  unwrapKey,
  zeroize,
  FORMAT_VERSION,
  HEADER_FILE,
  BUNDLE_ERROR_CODES,
  BundleIncomplete,
  BundleInvalid,
  BundleTampered,
  BundleTruncated,
  BundleUnexpectedFile,
  KekMismatch,
  KeyInvalid,
  KeyMismatch,
  KeyPermissions,
  type BundleInfo,
  type SealOptions,
  type SealPart,
  type OpenedBundle,
  type OpenOptions,
  type UnsealResult,
  type GenerateKeyOptions,
  type KeySource,
  type LoadKeyOptions,
  type BundleManifest,
  type PartEntry,
} from "./seal/index.js";

// PyTorch checkpoints and the zoo.
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

// Attestation errors (the attesters and verification live in src/attest).
export { AttestationRefused, AttesterUnavailable, CollateralInvalid, PolicyInvalid, QuoteInvalid } from "./attest/errors.js";

// Key broker and benchmark errors.
export { KbsConfigInvalid, KbsRefused, KbsUnavailable, KeyReleaseInvalid } from "./kbs/errors.js";
export { BenchChildFailed } from "./bench/child.js";
