import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { encodeModel, loadModel } from "../../src/onnx/codec.js";
import { analyzeGraph } from "../../src/onnx/graph.js";
import { analyzeShapes } from "../../src/onnx/shapes.js";
import { sealParts } from "../../src/runtime/bundle.js";
import { randomFeeds } from "../../src/runtime/feeds.js";
import { openPipeline } from "../../src/runtime/load.js";
import { readNpy } from "../../src/runtime/npy.js";
import { type Feeds, Pipeline, type PipelineMode } from "../../src/runtime/pipeline.js";
import { compareTensors, toOrtTensor } from "../../src/runtime/tensors.js";
import { generateKey, loadKey, type KeySource } from "../../src/seal/index.js";
import { inputShapesAt } from "../../src/split/sizes.js";
import { maxParts, split } from "../../src/split/split.js";
import { fixturesDir, tempDir } from "../helpers/index.js";
import { checkAgainstOrt } from "../helpers/shape-oracle.js";

/**
 * The "any model" corpus (test/fixtures/anymodel): graphs with dynamic height and width from
 * PyTorch and in other exporters' opset 9-11 idioms, several inputs and outputs, integer and bool
 * tensors, control flow. Shape inference must derive every tensor (and agree with onnxruntime);
 * each model split into 2..8 parts and into as many as it can be, plain and sealed, must compute
 * in every mode what the whole model computes, at two input sizes.
 */
const dir = join(fixturesDir, "anymodel");
const models = readdirSync(dir).filter((f) => f.endsWith(".onnx")).map((f) => f.slice(0, -5)).sort();
const MODES: readonly PipelineMode[] = ["resident", "chained", "stream"];
/** Two assignments of the dynamic dims: batch 1 and 2, odd and even spatial sizes. */
const BATCH = [1, 2];
const SPATIAL = [
  [32, 40],
  [48, 72],
];

const tmp = tempDir("msplit-anymodel-");
const keyFile = join(tmp.path, "model.key");
const key: KeySource = { kind: "file", path: keyFile };
let keyBytes: Uint8Array;
before(async () => {
  await generateKey(keyFile);
  keyBytes = await loadKey(key);
});
after(() => tmp.cleanup());

test("the corpus holds the models its README lists", () => {
  assert.equal(models.length, 11, models.join(", "));
});

function assertSame(reference: Feeds, got: Feeds, what: string): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(reference).sort(), `${what}: outputs`);
  for (const [name, ref] of Object.entries(reference)) {
    const c = compareTensors(ref, got[name]!);
    assert.ok(c.relative <= 1e-4, `${what} ${name} (${c.dtype}): relative difference ${c.relative}, ${c.mismatches} elements differ`);
  }
}

for (const name of models) {
  test(`${name}: inference derives every shape; 2..8 and the most parts, plain and sealed, equal the whole model at two sizes`, async () => {
    const model = await loadModel(join(dir, `${name}.onnx`));
    const graph = analyzeGraph(model);
    const analysis = analyzeShapes(graph);
    assert.deepEqual(analysis.fallbacks, [], "shape inference falls back to measuring");

    // Two assignments of the input symbols, each a set of concrete input shapes and random inputs.
    const assignments = BATCH.map((batch, k) => {
      const values = new Map<string, number>();
      let spatial = 0;
      for (const s of analysis.inputSymbols) if (!values.has(s.symbol)) values.set(s.symbol, s.axis === 0 ? batch : SPATIAL[spatial++ % 2]![k]!);
      return values;
    });
    const oracle = await checkAgainstOrt(model, assignments.map((v) => Object.fromEntries(v)));
    assert.deepEqual(oracle.mismatches, [], "inferred shapes differ from onnxruntime's");
    const specs = graph.inputs.map((n) => ({ name: n, type: graph.declaredTypes.get(n) }));
    const feeds = assignments.map((v, k) => randomFeeds(specs, inputShapesAt(graph, analysis, v), 100 + k));

    const whole = await Pipeline.fromModels([model], { intraOpThreads: 1 });
    const reference: Feeds[] = [];
    try {
      for (const f of feeds) reference.push(await whole.run(f));
      if (name.startsWith("torch_")) {
        // The export runs as PyTorch ran the module (the fixture's own check).
        const ins = await Promise.all(graph.inputs.map((_, k) => readNpy(join(dir, `${name}.ref.in${k}.npy`))));
        const outs = await whole.run(Object.fromEntries(graph.inputs.map((n, k) => [n, toOrtTensor(ins[k]!)])));
        const torch = await Promise.all(graph.outputs.map((_, k) => readNpy(join(dir, `${name}.ref.out${k}.npy`))));
        assertSame(Object.fromEntries(graph.outputs.map((o, k) => [o, toOrtTensor(torch[k]!)])), outs, "onnxruntime vs PyTorch");
      }
    } finally {
      await whole.release();
    }

    const most = maxParts(model);
    const counts = [...new Set([...Array.from({ length: Math.min(8, most) - 1 }, (_, i) => i + 2), most])];
    for (const parts of counts) {
      const result = await split(model, { parts });
      assert.equal(result.parts.length, parts);
      assert.deepEqual(result.measured, [], "split measured tensors");
      const control = result.plan.parts.find((p) => p.firstNode === "if" || p.firstNode === "loop");
      if (parts === most && /control_(if|loop)$/.test(name)) {
        assert.ok(control, "a part starts with the If / Loop node");
        // The If / Loop node is a part of its own: what its subgraphs read from the outer graph crosses into it.
        assert.equal(control.lastNode, control.firstNode);
        assert.ok(control.inputs.some((t) => t.name === "skip"), `outer-scope 'skip' is an input of the ${control.firstNode} part`);
      }
      const sources = () => result.parts.map((p, i) => ({ name: `part ${i}`, bytes: encodeModel(p) }));
      const bundle = join(tmp.path, `${name}-${parts}`);
      await sealParts(bundle, sources(), keyBytes, { plan: result.plan });
      for (const mode of MODES) {
        const plain = await Pipeline.fromParts(sources(), { mode, plan: result.plan, intraOpThreads: 1 });
        // Sealed parts are in ORT format (the default): they run chained or streamed, not stitched.
        const sealed = await openPipeline(bundle, { mode: mode === "resident" ? "chained" : mode, key, intraOpThreads: 1 });
        try {
          for (let k = 0; k < feeds.length; k++) {
            assertSame(reference[k]!, await plain.run(feeds[k]!), `${parts} parts, ${mode}, size ${k}`);
            assertSame(reference[k]!, await sealed.run(feeds[k]!), `${parts} sealed parts, ${mode}, size ${k}`);
          }
        } finally {
          await plain.release();
          await sealed.release();
        }
      }
    }
  });
}
