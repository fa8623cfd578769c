import type { ModelProto } from "../onnx/proto.js";
import type { InitScheme } from "./init.js";
import { ZooBuilder } from "./layers.js";

/** torchvision's VGG init: kaiming normal (fan_out) convs, normal(0, 0.01) linears, zero biases. */
const CONV_INIT: InitScheme = { kind: "kaiming_normal_fan_out" };
const LINEAR_INIT: InitScheme = { kind: "normal", std: 0.01 };

type VggLayer = number | "M";

/** torchvision's cfgs "D" (vgg16) and "E" (vgg19): conv output channels, "M" for a 2x2 max pool. */
export const VGG_CONFIGS = {
  vgg16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
  vgg19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
} as const satisfies Record<string, readonly VggLayer[]>;

export type VggArch = keyof typeof VGG_CONFIGS;

/** Indices in `features` of the convolutions (each conv is followed by a ReLU, each "M" is one pool). */
export function vggConvIndices(arch: VggArch): number[] {
  const indices: number[] = [];
  let index = 0;
  for (const layer of VGG_CONFIGS[arch]) {
    if (layer !== "M") indices.push(index);
    index += layer === "M" ? 1 : 2;
  }
  return indices;
}

function vgg(arch: VggArch, seed: number): ModelProto {
  const z = new ZooBuilder(arch, seed);
  let x = z.imageInput();
  let index = 0;
  let cin = 3;
  for (const layer of VGG_CONFIGS[arch]) {
    if (layer === "M") {
      x = z.maxPool(x, 2, 2, 0, false, `features.${index}`);
      index += 1;
      continue;
    }
    x = z.conv2d(x, `features.${index}`, cin, layer, 3, { padding: 1, init: CONV_INIT, biasInit: "zeros" });
    x = z.relu(x, `features.${index + 1}`);
    cin = layer;
    index += 2;
  }
  // AdaptiveAvgPool2d((7, 7)) is an identity at 224x224 (features end at 7x7): omitted, as in alexnet.
  x = z.flatten(x, "flatten");
  // Dropouts (classifier.2 and classifier.5) are identities at inference: omitted.
  x = z.relu(z.linear(x, "classifier.0", 512 * 7 * 7, 4096, LINEAR_INIT, "zeros"), "classifier.1");
  x = z.relu(z.linear(x, "classifier.3", 4096, 4096, LINEAR_INIT, "zeros"), "classifier.4");
  x = z.linear(x, "classifier.6", 4096, 1000, LINEAR_INIT, "zeros");
  return z.finish(x, 1000, arch, seed);
}

/** torchvision.models.vgg16 (config "D", no batch norm). */
export function vgg16(seed = 0): ModelProto {
  return vgg("vgg16", seed);
}

/** torchvision.models.vgg19 (config "E", no batch norm). */
export function vgg19(seed = 0): ModelProto {
  return vgg("vgg19", seed);
}
