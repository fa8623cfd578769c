import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import * as msplit from "../src/index.js";
import { repoRoot } from "./helpers/index.js";

test("the library entry point exposes every stage, and the README's example runs", async () => {
  for (const name of ["buildZoo", "split", "Pipeline", "encodeModel", "loadModel", "loadModelLazy", "preprocessImage", "toOrtTensor", "topK", "sealParts", "openPipeline", "generateKey", "loadKey", "readTorchCheckpoint", "importTorchWeights", "MsplitError", "pfEncryptFile", "openProtectedFile", "loadWrapKey", "splitAndSeal", "verifyParts", "describeModel", "describeParts", "readFeeds", "randomFeeds", "writeOutputs", "analyzeShapes"]) {
    assert.ok(name in msplit, `msplit exports ${name}`);
  }
  const model = msplit.buildZoo("squeezenet1_1", 0);
  const { plan, parts } = await msplit.split(model, { parts: 3, balance: "flops" });
  const pipeline = await msplit.Pipeline.fromParts(parts.map((p, i) => ({ name: plan.parts[i]!.file, bytes: msplit.encodeModel(p) })), { plan, mode: "chained" });
  try {
    const { logits } = await pipeline.run({ input: msplit.toOrtTensor(await msplit.preprocessImage(join(repoRoot, "assets", "chelsea.jpg"))) });
    const top = msplit.topK(logits!.data as Float32Array, 5);
    assert.equal(top.length, 5);
    assert.ok(top[0]!.percent >= top[4]!.percent);
  } finally {
    await pipeline.release();
  }
});
