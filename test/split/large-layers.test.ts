import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { attr, GraphBuilder } from "../../src/onnx/builder.js";
import { loadModel } from "../../src/onnx/codec.js";
import { DataType, type ModelProto } from "../../src/onnx/proto.js";
import { floatTensor, tensorPayloadBytes } from "../../src/onnx/tensor.js";
import { SeededRandom } from "../../src/util/random.js";
import { seededInput } from "../../src/runtime/feeds.js";
import { compareOutputs } from "../../src/runtime/tensors.js";
import { sliceLargeLayers } from "../../src/split/large-layers.js";
import { choosePartition, minimumParts } from "../../src/split/partition.js";
import { split, type SplitResult } from "../../src/split/split.js";
import { buildZoo } from "../../src/zoo/index.js";
import { fixturesDir, runAll } from "../helpers/index.js";

const MiB = 2 ** 20;

/** What each part file really holds: its initializers, each once. */
const partBytes = (part: ModelProto) => part.graph!.initializer.reduce((s, t) => s + tensorPayloadBytes(t), 0);

function assertWithinBudget(result: SplitResult, budget: number): void {
  result.plan.parts.forEach((spec, k) => {
    assert.ok(spec.paramBytes <= budget, `plan: part ${k} holds ${spec.paramBytes} bytes, budget ${budget}`);
    assert.equal(partBytes(result.parts[k]!), spec.paramBytes, `part ${k}: plan paramBytes vs the part's initializers`);
  });
}

function assertSameOutputs(outs: Awaited<ReturnType<typeof runAll>>, output: string, modes: readonly ("resident" | "chained")[]): number {
  let worst = 0;
  for (const mode of modes) {
    const d = compareOutputs(outs.whole[output]!, outs[mode][output]!);
    assert.ok(d.relative <= 1e-4, `${mode}: relative difference ${d.relative}`);
    worst = Math.max(worst, d.relative);
  }
  return worst;
}

test("vgg16 at 64 MiB: classifier.0 is sliced, every part fits, chained parts equal the unsliced model", async () => {
  const model = buildZoo("vgg16", 0);
  const budget = 64 * MiB;
  const result = await split(model, { parts: 12, maxPartBytes: budget });
  assert.equal(result.parts.length, 12);
  assertWithinBudget(result, budget);
  const sliced = new Map(result.sliced!.map((s) => [s.node, s.slices]));
  assert.ok((sliced.get("Gemm 'classifier.0'") ?? 0) >= 7, "classifier.0 (392 MiB) needs at least 7 slices");
  const names = result.parts.flatMap((p) => p.graph!.initializer.map((t) => t.name));
  assert.ok(names.includes("classifier.0.weight.msplit_slice0"), "slices keep the original name");
  assert.ok(!names.includes("classifier.0.weight"), "the unsliced weight is gone");
  // The original output name survives: the rest of the graph reads it unchanged.
  const gemm = model.graph!.node.find((n) => n.name === "classifier.0")!;
  assert.ok(result.parts.some((p) => p.graph!.node.some((n) => n.name === "classifier.0.msplit_concat" && n.output[0] === gemm.output[0])));

  const outs = await runAll(model, result, { input: seededInput([1, 3, 224, 224]) }, ["chained"]);
  assertSameOutputs(outs, "logits", ["chained"]);

  // Too few parts for the budget is refused with the least count that would do.
  await assert.rejects(split(model, { parts: 4, maxPartBytes: budget }), { code: "ERR_SPLIT_INVALID_PARTS", message: /at least 9 parts/ });
  // Without a count: the default, since 12 is enough here.
  assert.equal((await split(model, { maxPartBytes: budget })).parts.length, 12);
});

