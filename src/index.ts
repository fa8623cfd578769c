/** msplit as a library: every stage the CLI wires together. */
export * from "./errors.js";
export * from "./onnx/index.js";
export * from "./split/index.js";
export * from "./runtime/index.js";
export { buildZoo, zooNames, isZooName, ZOO_MODELS, type ZooName } from "./zoo/index.js";
