import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as ort from "onnxruntime-node";
import { readNpy } from "../../src/runtime/npy.js";
import { toOrtFormat } from "../../src/runtime/ort-format.js";
import { toOrtTensor } from "../../src/runtime/tensors.js";
import { fixturesDir, rejectsWith } from "../helpers/index.js";

const leftovers = (dir: string): string[] => {
  try {
    return readdirSync(dir).filter((n) => n.startsWith("msplit-ort-"));
  } catch {
    return [];
  }
};

test("ORT-format conversion: /dev/shm and the pipe give the same bytes, and neither leaves a file behind", async () => {
  const model = readFileSync(join(fixturesDir, "graphs", "mobilenet_v3_tiny.onnx"));
  const shmBefore = leftovers("/dev/shm");
  const viaShm = await toOrtFormat(model, "mobilenet_v3_tiny");
  const viaPipe = await toOrtFormat(model, "mobilenet_v3_tiny", { via: "pipe" });
  assert.ok(viaShm.byteLength > 1000);
  // The ORT format is a FlatBuffer with the identifier "ORTM" at offset 4.
  assert.equal(Buffer.from(viaShm.subarray(4, 8)).toString("latin1"), "ORTM");
  // onnxruntime's writer is not byte-deterministic (two conversions by one route differ too): the
  // two routes must give models that compute the same bits.
  assert.equal(viaShm.byteLength, viaPipe.byteLength);
  const input = toOrtTensor(await readNpy(join(fixturesDir, "graphs", "mobilenet_v3_tiny.input.npy")));
  const outputs = [];
  for (const bytes of [viaShm, viaPipe]) {
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ [session.inputNames[0]!]: input });
    outputs.push(Buffer.from((out[session.outputNames[0]!]!.data as Float32Array).buffer));
    await session.release();
  }
  assert.ok(outputs[0]!.equals(outputs[1]!), "the two routes' models compute the same bits");
  assert.deepEqual(leftovers("/dev/shm"), shmBefore);
});

test("ORT-format conversion of bytes onnxruntime refuses is one RuntimeFailure, by either route", async () => {
  const junk = Buffer.from("not an onnx model");
  await rejectsWith(toOrtFormat(junk, "junk"), "ERR_RUNTIME", /cannot convert junk to ORT format/);
  await rejectsWith(toOrtFormat(junk, "junk", { via: "pipe" }), "ERR_RUNTIME", /cannot convert junk to ORT format/);
});
