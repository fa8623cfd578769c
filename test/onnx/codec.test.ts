import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import * as ort from "onnxruntime-node";
import { attr, GraphBuilder } from "../../src/onnx/builder.js";
import { decodeModel, encodeModel, loadModel } from "../../src/onnx/codec.js";
import { create, DataLocation, DataType, ModelProtoSchema, StringStringEntryProtoSchema, TensorProtoSchema } from "../../src/onnx/proto.js";
import { floatTensor, tensorToFloat32 } from "../../src/onnx/tensor.js";
import { valueInfo } from "../../src/onnx/value-info.js";
import { fixturesDir, repoRoot, tempDir } from "../helpers/index.js";

function smallModel() {
  const g = new GraphBuilder("tiny");
  const x = g.input("x", DataType.FLOAT, ["batch", 4]);
  g.initializer(floatTensor("w", [3, 4], Float32Array.from({ length: 12 }, (_, i) => i / 10)));
  g.initializer(floatTensor("b", [3], Float32Array.from([1, 2, 3])));
  const y = g.op("Gemm", [x, "w", "b"], [attr.int("transB", 1)], "fc");
  g.nodes[0]!.output = ["y"];
  void y;
  g.output("y", DataType.FLOAT, ["batch", 3]);
  return g.build({ docString: "a doc string", metadata: { author: "test" } });
}

async function runModel(bytes: Uint8Array, x: Float32Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({ x: new ort.Tensor("float32", x, [1, 4]) });
  await s.release();
  return out.y!.data as Float32Array;
}

test("round trip keeps opsets, metadata, doc strings, value_info and unknown fields", () => {
  const m = smallModel();
  m.graph!.valueInfo.push(valueInfo("extra", DataType.FLOAT, [7, "n"]));
  m.graph!.docString = "graph doc";
  m.graph!.node[0]!.docString = "node doc";
  // An unknown field (number 99, varint 42) appended to the encoded model must survive.
  const withUnknown = Buffer.concat([Buffer.from(encodeModel(m)), Buffer.from([0x98, 0x06, 42])]);
  const back = decodeModel(withUnknown);
  const again = decodeModel(encodeModel(back));
  assert.deepEqual(again.opsetImport.map((o) => [o.domain, o.version]), [["", 17n]]);
  assert.equal(again.docString, "a doc string");
  assert.equal(again.graph!.docString, "graph doc");
  assert.equal(again.graph!.node[0]!.docString, "node doc");
  assert.deepEqual(again.metadataProps.map((e) => [e.key, e.value]), [["author", "test"]]);
  assert.equal(again.graph!.valueInfo[0]!.name, "extra");
  assert.ok(Buffer.from(encodeModel(again)).includes(Buffer.from([0x98, 0x06, 42])), "unknown field lost");
});

test("the splicing encoder produces the same message as the generic protobuf encoder", () => {
  const m = smallModel();
  m.graph!.initializer.push(floatTensor("big", [5000], Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i))));
  const fast = decodeModel(encodeModel(m));
  const generic = decodeModel(toBinary(ModelProtoSchema, m));
  assert.deepEqual(Buffer.from(toBinary(ModelProtoSchema, fast)), Buffer.from(toBinary(ModelProtoSchema, generic)));
});

test("int64 values are exact beyond 2^53; a dim that large is refused, not rounded", () => {
  const big = 2n ** 60n + 3n;
  const m = smallModel();
  m.graph!.initializer.push(create(TensorProtoSchema, { name: "huge", dims: [2n], dataType: DataType.INT64, int64Data: [big, -big] }));
  const back = decodeModel(encodeModel(m));
  const t = back.graph!.initializer.find((x) => x.name === "huge")!;
  assert.deepEqual(t.int64Data, [big, -big]);
  m.graph!.initializer.push(create(TensorProtoSchema, { name: "vast", dims: [big], dataType: DataType.INT64, int64Data: [1n] }));
  assert.throws(() => decodeModel(encodeModel(m)), { code: "ERR_ONNX_INVALID" });
});

test("initializers in typed float_data work like raw_data", async () => {
  const m = smallModel();
  const raw = await runModel(encodeModel(m), Float32Array.from([1, 2, 3, 4]));
  const w = m.graph!.initializer[0]!;
  const values = tensorToFloat32(w);
  m.graph!.initializer[0] = create(TensorProtoSchema, { name: "w", dims: w.dims, dataType: DataType.FLOAT, floatData: Array.from(values) });
  const typed = await runModel(encodeModel(m), Float32Array.from([1, 2, 3, 4]));
  assert.deepEqual(Array.from(typed), Array.from(raw));
  assert.deepEqual(Array.from(tensorToFloat32(m.graph!.initializer[0])), Array.from(values));
});

test("models with external data files load, and locations cannot escape the model directory", async () => {
  const dir = tempDir();
  try {
    const m = smallModel();
    const w = m.graph!.initializer[0]!;
    const data = Buffer.from(w.rawData);
    writeFileSync(join(dir.path, "weights.bin"), Buffer.concat([Buffer.alloc(16), data]));
    w.rawData = new Uint8Array(0);
    w.dataLocation = DataLocation.EXTERNAL;
    w.externalData = [
      create(StringStringEntryProtoSchema, { key: "location", value: "weights.bin" }),
      create(StringStringEntryProtoSchema, { key: "offset", value: "16" }),
      create(StringStringEntryProtoSchema, { key: "length", value: String(data.length) }),
    ];
    writeFileSync(join(dir.path, "m.onnx"), encodeModel(m));
    const loaded = await loadModel(join(dir.path, "m.onnx"));
    assert.deepEqual(Buffer.from(loaded.graph!.initializer[0]!.rawData), data);
    const out = await runModel(encodeModel(loaded), Float32Array.from([1, 0, 0, 0]));
    assert.equal(out.length, 3);

    w.externalData[0]!.value = "../escape.bin";
    writeFileSync(join(dir.path, "evil.onnx"), encodeModel(m));
    await assert.rejects(loadModel(join(dir.path, "evil.onnx")), { code: "ERR_ONNX_INVALID" });
    w.externalData[0]!.value = "weights.bin";
    w.externalData[1]!.value = "100";
    writeFileSync(join(dir.path, "short.onnx"), encodeModel(m));
    await assert.rejects(loadModel(join(dir.path, "short.onnx")), /shorter than declared/);
    w.externalData[1]!.value = "16";
    w.externalData[2]!.value = String(data.length + 100);
    writeFileSync(join(dir.path, "long.onnx"), encodeModel(m));
    await assert.rejects(loadModel(join(dir.path, "long.onnx")), /does not match its shape/);
  } finally {
    dir.cleanup();
  }
});

test("malformed input is ERR_ONNX_INVALID, never a crash", () => {
  const good = readFileSync(join(fixturesDir, "torch", "squeezenet1_1.onnx"));
  const bad: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["jpeg", readFileSync(join(repoRoot, "assets", "chelsea.jpg"))],
    ["text", Buffer.from("hello, I am not a model\n")],
    ["truncated", good.subarray(0, Math.floor(good.length / 2))],
    ["truncated by one byte", good.subarray(0, good.length - 1)],
    ["no graph", toBinary(ModelProtoSchema, create(ModelProtoSchema, { irVersion: 8n }))],
  ];
  for (const [what, bytes] of bad) {
    assert.throws(() => decodeModel(bytes), (e: { code?: string }) => e.code === "ERR_ONNX_INVALID", what);
  }
  assert.ok(decodeModel(good).graph!.node.length > 0);
});
