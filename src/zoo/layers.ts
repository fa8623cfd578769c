import { attr, GraphBuilder } from "../onnx/builder.js";
import { DataType, type ModelProto } from "../onnx/proto.js";
import { floatTensor } from "../onnx/tensor.js";
import { SeededRandom } from "../util/random.js";
import { defaultBias, initWeight, type InitScheme, NoRandom, SKELETON_SEED } from "./init.js";

export interface ConvOptions {
  stride?: number;
  padding?: number;
  groups?: number;
  dilation?: number;
  bias?: boolean;
  init?: InitScheme;
  /** Bias init; PyTorch's default when omitted, zeros for "zeros". */
  biasInit?: "default" | "zeros";
}

/**
 * Builds torchvision-shaped networks as ONNX graphs. Every weight tensor is named exactly as the
 * torchvision module's `state_dict` key (the `prefix` arguments), so real weights load by name.
 */
export class ZooBuilder {
  readonly g: GraphBuilder;
  readonly rng: SeededRandom;

  constructor(name: string, seed: number) {
    this.g = new GraphBuilder(name);
    this.rng = seed === SKELETON_SEED ? new NoRandom() : new SeededRandom(seed);
  }

  /** The network input: `input` [batch, 3, 224, 224], float32. */
  imageInput(): string {
    return this.g.input("input", DataType.FLOAT, ["batch", 3, 224, 224]);
  }

  param(name: string, dims: readonly number[], data: Float32Array): string {
    return this.g.initializer(floatTensor(name, dims, data));
  }

  conv2d(x: string, prefix: string, cin: number, cout: number, kernel: number, o: ConvOptions = {}): string {
    const groups = o.groups ?? 1;
    const wShape = [cout, cin / groups, kernel, kernel];
    const w = this.param(`${prefix}.weight`, wShape, initWeight(this.rng, wShape, o.init ?? { kind: "pytorch_default" }));
    const inputs = [x, w];
    if (o.bias ?? true) {
      const fanIn = (cin / groups) * kernel * kernel;
      const b = o.biasInit === "zeros" ? new Float32Array(cout) : defaultBias(this.rng, cout, fanIn);
      inputs.push(this.param(`${prefix}.bias`, [cout], b));
    }
    const p = o.padding ?? 0;
    const d = o.dilation ?? 1;
    return this.g.op(
      "Conv",
      inputs,
      [
        attr.ints("kernel_shape", [kernel, kernel]),
        attr.ints("strides", [o.stride ?? 1, o.stride ?? 1]),
        attr.ints("pads", [p, p, p, p]),
        attr.ints("dilations", [d, d]),
        attr.int("group", groups),
      ],
      prefix,
    );
  }

  /** BatchNorm2d in inference form; its four tensors keep torchvision's names. */
  batchNorm(x: string, prefix: string, channels: number, eps = 1e-5): string {
    const ins = [
      this.param(`${prefix}.weight`, [channels], new Float32Array(channels).fill(1)),
      this.param(`${prefix}.bias`, [channels], new Float32Array(channels)),
      this.param(`${prefix}.running_mean`, [channels], new Float32Array(channels)),
      this.param(`${prefix}.running_var`, [channels], new Float32Array(channels).fill(1)),
    ];
    return this.g.op("BatchNormalization", [x, ...ins], [attr.float("epsilon", eps)], prefix);
  }

  /** nn.Linear as Gemm with transB=1 (weight stays [out, in] as in PyTorch). */
  linear(x: string, prefix: string, inFeatures: number, outFeatures: number, init: InitScheme = { kind: "pytorch_default" }, biasInit: "default" | "zeros" = "default"): string {
    const w = this.param(`${prefix}.weight`, [outFeatures, inFeatures], initWeight(this.rng, [outFeatures, inFeatures], init));
    const bData = biasInit === "zeros" ? new Float32Array(outFeatures) : defaultBias(this.rng, outFeatures, inFeatures);
    const b = this.param(`${prefix}.bias`, [outFeatures], bData);
    return this.g.op("Gemm", [x, w, b], [attr.float("alpha", 1), attr.float("beta", 1), attr.int("transB", 1)], prefix);
  }

  relu(x: string, name?: string): string {
    return this.g.op("Relu", [x], [], name);
  }

  maxPool(x: string, kernel: number, stride: number, padding = 0, ceil = false, name?: string): string {
    return this.g.op(
      "MaxPool",
      [x],
      [
        attr.ints("kernel_shape", [kernel, kernel]),
        attr.ints("strides", [stride, stride]),
        attr.ints("pads", [padding, padding, padding, padding]),
        attr.int("ceil_mode", ceil ? 1 : 0),
      ],
      name,
    );
  }

  /** torch.nn.Hardswish: x * relu6(x + 3) / 6, which is ONNX HardSwish (opset 14) exactly. */
  hardswish(x: string, name?: string): string {
    return this.g.op("HardSwish", [x], [], name);
  }

  /** torch.nn.Hardsigmoid is relu6(x + 3) / 6; ONNX HardSigmoid defaults to alpha 0.2, so set 1/6. */
  hardsigmoid(x: string, name?: string): string {
    return this.g.op("HardSigmoid", [x], [attr.float("alpha", 1 / 6), attr.float("beta", 0.5)], name);
  }

  add(a: string, b: string, name?: string): string {
    return this.g.op("Add", [a, b], [], name);
  }

  mul(a: string, b: string, name?: string): string {
    return this.g.op("Mul", [a, b], [], name);
  }

  /** torch.cat along channels (dim 1 of NCHW). */
  concatChannels(xs: readonly string[], name?: string): string {
    return this.g.op("Concat", xs, [attr.int("axis", 1)], name);
  }

  globalAvgPool(x: string, name?: string): string {
    return this.g.op("GlobalAveragePool", [x], [], name);
  }

  flatten(x: string, name?: string): string {
    return this.g.op("Flatten", [x], [attr.int("axis", 1)], name);
  }

  /** The network output: `logits` [batch, classes]. */
  finish(x: string, classes: number, arch: string, seed: number): ModelProto {
    // The classifier's last node produces `x`; give it the stable graph-output name.
    const last = this.g.nodes[this.g.nodes.length - 1]!;
    if (last.output[0] !== x) throw new Error(`${arch}: the last node must produce the logits`);
    last.output = ["logits"];
    this.g.output("logits", DataType.FLOAT, ["batch", classes]);
    return this.g.build({
      producer: "msplit-zoo",
      docString: `${arch} built by msplit's zoo (torchvision layout, random weights from seed ${seed})`,
      metadata: { "msplit.arch": arch, "msplit.seed": String(seed), "msplit.weights": "random" },
    });
  }
}
