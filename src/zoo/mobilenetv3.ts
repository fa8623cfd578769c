import type { ModelProto } from "../onnx/proto.js";
import type { InitScheme } from "./init.js";
import { ZooBuilder } from "./layers.js";

/** torchvision's MobileNetV3 init: kaiming normal (fan_out) convs, normal(0, 0.01) linears, zero biases. */
const CONV_INIT: InitScheme = { kind: "kaiming_normal_fan_out" };
const LINEAR_INIT: InitScheme = { kind: "normal", std: 0.01 };
/** MobileNetV3 uses BatchNorm2d(eps=0.001), not PyTorch's default 1e-5. */
const BN_EPS = 1e-3;

type Activation = "RE" | "HS";

/** One row of torchvision's bneck_conf (width_mult 1.0, no dilation, no reduced tail). */
interface BlockConfig {
  cin: number;
  kernel: number;
  expanded: number;
  cout: number;
  se: boolean;
  act: Activation;
  stride: number;
}

type Row = [cin: number, kernel: number, expanded: number, cout: number, se: boolean, act: Activation, stride: number];

function rows(table: readonly Row[]): BlockConfig[] {
  return table.map(([cin, kernel, expanded, cout, se, act, stride]) => ({ cin, kernel, expanded, cout, se, act, stride }));
}

/** Tables 1 and 2 of the MobileNetV3 paper, as torchvision's _mobilenet_v3_conf writes them. */
export const MOBILENET_V3_CONFIGS = {
  mobilenet_v3_large: {
    lastChannel: 1280,
    blocks: rows([
      [16, 3, 16, 16, false, "RE", 1],
      [16, 3, 64, 24, false, "RE", 2],
      [24, 3, 72, 24, false, "RE", 1],
      [24, 5, 72, 40, true, "RE", 2],
      [40, 5, 120, 40, true, "RE", 1],
      [40, 5, 120, 40, true, "RE", 1],
      [40, 3, 240, 80, false, "HS", 2],
      [80, 3, 200, 80, false, "HS", 1],
      [80, 3, 184, 80, false, "HS", 1],
      [80, 3, 184, 80, false, "HS", 1],
      [80, 3, 480, 112, true, "HS", 1],
      [112, 3, 672, 112, true, "HS", 1],
      [112, 5, 672, 160, true, "HS", 2],
      [160, 5, 960, 160, true, "HS", 1],
      [160, 5, 960, 160, true, "HS", 1],
    ]),
  },
  mobilenet_v3_small: {
    lastChannel: 1024,
    blocks: rows([
      [16, 3, 16, 16, true, "RE", 2],
      [16, 3, 72, 24, false, "RE", 2],
      [24, 3, 88, 24, false, "RE", 1],
      [24, 5, 96, 40, true, "HS", 2],
      [40, 5, 240, 40, true, "HS", 1],
      [40, 5, 240, 40, true, "HS", 1],
      [40, 5, 120, 48, true, "HS", 1],
      [48, 5, 144, 48, true, "HS", 1],
      [48, 5, 288, 96, true, "HS", 2],
      [96, 5, 576, 96, true, "HS", 1],
      [96, 5, 576, 96, true, "HS", 1],
    ]),
  },
} as const satisfies Record<string, { lastChannel: number; blocks: readonly BlockConfig[] }>;

export type MobilenetV3Arch = keyof typeof MOBILENET_V3_CONFIGS;

