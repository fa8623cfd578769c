export { decodeModel, encodeModel, loadModel, saveModel, resolveExternalData, type LoadOptions } from "./codec.js";
export { analyzeGraph, type Graph } from "./graph.js";
export { inferTypes } from "./shapes.js";
export { nodeCosts, tensorBytes, type NodeCost } from "./cost.js";
export { GraphBuilder, attr, DEFAULT_OPSET } from "./builder.js";
export { floatTensor, int64Tensor, tensorToFloat32, tensorToBigInts, elementBytes, dataTypeName } from "./tensor.js";
export { valueInfo, typeOfValueInfo, formatShape, type Dim, type TensorType } from "./types.js";
export * from "./proto.js";