test("squeezenet (PyTorch export) at 1 MiB: the classifier conv is sliced with its bias; parts equal the whole", async () => {
  const model = await loadModel(join(fixturesDir, "torch", "squeezenet1_1.onnx"));
  const budget = 1 * MiB;
  const result = await split(model, { parts: 8, maxPartBytes: budget });
  assertWithinBudget(result, budget);
  assert.ok(result.sliced!.some((s) => s.opType === "Conv" && s.slices >= 2), "a conv larger than 1 MiB is sliced");
  const outs = await runAll(model, result, { input: seededInput([1, 3, 224, 224]) });
  assertSameOutputs(outs, "logits", ["resident", "chained"]);
});

/**
 * Every sliceable shape in one small model: Conv with bias, Gemm transB=1 with a [N] bias, Gemm
 * transB=0 with a [1, N] bias, Gemm through an Identity with a scalar bias, MatMul with constant B.
 */
function tinyModel(): ModelProto {
  const rng = new SeededRandom(7);
  const g = new GraphBuilder("tiny");
  const w = (name: string, dims: number[]) => g.initializer(floatTensor(name, dims, rng.fillNormal(dims.reduce((a, b) => a * b, 1), 0.5)));
  const x = g.input("input", DataType.FLOAT, [1, 2, 4, 4]);
  let y = g.op("Conv", [x, w("conv.w", [16, 2, 3, 3]), w("conv.b", [16])], [attr.ints("kernel_shape", [3, 3]), attr.ints("pads", [1, 1, 1, 1])], "conv");
  y = g.op("MaxPool", [g.op("Relu", [y])], [attr.ints("kernel_shape", [2, 2]), attr.ints("strides", [2, 2])]);
  y = g.op("Flatten", [y], [attr.int("axis", 1)]);
  y = g.op("Relu", [g.op("Gemm", [y, w("fc1.w", [16, 64]), w("fc1.b", [16])], [attr.int("transB", 1)], "fc1")]);
  y = g.op("Gemm", [y, w("fc2.w", [16, 24]), w("fc2.b", [1, 24])], [], "fc2");
  const shared = g.op("Identity", [w("fc3.w", [24, 20])], [], "fc3.tied");
  y = g.op("Gemm", [y, shared, w("fc3.b", [1])], [attr.float("alpha", 0.5), attr.float("beta", 2)], "fc3");
  y = g.op("MatMul", [y, w("mm.w", [20, 16])], [], "mm");
  g.node("Add", [y, w("add.b", [16])], [], { name: "add", outputs: ["logits"] });
  g.output("logits", DataType.FLOAT, [1, 16]);
  return g.build();
}

test("tiny model: Conv, Gemm (transB 0 and 1, vector/row/scalar bias, tied through Identity) and MatMul slices equal the whole", async () => {
  const model = tinyModel();
  const budget = 1200;
  const { sliced } = sliceLargeLayers(model, budget);
  assert.deepEqual(sliced.map((s) => s.node).sort(), ["Conv 'conv'", "Gemm 'fc1'", "Gemm 'fc2'", "Gemm 'fc3'", "MatMul 'mm'"]);
  const result = await split(model, { maxPartBytes: budget });
  assert.equal(result.parts.length, 12);
  assertWithinBudget(result, budget);
  const names = new Set(result.parts.flatMap((p) => p.graph!.initializer.map((t) => t.name)));
  for (const gone of ["conv.w", "fc1.w", "fc2.w", "fc3.w", "mm.w"]) assert.ok(!names.has(gone), `${gone} was replaced by its slices`);
  assert.ok(names.has("fc3.b"), "a scalar bias is shared by the slices, not sliced");
  assert.ok(!result.parts.some((p) => p.graph!.node.some((n) => n.name === "fc3.tied")), "the Identity of a sliced weight goes with it");
  const outs = await runAll(model, result, { input: seededInput([1, 2, 4, 4]) });
  assertSameOutputs(outs, "logits", ["resident", "chained"]);
});