/** torchvision's _make_divisible: round to a multiple of `divisor`, never more than 10% down. */
export function makeDivisible(v: number, divisor: number): number {
  const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

interface ConvSpec {
  cin: number;
  cout: number;
  kernel: number;
  stride?: number;
  groups?: number;
  act: Activation | null;
}

/** torchvision's Conv2dNormActivation: conv (no bias) `.0`, BatchNorm `.1`, activation `.2`. */
function convBnAct(z: ZooBuilder, x: string, p: string, s: ConvSpec): string {
  let y = z.conv2d(x, `${p}.0`, s.cin, s.cout, s.kernel, {
    stride: s.stride ?? 1,
    padding: (s.kernel - 1) / 2,
    groups: s.groups ?? 1,
    bias: false,
    init: CONV_INIT,
  });
  y = z.batchNorm(y, `${p}.1`, s.cout, BN_EPS);
  if (s.act === "HS") return z.hardswish(y, `${p}.2`);
  if (s.act === "RE") return z.relu(y, `${p}.2`);
  return y;
}

/** SqueezeExcitation with a Hardsigmoid gate: the channel scale multiplies the block's input. */
function squeezeExcitation(z: ZooBuilder, x: string, p: string, channels: number, squeeze: number): string {
  const conv = { init: CONV_INIT, biasInit: "zeros" } as const;
  let s = z.globalAvgPool(x, `${p}.avgpool`);
  s = z.relu(z.conv2d(s, `${p}.fc1`, channels, squeeze, 1, conv), `${p}.activation`);
  s = z.hardsigmoid(z.conv2d(s, `${p}.fc2`, squeeze, channels, 1, conv), `${p}.scale_activation`);
  return z.mul(s, x, `${p}.mul`);
}

/** torchvision's InvertedResidual: optional expand, depthwise, optional SE, linear project. */
function invertedResidual(z: ZooBuilder, x: string, p: string, c: BlockConfig): string {
  let layer = 0;
  const next = () => `${p}.block.${layer++}`;
  let y = x;
  if (c.expanded !== c.cin) y = convBnAct(z, y, next(), { cin: c.cin, cout: c.expanded, kernel: 1, act: c.act });
  y = convBnAct(z, y, next(), {
    cin: c.expanded,
    cout: c.expanded,
    kernel: c.kernel,
    stride: c.stride,
    groups: c.expanded,
    act: c.act,
  });
  if (c.se) y = squeezeExcitation(z, y, next(), c.expanded, makeDivisible(Math.floor(c.expanded / 4), 8));
  y = convBnAct(z, y, next(), { cin: c.expanded, cout: c.cout, kernel: 1, act: null });
  const residual = c.stride === 1 && c.cin === c.cout;
  return residual ? z.add(y, x, `${p}.add`) : y;
}

function mobilenetV3(arch: MobilenetV3Arch, seed: number): ModelProto {
  const { blocks, lastChannel } = MOBILENET_V3_CONFIGS[arch];
  const z = new ZooBuilder(arch, seed);
  let x = z.imageInput();
  x = convBnAct(z, x, "features.0", { cin: 3, cout: blocks[0]!.cin, kernel: 3, stride: 2, act: "HS" });
  blocks.forEach((block, i) => {
    x = invertedResidual(z, x, `features.${i + 1}`, block);
  });
  const lastIn = blocks[blocks.length - 1]!.cout;
  const lastConv = 6 * lastIn;
  x = convBnAct(z, x, `features.${blocks.length + 1}`, { cin: lastIn, cout: lastConv, kernel: 1, act: "HS" });
  x = z.flatten(z.globalAvgPool(x, "avgpool"), "flatten");
  x = z.hardswish(z.linear(x, "classifier.0", lastConv, lastChannel, LINEAR_INIT, "zeros"), "classifier.1");
  // classifier.2 is Dropout (an identity at inference): omitted.
  x = z.linear(x, "classifier.3", lastChannel, 1000, LINEAR_INIT, "zeros");
  return z.finish(x, 1000, arch, seed);
}

/** torchvision.models.mobilenet_v3_large (width 1.0). */
export function mobilenet_v3_large(seed = 0): ModelProto {
  return mobilenetV3("mobilenet_v3_large", seed);
}

/** torchvision.models.mobilenet_v3_small (width 1.0). */
export function mobilenet_v3_small(seed = 0): ModelProto {
  return mobilenetV3("mobilenet_v3_small", seed);
}
