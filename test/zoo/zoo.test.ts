import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { encodeModel } from "../../src/onnx/codec.js";
import { DataType, type ModelProto, type TensorProto } from "../../src/onnx/proto.js";
import { tensorToFloat32 } from "../../src/onnx/tensor.js";
import { typeOfValueInfo } from "../../src/onnx/types.js";
import { buildZoo, zooNames } from "../../src/zoo/index.js";
import { SHAPES } from "./fixture.js";

function initializerShapes(model: ModelProto): [string, number[]][] {
  return model.graph!.initializer.map((t) => [t.name, t.dims.map(Number)]);
}

function floatAttr(model: ModelProto, opType: string, name: string): number[] {
  return model.graph!.node.filter((n) => n.opType === opType).map((n) => n.attribute.find((a) => a.name === name)!.f);
}

/** Attributes are float32 on the wire. */
function sameFloat32(a: number, b: number): boolean {
  return Math.fround(a) === Math.fround(b);
}

function intAttr(model: ModelProto, opType: string, name: string): bigint[] {
  return model.graph!.node.filter((n) => n.opType === opType).map((n) => n.attribute.find((a) => a.name === name)!.i);
}

function std(t: TensorProto): number {
  const v = tensorToFloat32(t);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
}

function initializer(model: ModelProto, name: string): TensorProto {
  return model.graph!.initializer.find((t) => t.name === name)!;
}

test("the zoo holds exactly the fixture's eight architectures", () => {
  assert.deepEqual(zooNames().sort(), Object.keys(SHAPES.zoo).sort());
});

// One build per architecture (vgg19 takes a few seconds): names, shapes and the I/O contract.
for (const arch of zooNames()) {
  test(`${arch}: initializers are torchvision's state_dict, in order; input and logits as specified`, () => {
    const model = buildZoo(arch, 0);
    const expected = SHAPES.zoo[arch]!.filter(([key]) => !key.endsWith(".num_batches_tracked"));
    assert.deepEqual(initializerShapes(model), expected);
    const g = model.graph!;
    assert.deepEqual(
      g.input.map((v) => [v.name, typeOfValueInfo(v)]),
      [["input", { elemType: DataType.FLOAT, shape: ["batch", 3, 224, 224] }]],
    );
    assert.deepEqual(
      g.output.map((v) => [v.name, typeOfValueInfo(v)]),
      [["logits", { elemType: DataType.FLOAT, shape: ["batch", 1000] }]],
    );
    assert.equal(model.opsetImport[0]?.version, 17n);
    // torchvision's MobileNetV3 builds BatchNorm2d with eps=0.001, ResNet keeps PyTorch's 1e-5.
    const eps = arch.startsWith("mobilenet_v3") ? 1e-3 : 1e-5;
    assert.ok(floatAttr(model, "BatchNormalization", "epsilon").every((e) => sameFloat32(e, eps)));
  });
}

test("the same seed gives identical bytes, another seed other weights", () => {
  for (const arch of ["squeezenet1_1", "mobilenet_v3_small"] as const) {
    const a = encodeModel(buildZoo(arch, 7));
    assert.deepEqual(encodeModel(buildZoo(arch, 7)), a, `${arch} with seed 7 twice`);
    const w = (m: ModelProto) => m.graph!.initializer[0]!.rawData; // the stem conv
    assert.notDeepEqual(w(buildZoo(arch, 8)), w(buildZoo(arch, 7)), `${arch} with seeds 7 and 8`);
  }
});

test("small zoo models run in onnxruntime with a dynamic batch", async () => {
  for (const arch of ["squeezenet1_1", "mobilenet_v3_small"] as const) {
    const session = await ort.InferenceSession.create(encodeModel(buildZoo(arch, 1)));
    const input = new ort.Tensor("float32", new Float32Array(2 * 3 * 224 * 224).fill(0.5), [2, 3, 224, 224]);
    const { logits } = await session.run({ input });
    assert.deepEqual(logits!.dims, [2, 1000], arch);
    assert.ok((logits!.data as Float32Array).every(Number.isFinite), `${arch} logits are finite`);
    await session.release();
  }
});

test("activations and pools carry torchvision's constants", () => {
  const mobilenet = buildZoo("mobilenet_v3_small", 0);
  // torch's hardsigmoid is relu6(x + 3) / 6, not ONNX's default alpha 0.2.
  assert.ok(floatAttr(mobilenet, "HardSigmoid", "alpha").every((a) => sameFloat32(a, 1 / 6)));
  assert.equal(mobilenet.graph!.node.filter((n) => n.opType === "HardSigmoid").length, 9); // one per SE block
  assert.deepEqual(intAttr(buildZoo("squeezenet1_1", 0), "MaxPool", "ceil_mode"), [1n, 1n, 1n]);
});

test("weights follow torchvision's init schemes", () => {
  const mobilenet = buildZoo("mobilenet_v3_small", 0);
  const close = (actual: number, expected: number, what: string) =>
    assert.ok(Math.abs(actual / expected - 1) < 0.05, `${what}: std ${actual}, expected ${expected}`);
  // kaiming_normal_(fan_out): fan_out of the 576x96x1x1 last conv is 576.
  close(std(initializer(mobilenet, "features.12.0.weight")), Math.sqrt(2 / 576), "mobilenet conv");
  close(std(initializer(mobilenet, "classifier.0.weight")), 0.01, "mobilenet linear");
  assert.ok(tensorToFloat32(initializer(mobilenet, "features.1.block.1.fc1.bias")).every((b) => b === 0));
  const squeezenet = buildZoo("squeezenet1_1", 0);
  close(std(initializer(squeezenet, "classifier.1.weight")), 0.01, "squeezenet final conv");
  // kaiming_uniform_: bound sqrt(6 / fan_in), so std sqrt(2 / fan_in); fan_in 64 * 3 * 3.
  close(std(initializer(squeezenet, "features.12.expand3x3.weight")), Math.sqrt(2 / 576), "squeezenet conv");
});
