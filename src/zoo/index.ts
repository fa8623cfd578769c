/** The zoo: the original project's eight architectures, built as ONNX, and PyTorch weight import. */
export { buildZoo, isZooName, ZOO_MODELS, type ZooName, zooNames } from "./registry.js";
export { ArchitectureUnknown, WeightsMismatch } from "./errors.js";
export { identifyArchitecture, loadStateDict, type LoadStateDictOptions, type StateTensor } from "./weights.js";
export { importTorchWeights, type ImportedModel } from "./import.js";
