/**
 * Dev-only: writes the frozen known-answer vectors of msplit's on-disk formats into
 * test/fixtures/formats/ (see its README). A vector is written only when its directory does not
 * exist yet: never run this to "fix" a failing test. A vector that no longer opens means the
 * format changed, which needs a new version (or a new part format) and a new vector.
 *
 *   node --import tsx scripts/dev/make-format-vectors.mts
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadModel } from "../../src/onnx/codec.js";
import { encodeModel } from "../../src/onnx/codec.js";
import { sealParts } from "../../src/runtime/bundle.js";
import type { PartFormat } from "../../src/runtime/pipeline.js";
import { writeSplit } from "../../src/split/files.js";
import { split } from "../../src/split/split.js";

const root = new URL("../..", import.meta.url).pathname;
const out = join(root, "test", "fixtures", "formats");
/** A public test key: sha256 of a fixed string, so anyone can rebuild it from this line. */
const key = createHash("sha256").update("msplit format test vector key, version 1").digest();

const model = await loadModel(join(root, "test", "fixtures", "graphs", "two_heads.onnx"));
const result = await split(model, { parts: 3 });
if (!existsSync(join(out, "parts-v1"))) await writeSplit(join(out, "parts-v1"), result);
const parts = await Promise.all(result.plan.parts.map(async (p) => ({ name: p.file, bytes: await readFile(join(out, "parts-v1", p.file)) })));
parts.forEach((p, i) => {
  if (!Buffer.from(encodeModel(result.parts[i]!)).equals(p.bytes)) throw new Error(`part ${i} on disk differs from the split`);
});

// bundle-v1: ONNX parts (written first, msplit 0.1.0); bundle-v1-ort: ORT-format parts (onnxruntime 1.30.0).
for (const [name, partFormat] of [["bundle-v1", "onnx"], ["bundle-v1-ort", "ort"]] as [string, PartFormat][]) {
  if (existsSync(join(out, name))) continue;
  const info = await sealParts(join(out, name), parts, key, { plan: result.plan, partFormat });
  const expected = {
    keyHex: key.toString("hex"),
    bundleId: info.id,
    partFormat,
    parts: info.parts.map((p, i) => ({ index: i, file: p.file, size: p.size, sha256: p.sha256, plainFile: result.plan.parts[i]!.file })),
  };
  await writeFile(join(out, `${name}.expected.json`), `${JSON.stringify(expected, null, 2)}\n`);
  console.log(name, JSON.stringify(expected, null, 2));
}
