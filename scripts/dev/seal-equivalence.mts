// Dev check (minutes): for every zoo model, split into 12 parts, seal in both part formats, and
// compare the sealed chain's output with the plain chain's run alike (ORT-format parts: at the
// level they were saved at, without weight packing), bit for bit.
// Run: npx tsx scripts/dev/seal-equivalence.mts
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeModel } from "../../src/onnx/codec.js";
import { sealParts } from "../../src/runtime/bundle.js";
import { seededInput } from "../../src/runtime/feeds.js";
import { openPipeline } from "../../src/runtime/load.js";
import { ORT_FORMAT_OPTIMIZATION } from "../../src/runtime/ort-format.js";
import { Pipeline } from "../../src/runtime/pipeline.js";
import { generateKey, loadKey } from "../../src/seal/index.js";
import { split } from "../../src/split/split.js";
import { buildZoo, zooNames } from "../../src/zoo/index.js";

const dir = await mkdtemp(join(tmpdir(), "msplit-seal-eq-"));
try {
  const keyPath = join(dir, "k.key");
  await generateKey(keyPath);
  const key = await loadKey({ kind: "file", path: keyPath });
  const input = { input: seededInput([1, 3, 224, 224]) };
  for (const name of zooNames()) {
    const model = buildZoo(name, 0);
    const { plan, parts } = await split(model, { parts: 12 });
    const sources = () => parts.map((p, i) => ({ name: `part ${i}`, bytes: encodeModel(p) }));
    for (const partFormat of ["onnx", "ort"] as const) {
      const alike = partFormat === "ort" ? { optimization: ORT_FORMAT_OPTIMIZATION, prepack: false } : {};
      const plain = await Pipeline.fromParts(sources(), { mode: "chained", plan, intraOpThreads: 1, ...alike });
      const want = (await plain.run(input)).logits!.data as Float32Array;
      await plain.release();
      const bundle = join(dir, `${name}-${partFormat}`);
      await sealParts(bundle, sources(), key, { plan, partFormat });
      const sealed = await openPipeline(bundle, { mode: "chained", key: { kind: "file", path: keyPath }, intraOpThreads: 1 });
      const got = (await sealed.run(input)).logits!.data as Float32Array;
      await sealed.release();
      await rm(bundle, { recursive: true });
      const identical = got.length === want.length && got.every((v, i) => Object.is(v, want[i]));
      console.log(`${name}, ${partFormat} parts: sealed chain ${identical ? "identical to" : "DIFFERS from"} the plain chain (${got.length} logits)`);
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
