import assert from "node:assert/strict";
import { test } from "node:test";
import { attr, GraphBuilder } from "../../src/onnx/builder.js";
import { create, DataType, type ModelProto, OperatorSetIdProtoSchema } from "../../src/onnx/proto.js";
import { int64Tensor } from "../../src/onnx/tensor.js";
import { randomFeeds } from "../../src/runtime/feeds.js";
import { Pipeline } from "../../src/runtime/pipeline.js";
import { compareTensors } from "../../src/runtime/tensors.js";
import { maxParts, split } from "../../src/split/split.js";
import { encodeModel } from "../../src/onnx/codec.js";

/** Adds onnxruntime's contrib domain, whose operators msplit has no shape rules for. */
function withContribDomain(m: ModelProto): ModelProto {
  m.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: "com.microsoft", version: 1n }));
  return m;
}

async function assertPartsEqualWhole(model: ModelProto, parts: number, shapes: Record<string, number[]>[]): Promise<void> {
  const result = await split(model, { parts, inputShapes: shapes[0] });
  const whole = await Pipeline.fromModels([model]);
  try {
    for (const mode of ["resident", "chained", "stream"] as const) {
      const p = await Pipeline.fromModels(result.parts, { mode, plan: result.plan });
      try {
        for (const [k, s] of shapes.entries()) {
          const feeds = randomFeeds([{ name: "x", type: { elemType: DataType.FLOAT, shape: s.x! } }], new Map([["x", s.x!]]), k);
          const want = await whole.run(feeds);
          const got = await p.run(feeds);
          for (const o of Object.keys(want)) assert.ok(compareTensors(want[o]!, got[o]!).relative <= 1e-5, `${mode} ${o} at ${s.x}`);
        }
      } finally {
        await p.release();
      }
    }
  } finally {
    await whole.release();
  }
}

test("an operator without a shape rule is measured at two sizes: dims that follow an input are named after it", async () => {
  const b = new GraphBuilder("contrib");
  const x = b.input("x", DataType.FLOAT, ["N", 4, "H", "W"]);
  const r = b.op("Relu", [x]);
  const g = b.node("Gelu", [r], [], { domain: "com.microsoft", outputs: ["g"] })[0]!;
  const p = b.op("MaxPool", [g], [attr.ints("kernel_shape", [2, 2]), attr.ints("strides", [2, 2])]);
  b.output(b.op("Relu", [p], [], "out"), DataType.FLOAT, ["N", 4, "h", "w"]);
  const model = withContribDomain(b.build());
  const result = await split(model, { parts: 2, cuts: ["g"], inputShapes: { x: [1, 4, 20, 30] } });
  assert.deepEqual(result.measured.map((m) => m.tensor), ["g"]);
  assert.match(result.measured[0]!.reason, /no rule/);
  const live = result.plan.cuts[0]!.live.find((t) => t.name === "g")!;
  assert.deepEqual(live.shape, ["N", 4, "H", "W"], "measured at 1x20x30 and 2x52x62: each dim matched to the input dim it followed");
  assert.equal(live.bytes, 4 * 20 * 30 * 4, "bytes at the --input-shape sizes");
  await assertPartsEqualWhole(model, 2, [{ x: [1, 4, 20, 30] }, { x: [3, 4, 11, 7] }]);
});

test("a size that follows the data (Unique) is measured as dynamic, not as the size one run saw", async () => {
  const b = new GraphBuilder("unique");
  const x = b.input("x", DataType.FLOAT, ["N", 3]);
  const flat = b.op("Reshape", [x, b.initializer(int64Tensor("flat", [1], [-1]))]);
  const u = b.node("Unique", [flat], [attr.int("sorted", 1)], { outputs: ["u"] })[0]!;
  b.output(b.op("Neg", [u], [], "out"), DataType.FLOAT, ["n"]);
  const model = b.build();
  const result = await split(model, { parts: 2 });
  const live = result.plan.cuts[0]!.live.find((t) => t.name === "u")!;
  assert.equal(live.shape?.length, 1);
  assert.ok(typeof live.shape[0] === "string" && !/\bN\b/.test(live.shape[0]), `declared dynamic with a name of its own, got ${live.shape[0]}`);
  await assertPartsEqualWhole(model, 2, [{ x: [1, 3] }, { x: [5, 3] }]);
});

test("a model that runs at no second size is refused at split time, naming the tensor it cannot size", async () => {
  const b = new GraphBuilder("one_size");
  const x = b.input("x", DataType.FLOAT, ["N", 4, "H", "W"]);
  const g = b.node("Gelu", [x], [], { domain: "com.microsoft", outputs: ["gelu_out"] })[0]!;
  const flat = b.op("Reshape", [g, b.initializer(int64Tensor("target", [2], [1, 256]))]);
  b.output(b.op("Relu", [flat], [], "out"), DataType.FLOAT, [1, 256]);
  const model = withContribDomain(b.build());
  await assert.rejects(split(model, { parts: 2, inputShapes: { x: [1, 4, 8, 8] } }), (e: Error & { code?: string }) => {
    assert.equal(e.code, "ERR_ONNX_UNSUPPORTED");
    assert.match(e.message, /cannot tell how 'gelu_out'.* change with the input size/);
    assert.match(e.message, /Gelu 'Gelu_0': no rule/);
    return true;
  });
});

test("a sequence never crosses a boundary: such cuts are refused, naming the value, and the part count shrinks", async () => {
  const b = new GraphBuilder("sequence");
  const x = b.input("x", DataType.FLOAT, ["N", 6]);
  const r = b.op("Relu", [x]);
  const seq = b.node("SplitToSequence", [r], [attr.int("axis", 1)], { outputs: ["seq"] })[0]!;
  const cat = b.op("ConcatFromSequence", [seq], [attr.int("axis", 1)]);
  b.output(b.op("Sigmoid", [cat], [], "out"), DataType.FLOAT, ["N", 6]);
  const model = b.build();
  assert.equal(maxParts(model), 3);
  await assert.rejects(split(model, { cuts: ["seq"] }), (e: Error & { code?: string }) => e.code === "ERR_SPLIT_INVALID_CUT" && /'seq'/.test(e.message) && /not a tensor/.test(e.message));
  await assert.rejects(split(model, { parts: 4 }), { code: "ERR_SPLIT_INVALID_PARTS" });
  const result = await split(model, { parts: 3 });
  for (const c of result.plan.cuts) assert.ok(!c.live.some((t) => t.name === "seq"));
  const whole = await Pipeline.fromModels([model]);
  const chained = await Pipeline.fromParts(result.parts.map((p, i) => ({ name: `part ${i}`, bytes: encodeModel(p) })), { mode: "chained", plan: result.plan });
  const feeds = randomFeeds([{ name: "x", type: { elemType: DataType.FLOAT, shape: [2, 6] } }], new Map([["x", [2, 6]]]));
  assert.equal(compareTensors((await whole.run(feeds)).out_out0!, (await chained.run(feeds)).out_out0!).relative, 0);
  await whole.release();
  await chained.release();
});
