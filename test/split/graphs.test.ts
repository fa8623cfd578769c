import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadModel } from "../../src/onnx/codec.js";
import { readNpy } from "../../src/runtime/npy.js";
import { compareOutputs, toOrtTensor } from "../../src/runtime/tensors.js";
import { maxParts, split } from "../../src/split/split.js";
import { fixturesDir, runAll } from "../helpers/index.js";
import { checkAgainstOrt } from "../helpers/shape-oracle.js";

/**
 * Graphs exported by real PyTorch, not written by msplit: the chained and resident parts must
 * compute what the whole model computes, and the whole model what PyTorch computed.
 */
const cases = [
  { dir: join(fixturesDir, "torch"), name: "squeezenet1_1", outputs: ["logits"] },
  { dir: join(fixturesDir, "graphs"), name: "mobilenet_v3_tiny", outputs: ["logits"] },
  { dir: join(fixturesDir, "graphs"), name: "densenet_tiny", outputs: ["logits"] },
  { dir: join(fixturesDir, "graphs"), name: "inception_tiny", outputs: ["logits"] },
  { dir: join(fixturesDir, "graphs"), name: "shufflenet_tiny", outputs: ["logits"] },
  { dir: join(fixturesDir, "graphs"), name: "vit_tiny", outputs: ["logits"] },
  { dir: join(fixturesDir, "graphs"), name: "two_heads", outputs: ["out0", "out1"] },
];

for (const c of cases) {
  test(`${c.name}: parts equal the whole model for 2..12 parts, and the whole model equals PyTorch`, async () => {
    const modelPath = join(c.dir, `${c.name}.onnx`);
    assert.ok(existsSync(modelPath), `missing fixture ${modelPath}`);
    const model = await loadModel(modelPath);
    const input = toOrtTensor(await readNpy(join(c.dir, `${c.name}.input.npy`)));
    const expected = await Promise.all(c.outputs.map((o) => readNpy(join(c.dir, `${c.name}.${o}.npy`))));
    // Shape inference derives every tensor, as onnxruntime makes it at batch 1 and 2.
    const oracle = await checkAgainstOrt(model, [{ batch: 1 }, { batch: 2 }]);
    assert.deepEqual(oracle.analysis.fallbacks, []);
    assert.deepEqual(oracle.mismatches, []);
    assert.ok(oracle.compared > 0);
    const most = maxParts(model);
    await assert.rejects(split(model, { parts: most + 1 }), { code: "ERR_SPLIT_INVALID_PARTS" });
    for (let parts = 2; parts <= Math.min(12, most); parts++) {
      const result = await split(model, { parts });
      assert.equal(result.parts.length, parts);
      assert.deepEqual(result.measured, []);
      const outs = await runAll(model, result, { input });
      c.outputs.forEach((o, k) => {
        if (parts === 2) {
          const torch = compareOutputs(expected[k]!.data, outs.whole[o]!);
          assert.ok(torch.relative <= 1e-4, `${c.name}.${o}: onnxruntime vs PyTorch ${torch.relative}`);
        }
        for (const mode of ["resident", "chained"] as const) {
          const d = compareOutputs(outs.whole[o]!, outs[mode][o]!);
          assert.ok(d.relative <= 1e-4, `${c.name} ${parts} parts ${mode} ${o}: relative difference ${d.relative}`);
        }
      });
    }
  });
}