test("impossible budgets are refused with ERR_SPLIT_INVALID_PARTS, naming the node", async () => {
  const model = tinyModel();
  // One output channel of the conv is 2*3*3*4 + 4 = 76 bytes.
  await assert.rejects(split(model, { maxPartBytes: 70 }), { code: "ERR_SPLIT_INVALID_PARTS", message: /Conv 'conv': one output channel alone takes 76 bytes/ });
  // Enough for any slice, far too little for 12 parts.
  await assert.rejects(split(model, { parts: 3, maxPartBytes: 1200 }), { code: "ERR_SPLIT_INVALID_PARTS", message: /needs at least \d+ parts; asked for 3/ });

  const g = new GraphBuilder("bigadd");
  const x = g.input("x", DataType.FLOAT, [1, 1000]);
  g.node("Add", [x, g.initializer(floatTensor("k", [1000], new Float32Array(1000)))], [], { name: "bigadd", outputs: ["y"] });
  g.node("Relu", ["y"], [], { outputs: ["out"] });
  g.output("out", DataType.FLOAT, [1, 1000]);
  await assert.rejects(split(g.build(), { parts: 2, maxPartBytes: 1000 }), { code: "ERR_SPLIT_INVALID_PARTS", message: /Add 'bigadd' holds 3\.9 KiB/ });

  const c = new GraphBuilder("grouped");
  const xi = c.input("x", DataType.FLOAT, [1, 4, 8, 8]);
  c.node("Conv", [xi, c.initializer(floatTensor("w", [8, 2, 3, 3], new Float32Array(144)))], [attr.int("group", 2)], { name: "gconv", outputs: ["y"] });
  c.node("Relu", ["y"], [], { outputs: ["out"] });
  c.output("out", DataType.FLOAT, [1, 8, 8, 8]);
  await assert.rejects(split(c.build(), { parts: 2, maxPartBytes: 256 }), { code: "ERR_SPLIT_INVALID_PARTS", message: /Conv 'gconv'.*grouped convolution \(group=2\)/ });

  for (const bad of [0, -1, Number.NaN]) await assert.rejects(split(model, { maxPartBytes: bad }), { code: "ERR_USAGE" });
  // Explicit cuts are not moved to fit: a part over the budget is a bad cut.
  await assert.rejects(split(model, { cuts: ["conv_out0"], maxPartBytes: 1200 }), { code: "ERR_SPLIT_INVALID_CUT" });
});

test("choosePartition: the byte limit is hard, balance and boundary bytes still decide within it", () => {
  const w = [1, 1, 1, 1, 1, 1, 1, 1];
  const zeros = new Array(9).fill(0);
  // Without a limit 2 parts split 4+4; a limit of 3 bytes per part forces 3+... and needs 3 parts.
  const bytes = [1, 1, 1, 1, 1, 1, 1, 1];
  assert.equal(minimumParts(bytes, 3), 3);
  assert.throws(() => choosePartition(w, zeros, 2, 0.1, { bytes, max: 3 }), { code: "ERR_SPLIT_INVALID_PARTS", message: /at least 3 parts/ });
  const cuts = choosePartition(w, zeros, 3, 0.1, { bytes, max: 3 });
  const edges = [0, ...cuts, 8];
  for (let k = 1; k < edges.length; k++) assert.ok(edges[k]! - edges[k - 1]! <= 3);
  // A limit that does not bind changes nothing.
  const live = [0, 100, 100, 1, 100, 100, 100, 100, 0];
  assert.deepEqual(choosePartition(w, live, 2, 0.7, { bytes, max: 100 }), choosePartition(w, live, 2, 0.7));
  // A heavy position pushes the cut away from the balanced one.
  assert.deepEqual(choosePartition(w, zeros, 2, 0, { bytes: [0, 0, 0, 0, 0, 0, 5, 5], max: 5 }), [7]);
  assert.equal(minimumParts([2, 9], 5), Number.POSITIVE_INFINITY);
});
