import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { loadModel } from "../../src/onnx/codec.js";
import type { ModelProto } from "../../src/onnx/proto.js";
import { checkChain as checkSignatures, signatureOfModel } from "../../src/runtime/assemble.js";
import { stitchParts } from "../../src/runtime/stitch.js";
import type { SplitPlan } from "../../src/split/plan.js";

const checkChain = (parts: ModelProto[], plan?: SplitPlan) => checkSignatures(parts.map((p, k) => signatureOfModel(p, `part ${k}`)), plan);
import { split } from "../../src/split/split.js";
import { fixturesDir } from "../helpers/index.js";

const modelPath = join(fixturesDir, "graphs", "mobilenet_v3_tiny.onnx");

test("parts that do not fit together are refused, with or without a plan", async () => {
  const model = await loadModel(modelPath);
  const { plan, parts } = await split(model, { parts: 4 });
  const other = await split(model, { parts: 5 });
  const swapped = [parts[0]!, parts[2]!, parts[1]!, parts[3]!];
  const dropped = [parts[0]!, parts[1]!, parts[3]!];
  const foreign = [parts[0]!, other.parts[1]!, parts[2]!, parts[3]!];
  const cases: [string, ModelProto[]][] = [["swapped", swapped], ["dropped", dropped], ["foreign", foreign]];
  for (const [what, chain] of cases) {
    assert.throws(() => checkChain(chain), { code: "ERR_PARTS_MISMATCH" }, `${what} without plan`);
    assert.throws(() => checkChain(chain, plan), { code: "ERR_PARTS_MISMATCH" }, `${what} with plan`);
  }
  // Without the index stamps, a missing producer still gives the parts away.
  const unstamped = swapped.map((p) => ({ ...p, metadataProps: [] }));
  assert.throws(() => checkChain(unstamped), /no earlier part produces/);
  const layout = checkChain(parts, plan);
  assert.deepEqual(layout.inputs, ["input"]);
  assert.deepEqual(layout.outputs, ["logits"]);
});

test("stitching gives back every node and weight once", async () => {
  const model = await loadModel(modelPath);
  const { plan, parts } = await split(model, { parts: 6 });
  const whole = stitchParts(parts, checkChain(parts, plan));
  const scheduled = new Set(whole.graph!.node.flatMap((n) => n.output));
  for (const n of model.graph!.node) for (const o of n.output) assert.ok(scheduled.has(o), `lost ${o}`);
  const names = whole.graph!.initializer.map((t) => t.name);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(new Set(names), new Set(model.graph!.initializer.map((t) => t.name)));
});
