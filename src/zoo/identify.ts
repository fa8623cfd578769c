import type { ZooName } from "./registry.js";
import { MOBILENET_V3_CONFIGS, type MobilenetV3Arch } from "./mobilenetv3.js";
import { RESNET_STAGE_BLOCKS, type ResnetArch } from "./resnet.js";
import { vggConvIndices, type VggArch } from "./vgg.js";

type Shapes = ReadonlyMap<string, readonly number[]>;

/**
 * Tells which zoo architecture a torchvision state dict belongs to, from its keys and a few
 * telltale shapes (stem convs, block counts, widths), or undefined when it is none of them (e.g.
 * resnet18, resnext50, vgg16_bn, squeezenet1_0, mobilenet_v2). It does not check every tensor
 * or the class count: loadStateDict does, and reports what differs.
 */
export function identifyArchitecture(shapes: Shapes): ZooName | undefined {
  if (isAlexnet(shapes)) return "alexnet";
  return resnetArch(shapes) ?? vggArch(shapes) ?? mobilenetV3Arch(shapes) ?? squeezenetArch(shapes);
}

function hasShape(shapes: Shapes, key: string, dims: readonly number[]): boolean {
  const actual = shapes.get(key);
  return actual !== undefined && actual.length === dims.length && actual.every((d, i) => d === dims[i]);
}

/** The distinct N of keys `${prefix}.N.…`, ascending. */
function childIndices(shapes: Shapes, prefix: string): number[] {
  const found = new Set<number>();
  const pattern = new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.(\\d+)\\.`);
  for (const key of shapes.keys()) {
    const m = pattern.exec(key);
    if (m) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function isAlexnet(shapes: Shapes): boolean {
  return hasShape(shapes, "features.0.weight", [64, 3, 11, 11]) && hasShape(shapes, "classifier.1.weight", [4096, 9216]);
}

function resnetArch(shapes: Shapes): ResnetArch | undefined {
  // 64-wide bottlenecks: rules out BasicBlock resnets (no conv3), wide_resnet and resnext.
  const bottleneck64 =
    hasShape(shapes, "conv1.weight", [64, 3, 7, 7]) &&
    hasShape(shapes, "layer1.0.conv1.weight", [64, 64, 1, 1]) &&
    hasShape(shapes, "layer1.0.conv2.weight", [64, 64, 3, 3]) &&
    hasShape(shapes, "layer1.0.conv3.weight", [256, 64, 1, 1]);
  if (!bottleneck64) return undefined;
  const blocks = [1, 2, 3, 4].map((stage) => childIndices(shapes, `layer${stage}`).length);
  const arches = Object.keys(RESNET_STAGE_BLOCKS) as ResnetArch[];
  return arches.find((arch) => sameList(blocks, RESNET_STAGE_BLOCKS[arch]));
}

function vggArch(shapes: Shapes): VggArch | undefined {
  const plainVgg =
    hasShape(shapes, "features.0.weight", [64, 3, 3, 3]) &&
    hasShape(shapes, "classifier.0.weight", [4096, 512 * 7 * 7]) &&
    !shapes.has("features.1.running_mean"); // vgg*_bn
  if (!plainVgg) return undefined;
  const convs = childIndices(shapes, "features");
  const arches = ["vgg16", "vgg19"] as const satisfies readonly VggArch[];
  return arches.find((arch) => sameList(convs, vggConvIndices(arch)));
}

function mobilenetV3Arch(shapes: Shapes): MobilenetV3Arch | undefined {
  // mobilenet_v2's stem is 32 wide and its blocks are `.conv`, not `.block`.
  if (!hasShape(shapes, "features.0.0.weight", [16, 3, 3, 3]) || !shapes.has("features.1.block.0.0.weight")) return undefined;
  const features = childIndices(shapes, "features");
  const arches = Object.keys(MOBILENET_V3_CONFIGS) as MobilenetV3Arch[];
  return arches.find((arch) => {
    const { blocks, lastChannel } = MOBILENET_V3_CONFIGS[arch];
    const lastIn = blocks[blocks.length - 1]!.cout;
    // stem + blocks + last conv, then the classifier's hidden width.
    return (
      features.length === blocks.length + 2 &&
      hasShape(shapes, `features.${blocks.length + 1}.0.weight`, [6 * lastIn, lastIn, 1, 1]) &&
      hasShape(shapes, "classifier.0.weight", [lastChannel, 6 * lastIn])
    );
  });
}

function squeezenetArch(shapes: Shapes): "squeezenet1_1" | undefined {
  // squeezenet1_0 has a 96-wide 7x7 stem and its first Fire at features.3 too.
  const v11 =
    hasShape(shapes, "features.0.weight", [64, 3, 3, 3]) &&
    hasShape(shapes, "features.3.squeeze.weight", [16, 64, 1, 1]) &&
    hasShape(shapes, "features.12.expand3x3.weight", [256, 64, 3, 3]) &&
    shapes.has("classifier.1.weight");
  return v11 ? "squeezenet1_1" : undefined;
}
