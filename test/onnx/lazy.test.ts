import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import { encodeModel, loadModel } from "../../src/onnx/codec.js";
import { loadModelLazy } from "../../src/onnx/lazy.js";
import { lazyPayload } from "../../src/onnx/payload.js";
import { type ModelProto, ModelProtoSchema, type TensorProto } from "../../src/onnx/proto.js";
import { writeSplit } from "../../src/split/files.js";
import { split } from "../../src/split/split.js";
import { fixturesDir, tempDir } from "../helpers/index.js";

const dir = tempDir();
after(() => dir.cleanup());
const modelPath = join(fixturesDir, "torch", "squeezenet1_1.onnx");

const byName = (m: ModelProto): TensorProto[] => [...m.graph!.initializer].sort((a, b) => a.name.localeCompare(b.name));

test("a lazily loaded model is the same model, with large weights left in the file", async () => {
  const eager = await loadModel(modelPath);
  const lazy = await loadModelLazy(modelPath);
  const large = lazy.graph!.initializer.filter((t) => lazyPayload(t) !== undefined);
  assert.ok(large.length > 0, "some initializers stay in the file");
  for (const t of large) assert.equal(t.rawData.byteLength, 0);
  // Same message once the payloads are read in (initializer order aside).
  const a = await loadModel(modelPath);
  a.graph!.initializer = byName(a);
  const b = (await import("../../src/onnx/codec.js")).decodeModel(encodeModel(lazy));
  b.graph!.initializer = byName(b);
  assert.deepEqual(Buffer.from(toBinary(ModelProtoSchema, b)), Buffer.from(toBinary(ModelProtoSchema, a)));
  assert.equal(eager.graph!.node.length, lazy.graph!.node.length);
});

test("parts written from a lazily loaded model are byte-identical to parts from memory", async () => {
  const fromMemory = join(dir.path, "memory");
  const fromFile = join(dir.path, "file");
  await writeSplit(fromMemory, await split(await loadModel(modelPath), { parts: 5 }));
  await writeSplit(fromFile, await split(await loadModelLazy(modelPath), { parts: 5 }));
  const files = readdirSync(fromMemory).sort();
  assert.deepEqual(readdirSync(fromFile).sort(), files);
  for (const f of files) assert.ok(readFileSync(join(fromMemory, f)).equals(readFileSync(join(fromFile, f))), f);
});

test("malformed files are ERR_ONNX_INVALID through the lazy reader too", async () => {
  const good = readFileSync(modelPath);
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["text", Buffer.from("not a model at all\n")],
    ["truncated", good.subarray(0, good.length >> 1)],
    ["truncated by one byte", good.subarray(0, good.length - 1)],
  ];
  for (const [what, bytes] of cases) {
    const p = join(dir.path, `${what}.onnx`);
    writeFileSync(p, bytes);
    await assert.rejects(loadModelLazy(p), { code: "ERR_ONNX_INVALID" }, what);
  }
});
