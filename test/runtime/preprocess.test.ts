import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { formatResult, softmax, topK } from "../../src/runtime/classify.js";
import { encodeNpy, type NdArray, parseNpy } from "../../src/runtime/npy.js";
import { preprocessImage, roundHalfEven } from "../../src/runtime/preprocess.js";
import { resizeBilinearLikePillow } from "../../src/runtime/resample.js";
import { fixturesDir, repoRoot } from "../helpers/index.js";

test("preprocessing matches torchvision's within the documented tolerance", async () => {
  const want = parseNpy(readFileSync(join(fixturesDir, "data", "chelsea.preprocessed.npy"))) as NdArray<Float32Array>;
  const got = await preprocessImage(join(repoRoot, "assets", "chelsea.jpg"));
  assert.deepEqual(got.shape, want.shape);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(want.data[i]! - got.data[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  // README: the same pixels as torchvision; only float rounding of the normalisation differs.
  assert.ok(max <= 1e-6, `max difference ${max}`);
  assert.ok(sum / want.data.length <= 1e-7, `mean difference ${sum / want.data.length}`);
});

test("Pillow-style resampling: identity, constant images, and Python's rounding of crop offsets", () => {
  const px = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 37) % 256);
  assert.deepEqual(resizeBilinearLikePillow(px, 5, 4, 3, 5, 4), px, "same size is the identity");
  const flat = new Uint8Array(9 * 7 * 3).fill(200);
  assert.ok(resizeBilinearLikePillow(flat, 9, 7, 3, 4, 3).every((v) => v === 200), "a constant image stays constant");
  assert.deepEqual([0.5, 1.5, 2.5, 16.5, 3.2, 3.7].map(roundHalfEven), [0, 2, 2, 16, 3, 4]);
});

test(".npy round trip, and malformed files are refused", () => {
  const a = { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
  const bytes = encodeNpy(a);
  assert.equal((bytes.length - a.data.byteLength) % 64, 0, "data aligned to 64 bytes");
  const b = parseNpy(bytes);
  assert.deepEqual(b.shape, [2, 3]);
  assert.deepEqual(Array.from(b.data as Float32Array), [1, 2, 3, 4, 5, 6]);
  assert.throws(() => parseNpy(Buffer.from("nope")), { code: "ERR_NPY_INVALID" });
  assert.throws(() => parseNpy(bytes.subarray(0, bytes.length - 4)), { code: "ERR_NPY_INVALID" });
  const complex = Buffer.from(bytes);
  complex.write("<c8", complex.indexOf("<f4"), "latin1");
  assert.throws(() => parseNpy(complex), /dtype <c8 is not supported/);
  const object = Buffer.from(bytes);
  object.write("|O8", object.indexOf("<f4"), "latin1");
  assert.throws(() => parseNpy(object), { code: "ERR_NPY_INVALID" });
});

test(".npy: every dtype numpy and onnxruntime share round-trips, big-endian files are swapped", () => {
  const cases: NdArray[] = [
    { dtype: "float64", shape: [3], data: Float64Array.from([1.5, -2, 1e300]) },
    { dtype: "float16", shape: [2], data: Uint16Array.from([0x3c00, 0xc000]) },
    { dtype: "int8", shape: [2], data: Int8Array.from([-128, 127]) },
    { dtype: "int16", shape: [1, 2], data: Int16Array.from([-300, 300]) },
    { dtype: "int32", shape: [2], data: Int32Array.from([-(2 ** 31), 7]) },
    { dtype: "int64", shape: [2], data: BigInt64Array.from([-(2n ** 63n), 2n ** 62n]) },
    { dtype: "uint8", shape: [2], data: Uint8Array.from([0, 255]) },
    { dtype: "uint16", shape: [2], data: Uint16Array.from([0, 65535]) },
    { dtype: "uint32", shape: [1], data: Uint32Array.from([2 ** 32 - 1]) },
    { dtype: "uint64", shape: [1], data: BigUint64Array.from([2n ** 64n - 1n]) },
    { dtype: "bool", shape: [3], data: Uint8Array.from([1, 0, 1]) },
    { dtype: "float32", shape: [], data: Float32Array.from([3]) },
  ];
  for (const a of cases) {
    const b = parseNpy(encodeNpy(a), a.dtype);
    assert.equal(b.dtype, a.dtype);
    assert.deepEqual(b.shape, a.shape);
    assert.deepEqual(Array.from(b.data as ArrayLike<number>), Array.from(a.data as ArrayLike<number>), a.dtype);
  }
  // numpy's '>i4' (big-endian): the same values after swapping.
  const little = encodeNpy({ dtype: "int32", shape: [2], data: Int32Array.from([1, -2]) });
  const big = Buffer.from(little);
  big.write(">i4", big.indexOf("<i4"), "latin1");
  const body = big.subarray(big.length - 8);
  for (let i = 0; i < 8; i += 4) body.subarray(i, i + 4).reverse();
  assert.deepEqual(Array.from(parseNpy(big).data as Int32Array), [1, -2]);
});

test("softmax and top-k", () => {
  const p = softmax([1, 2, 3]);
  assert.ok(Math.abs(p.reduce((s, v) => s + v, 0) - 1) < 1e-12);
  const top = topK([0.5, 3, -1, 2], 2, ["a", "b", "c", "d"]);
  assert.deepEqual(top.map((t) => t.label), ["b", "d"]);
  assert.ok(top[0]!.percent > top[1]!.percent);
  assert.equal(formatResult([{ index: 0, label: "tabby, tabby cat", percent: 41.5 }, { index: 1, label: "it's", percent: 1 }]), "('tabby, tabby cat', 41.5)\n(\"it's\", 1)\n");
});
