import { test } from "node:test";
import assert from "node:assert/strict";
import { MsplitError } from "../../src/errors.js";
import type { ModelProto } from "../../src/onnx/proto.js";
import { tensorToFloat32 } from "../../src/onnx/tensor.js";
import { buildZoo, identifyArchitecture, loadStateDict, type StateTensor, WeightsMismatch } from "../../src/zoo/index.js";
import { SHAPES, shapeMap } from "./fixture.js";

/** A state dict with squeezenet1_1's keys and shapes, each tensor filled with a value of its own. */
function stateDictFor(model: ModelProto): Map<string, StateTensor> {
  return new Map(
    model.graph!.initializer.map((t, i) => {
      const dims = t.dims.map(Number);
      return [t.name, { dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(i + 0.5) }];
    }),
  );
}

function mismatch(fn: () => void): WeightsMismatch {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof WeightsMismatch);
    return e;
  }
  assert.fail("expected WeightsMismatch");
}

test("loadStateDict copies every tensor by name and ignores num_batches_tracked", () => {
  const model = buildZoo("squeezenet1_1", 0);
  const weights = stateDictFor(model);
  weights.set("features.0.num_batches_tracked", { dims: [], data: new Float32Array(1) });
  loadStateDict(model, weights);
  for (const t of model.graph!.initializer) assert.deepEqual(tensorToFloat32(t), weights.get(t.name)!.data, t.name);
  // A copy, not a view: the caller's buffers stay theirs.
  weights.get("features.0.weight")!.data.fill(-1);
  assert.notEqual(tensorToFloat32(model.graph!.initializer[0]!)[0], -1);
});

test("loadStateDict lists missing, unexpected and mis-shaped tensors, and changes nothing", () => {
  const model = buildZoo("squeezenet1_1", 0);
  const before = tensorToFloat32(model.graph!.initializer[0]!);
  const weights = stateDictFor(model);
  weights.delete("classifier.1.bias");
  weights.set("extra.weight", { dims: [1], data: new Float32Array(1) });
  weights.set("features.0.weight", { dims: [64, 3, 3, 2], data: new Float32Array(64 * 3 * 3 * 2) });
  weights.set("features.0.bias", { dims: [64], data: new Float32Array(63) });
  const e = mismatch(() => loadStateDict(model, weights));
  assert.equal(e.code, "ERR_WEIGHTS_MISMATCH");
  assert.ok(e instanceof MsplitError);
  assert.match(e.message, /1 missing \(classifier\.1\.bias\)/);
  assert.match(e.message, /1 unexpected \(extra\.weight\)/);
  assert.match(e.message, /2 mis-shaped \(features\.0\.weight \(model \[64, 3, 3, 3\], weights \[64, 3, 3, 2\]\), features\.0\.bias/);
  assert.deepEqual(tensorToFloat32(model.graph!.initializer[0]!), before);
});

test("loadStateDict lists the first few of each kind and counts the rest", () => {
  const model = buildZoo("squeezenet1_1", 0);
  const e = mismatch(() => loadStateDict(model, new Map()));
  const total = model.graph!.initializer.length;
  assert.match(e.message, new RegExp(`^the weights do not fit squeezenet1_1: ${total} missing \\(features\\.0\\.weight, `));
  assert.match(e.message, new RegExp(`, and ${total - 5} more\\)$`));
});

test("loadStateDict's ignore option drops extra keys", () => {
  const model = buildZoo("squeezenet1_1", 0);
  const weights = stateDictFor(model);
  weights.set("aux.weight", { dims: [1], data: new Float32Array(1) });
  assert.throws(() => loadStateDict(model, weights), WeightsMismatch);
  loadStateDict(model, weights, { ignore: (name) => name.startsWith("aux.") });
});

test("identifyArchitecture names each zoo state dict", () => {
  for (const [arch, entries] of Object.entries(SHAPES.zoo)) assert.equal(identifyArchitecture(shapeMap(entries)), arch);
});

test("identifyArchitecture rejects look-alike architectures the zoo does not build", () => {
  for (const [arch, entries] of Object.entries(SHAPES.others))
    assert.equal(identifyArchitecture(shapeMap(entries)), undefined, arch);
  assert.equal(identifyArchitecture(new Map()), undefined);
});

test("identifyArchitecture tells resnet depths apart by block count", () => {
  const resnet101 = shapeMap(SHAPES.zoo.resnet101!);
  // resnet152 is resnet101 with 8 blocks in layer2 and 36 in layer3.
  const resnet152 = new Map(resnet101);
  for (const [key, dims] of resnet101) {
    const m = /^layer(2|3)\.1\.(.*)$/.exec(key);
    if (!m) continue;
    const blocks = m[1] === "2" ? 8 : 36;
    for (let b = 2; b < blocks; b++) resnet152.set(`layer${m[1]}.${b}.${m[2]}`, dims);
  }
  assert.equal(identifyArchitecture(resnet152), undefined);
});
