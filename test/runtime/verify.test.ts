import assert from "node:assert/strict";
import { test } from "node:test";
import { attr, GraphBuilder } from "../../src/onnx/builder.js";
import { encodeModel } from "../../src/onnx/codec.js";
import { DataType } from "../../src/onnx/proto.js";
import { floatTensor } from "../../src/onnx/tensor.js";
import { verifyParts } from "../../src/runtime/verify.js";
import { split } from "../../src/split/split.js";

/** x[N, 6] -> scaled -> (scores: float, best: int64 argmax, positive: bool). */
function model(scale: number, argOp = "ArgMax") {
  const b = new GraphBuilder("three_outputs");
  const x = b.input("x", DataType.FLOAT, ["N", 6]);
  const scores = b.node("Mul", [b.op("Relu", [x]), b.initializer(floatTensor("s", [1], Float32Array.of(scale)))], [], { outputs: ["scores"] })[0]!;
  b.node(argOp, [scores], [attr.int("axis", 1), attr.int("keepdims", 0)], { outputs: ["best"] });
  b.node("Greater", [scores, b.initializer(floatTensor("t", [1], Float32Array.of(0.5)))], [], { outputs: ["positive"] });
  b.output("scores", DataType.FLOAT, ["N", 6]);
  b.output("best", DataType.INT64, ["N"]);
  b.output("positive", DataType.BOOL, ["N", 6]);
  return b.build();
}

const sources = async (m: ReturnType<typeof model>, parts: number) => (await split(m, { parts })).parts.map((p, i) => ({ name: `part ${i}`, bytes: encodeModel(p) }));

test("verifyParts compares every output: floats within the tolerance, integers and bools exactly", async () => {
  const whole = [{ name: "model", bytes: encodeModel(model(1)) }];
  const same = await verifyParts(whole, await sources(model(1), 2), undefined, { shapes: { x: [4, 6] } });
  assert.equal(same.ok, true, JSON.stringify(same.modes));
  assert.deepEqual(Object.keys(same.modes.chained!).sort(), ["best", "positive", "scores"]);
  assert.equal(same.modes.chained!.best!.exact, true);

  // A float difference of 1e-6 relative is within 1e-4 ...
  const close = await verifyParts(whole, await sources(model(1 + 1e-6), 2), undefined, { shapes: { x: [4, 6] } });
  assert.equal(close.ok, true, JSON.stringify(close.modes.resident));
  assert.ok(close.modes.resident!.scores!.relative > 0);
  // ... but an integer output that differs anywhere fails, however small the float outputs' difference.
  const wrongIndex = await verifyParts(whole, await sources(model(1, "ArgMin"), 2), undefined, { shapes: { x: [4, 6] } });
  assert.equal(wrongIndex.ok, false);
  assert.ok(wrongIndex.modes.resident!.best!.mismatches > 0);
  assert.equal(wrongIndex.modes.resident!.scores!.relative, 0);
});
