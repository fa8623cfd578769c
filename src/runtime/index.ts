export { Pipeline, type Feeds, type PartSource, type PipelineMode, type PipelineOptions, type RunTrace } from "./pipeline.js";
export { checkChain, stitchParts, type ChainLayout } from "./assemble.js";
export { openPipeline, readSources, type LoadedSources } from "./load.js";
export { preprocessImage, IMAGENET_MEAN, IMAGENET_STD, type PreprocessOptions } from "./preprocess.js";
export { softmax, topK, readLabels, formatResult, type Prediction } from "./classify.js";
export { parseNpy, encodeNpy, readNpy, writeNpy, type NdArray } from "./npy.js";
export { toOrtTensor, fromOrtTensor, compareOutputs } from "./tensors.js";
export { createSession, sessionOptions, type SessionSettings } from "./session.js";
