/**
 * Dev-only: writes the frozen known-answer vectors of msplit's on-disk formats into
 * test/fixtures/formats/ (see its README). Run once per format version, never to "fix" a failing
 * test: a vector that no longer opens means the format changed, which needs a new version.
 *
 *   node --import tsx scripts/dev/make-format-vectors.mts
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadModel } from "../../src/onnx/codec.js";
import { encodeModel } from "../../src/onnx/codec.js";
import { sealParts } from "../../src/runtime/bundle.js";
import { writeSplit } from "../../src/split/files.js";
import { split } from "../../src/split/split.js";

const root = new URL("../..", import.meta.url).pathname;
const out = join(root, "test", "fixtures", "formats");
/** A public test key: sha256 of a fixed string, so anyone can rebuild it from this line. */
const key = createHash("sha256").update("msplit format test vector key, version 1").digest();

const model = await loadModel(join(root, "test", "fixtures", "graphs", "two_heads.onnx"));
const result = await split(model, { parts: 3 });
await writeSplit(join(out, "parts-v1"), result);
const parts = await Promise.all(result.plan.parts.map(async (p) => ({ name: p.file, bytes: await readFile(join(out, "parts-v1", p.file)) })));
parts.forEach((p, i) => {
  if (!Buffer.from(encodeModel(result.parts[i]!)).equals(p.bytes)) throw new Error(`part ${i} on disk differs from the split`);
});
const info = await sealParts(join(out, "bundle-v1"), parts, key, { plan: result.plan });
const expected = {
  keyHex: key.toString("hex"),
  bundleId: info.id,
  parts: info.parts.map((p, i) => ({ index: i, file: p.file, size: p.size, sha256: p.sha256, plainFile: result.plan.parts[i]!.file })),
};
await writeFile(join(out, "bundle-v1.expected.json"), `${JSON.stringify(expected, null, 2)}\n`);
console.log(JSON.stringify(expected, null, 2));
