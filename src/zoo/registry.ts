import { ZooUnknownModel } from "../errors.js";
import type { ModelProto } from "../onnx/proto.js";
import { alexnet } from "./alexnet.js";
import { mobilenet_v3_large, mobilenet_v3_small } from "./mobilenetv3.js";
import { resnet101, resnet50 } from "./resnet.js";
import { squeezenet1_1 } from "./squeezenet.js";
import { vgg16, vgg19 } from "./vgg.js";

/** The architectures of the original project, by torchvision name. */
export const ZOO_MODELS = {
  alexnet,
  mobilenet_v3_large,
  mobilenet_v3_small,
  resnet50,
  resnet101,
  squeezenet1_1,
  vgg16,
  vgg19,
} as const satisfies Record<string, (seed?: number) => ModelProto>;

export type ZooName = keyof typeof ZOO_MODELS;

export function zooNames(): ZooName[] {
  return Object.keys(ZOO_MODELS) as ZooName[];
}

export function isZooName(name: string): name is ZooName {
  return Object.hasOwn(ZOO_MODELS, name);
}

/** Builds a zoo architecture with deterministic random weights from `seed`. */
export function buildZoo(name: string, seed = 0): ModelProto {
  if (!isZooName(name)) throw new ZooUnknownModel(`unknown zoo model '${name}'; known: ${zooNames().join(", ")}`);
  return ZOO_MODELS[name](seed);
}
