import assert from "node:assert/strict";
import { test } from "node:test";
import { seededInput } from "../../src/runtime/feeds.js";
import { compareOutputs } from "../../src/runtime/tensors.js";
import { analyzeGraph } from "../../src/onnx/graph.js";
import { analyzeShapes } from "../../src/onnx/shapes.js";
import { split } from "../../src/split/split.js";
import { buildZoo } from "../../src/zoo/index.js";
import { runAll } from "../helpers/index.js";

/** Registers: zoo model `name` split into 12 parts computes what the whole model computes. */
export function zooEquivalenceTest(name: string, modes: readonly ("resident" | "chained")[] = ["resident", "chained"]): void {
  test(`${name}: 12 parts, ${modes.join(" and ")}, equal the whole model`, async () => {
    const model = buildZoo(name, 0);
    assert.deepEqual(analyzeShapes(analyzeGraph(model)).fallbacks, [], "shape inference falls back to measuring");
    const result = await split(model, { parts: 12 });
    assert.equal(result.parts.length, 12);
    assert.deepEqual(result.measured, []);
    for (const p of result.plan.parts) assert.ok(p.nodes > 0, `part ${p.index} is empty`);
    const outs = await runAll(model, result, { input: seededInput([1, 3, 224, 224]) }, modes);
    const whole = outs.whole.logits!;
    assert.equal(whole.length, 1000);
    assert.ok(whole.every(Number.isFinite), "finite logits");
    for (const mode of modes) {
      const d = compareOutputs(whole, outs[mode].logits!);
      assert.ok(d.relative <= 1e-4, `${name} ${mode}: relative difference ${d.relative}`);
    }
  });
}
