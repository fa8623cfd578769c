import type { ModelProto } from "../onnx/proto.js";
import type { InitScheme } from "./init.js";
import { ZooBuilder } from "./layers.js";

/** ResNet's own init overrides every conv; the fc layer keeps nn.Linear's default. */
const CONV_INIT: InitScheme = { kind: "kaiming_normal_fan_out" };
const EXPANSION = 4;

/** Bottleneck blocks per stage (layer1..layer4), as torchvision's resnet50/resnet101. */
export const RESNET_STAGE_BLOCKS = {
  resnet50: [3, 4, 6, 3],
  resnet101: [3, 4, 23, 3],
} as const;

export type ResnetArch = keyof typeof RESNET_STAGE_BLOCKS;

interface ConvBnSpec {
  conv: string;
  bn: string;
  cin: number;
  cout: number;
  kernel: number;
  stride?: number;
  padding?: number;
}

/** conv (no bias, torchvision's conv1x1/conv3x3) followed by BatchNorm2d (eps 1e-5). */
function convBn(z: ZooBuilder, x: string, s: ConvBnSpec): string {
  const y = z.conv2d(x, s.conv, s.cin, s.cout, s.kernel, {
    stride: s.stride ?? 1,
    padding: s.padding ?? 0,
    bias: false,
    init: CONV_INIT,
  });
  return z.batchNorm(y, s.bn, s.cout);
}

/**
 * torchvision's Bottleneck (ResNet v1.5: the stride sits on the 3x3 conv). The downsample branch is
 * built after the main path so initializers come out in state_dict order.
 */
function bottleneck(z: ZooBuilder, x: string, p: string, inplanes: number, planes: number, stride: number): string {
  const out = planes * EXPANSION;
  let y = convBn(z, x, { conv: `${p}.conv1`, bn: `${p}.bn1`, cin: inplanes, cout: planes, kernel: 1 });
  y = z.relu(y, `${p}.relu`);
  y = convBn(z, y, { conv: `${p}.conv2`, bn: `${p}.bn2`, cin: planes, cout: planes, kernel: 3, stride, padding: 1 });
  y = z.relu(y, `${p}.relu_1`);
  y = convBn(z, y, { conv: `${p}.conv3`, bn: `${p}.bn3`, cin: planes, cout: out, kernel: 1 });
  const needsProjection = stride !== 1 || inplanes !== out;
  const identity = needsProjection
    ? convBn(z, x, { conv: `${p}.downsample.0`, bn: `${p}.downsample.1`, cin: inplanes, cout: out, kernel: 1, stride })
    : x;
  return z.relu(z.add(y, identity, `${p}.add`), `${p}.relu_2`);
}

function resnet(arch: ResnetArch, seed: number): ModelProto {
  const z = new ZooBuilder(arch, seed);
  let x = z.imageInput();
  x = convBn(z, x, { conv: "conv1", bn: "bn1", cin: 3, cout: 64, kernel: 7, stride: 2, padding: 3 });
  x = z.maxPool(z.relu(x, "relu"), 3, 2, 1, false, "maxpool");
  let inplanes = 64;
  RESNET_STAGE_BLOCKS[arch].forEach((blocks, stage) => {
    const planes = 64 << stage;
    for (let b = 0; b < blocks; b++) {
      const stride = b === 0 && stage > 0 ? 2 : 1;
      x = bottleneck(z, x, `layer${stage + 1}.${b}`, inplanes, planes, stride);
      inplanes = planes * EXPANSION;
    }
  });
  x = z.flatten(z.globalAvgPool(x, "avgpool"), "flatten");
  x = z.linear(x, "fc", 512 * EXPANSION, 1000);
  return z.finish(x, 1000, arch, seed);
}

/** torchvision.models.resnet50 (Bottleneck, [3, 4, 6, 3]). */
export function resnet50(seed = 0): ModelProto {
  return resnet("resnet50", seed);
}

/** torchvision.models.resnet101 (Bottleneck, [3, 4, 23, 3]). */
export function resnet101(seed = 0): ModelProto {
  return resnet("resnet101", seed);
}
