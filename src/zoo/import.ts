import { basename } from "node:path";
import type { ModelProto } from "../onnx/proto.js";
import { readTorchCheckpoint, type TorchCheckpoint } from "../torch/index.js";
import { ArchitectureUnknown, WeightsMismatch } from "./errors.js";
import { SKELETON_SEED } from "./init.js";
import { buildZoo, isZooName, type ZooName, zooNames } from "./registry.js";
import { identifyArchitecture, loadStateDict } from "./weights.js";

/** torchvision classes of whole-module files and the zoo architectures each can be. */
const CLASS_ARCHS: Record<string, readonly ZooName[]> = {
  "torchvision.models.alexnet.AlexNet": ["alexnet"],
  "torchvision.models.resnet.ResNet": ["resnet50", "resnet101"],
  "torchvision.models.vgg.VGG": ["vgg16", "vgg19"],
  "torchvision.models.mobilenetv3.MobileNetV3": ["mobilenet_v3_large", "mobilenet_v3_small"],
  "torchvision.models.squeezenet.SqueezeNet": ["squeezenet1_1"],
};

export interface ImportedModel {
  model: ModelProto;
  arch: ZooName;
  checkpoint: Pick<TorchCheckpoint, "kind" | "className">;
}

/**
 * Reads a PyTorch state dict (.pth) or whole-module file (.pt) without executing it, works out
 * the zoo architecture (or checks the one given) and returns the zoo model with those weights.
 */
export async function importTorchWeights(path: string, options: { arch?: string } = {}): Promise<ImportedModel> {
  const ckpt = await readTorchCheckpoint(path);
  const shapes = new Map([...ckpt.tensors].map(([k, t]) => [k, t.dims]));
  const identified = identifyArchitecture(shapes);
  let arch: ZooName;
  if (options.arch !== undefined) {
    if (!isZooName(options.arch)) throw new ArchitectureUnknown(`unknown architecture '${options.arch}'; known: ${zooNames().join(", ")}`);
    arch = options.arch;
  } else if (identified) {
    arch = identified;
  } else {
    const what = ckpt.className ? `a ${ckpt.className}` : "a state dict";
    throw new ArchitectureUnknown(`${path} holds ${what} that is none of the zoo architectures (${zooNames().join(", ")}); pass --arch to load it into one`);
  }
  const allowed = ckpt.className ? CLASS_ARCHS[ckpt.className] : undefined;
  if (ckpt.className && (!allowed || !allowed.includes(arch)))
    throw new WeightsMismatch(`${path} holds a ${ckpt.className}, which is not the zoo's ${arch}`);
  const model = buildZoo(arch, SKELETON_SEED);
  // The checkpoint is dropped right after: the model can use its buffers (one copy of the weights).
  loadStateDict(model, ckpt.tensors, { adopt: true });
  const source = basename(path);
  for (const e of model.metadataProps) {
    if (e.key === "msplit.weights") e.value = `imported from ${source}`;
    if (e.key === "msplit.seed") e.value = "";
  }
  model.metadataProps = model.metadataProps.filter((e) => e.key !== "msplit.seed");
  model.docString = `${arch} built by msplit's zoo with weights imported from ${source}`;
  return { model, arch, checkpoint: { kind: ckpt.kind, className: ckpt.className } };
}
