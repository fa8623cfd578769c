import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphBuilder } from "../../src/onnx/builder.js";
import { analyzeGraph } from "../../src/onnx/graph.js";
import { DataType } from "../../src/onnx/proto.js";
import { analyzeShapes } from "../../src/onnx/shapes.js";
import { chooseSizes } from "../../src/split/sizes.js";

function model(metadata?: Record<string, string>, nhwc = false) {
  const b = new GraphBuilder("sizes");
  const x = b.input("x", DataType.FLOAT, nhwc ? ["n", "h", "w", 3] : ["n", 3, "h", "w"]);
  const ids = b.input("ids", DataType.INT64, ["n"]);
  b.output(b.op("Relu", [x], [], "relu"), DataType.FLOAT, nhwc ? ["n", "h", "w", 3] : ["n", 3, "h", "w"]);
  b.output(b.op("Neg", [ids], [], "neg"), DataType.INT64, ["n"]);
  return b.build({ metadata });
}

const choose = (m: ReturnType<typeof model>, given?: Record<string, number[]>) => {
  const graph = analyzeGraph(m);
  return chooseSizes(graph, analyzeShapes(graph), given);
};

test("cost sizes: --input-shape first, then the model's own image size, else assumed (and said so)", () => {
  const assumed = choose(model());
  assert.deepEqual(Object.fromEntries(assumed.values), { n: 1, h: 224, w: 224 });
  assert.deepEqual(Object.fromEntries(assumed.from), { n: "assumed", h: "assumed", w: "assumed" });

  const hinted = choose(model({ imgsz: "[480, 640]" }));
  assert.deepEqual(Object.fromEntries(hinted.values), { n: 1, h: 480, w: 640 });
  assert.equal(hinted.from.get("h"), "model");
  assert.deepEqual(Object.fromEntries(choose(model({ imgsz: "[480, 640]" }, true)).values), { n: 1, h: 480, w: 640 }, "NHWC: the spatial dims are 1 and 2");

  const given = choose(model({ imgsz: "320" }), { x: [4, 3, 96, 128] });
  assert.deepEqual(Object.fromEntries(given.values), { n: 4, h: 96, w: 128 });
  assert.equal(given.from.get("w"), "input-shape");
});

test("--input-shape is checked against the model", () => {
  assert.throws(() => choose(model(), { y: [1, 3, 8, 8] }), /names 'y', which is not an input of the model \(its inputs: x, ids\)/);
  assert.throws(() => choose(model(), { x: [1, 3, 8] }), /3 dims given, the input has 4 dims/);
  assert.throws(() => choose(model(), { x: [1, 4, 8, 8] }), /dim 1 is fixed at 3 by the model, got 4/);
  assert.throws(() => choose(model(), { x: [1, 3, 0, 8] }), /must be a positive integer/);
  assert.throws(() => choose(model(), { x: [2, 3, 8, 8], ids: [3] }), /'n' is one dim shared by several inputs; it was given as 2 and 3/);
});
