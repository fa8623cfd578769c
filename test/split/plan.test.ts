import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePlan, PLAN_VERSION } from "../../src/split/plan.js";

const plan = (version: number, extra: object = {}) =>
  JSON.stringify({ format: "msplit-plan", version, model: { name: "m", inputs: [], outputs: [], nodes: 1, flops: 0, paramBytes: 0 }, balance: "flops", cuts: [], parts: [{ index: 0, file: "part-00.onnx" }], ...extra });

test("plan.json: version 2 is written; versions 1 (no sizes) and 2 are read, others refused", () => {
  assert.equal(PLAN_VERSION, 2);
  assert.equal(parsePlan(plan(1)).sizes, undefined);
  assert.deepEqual(parsePlan(plan(2, { sizes: { height: { value: 640, from: "input-shape" } } })).sizes, { height: { value: 640, from: "input-shape" } });
  assert.throws(() => parsePlan(plan(3)), /plan version 3; this msplit reads versions 1 and 2/);
});
