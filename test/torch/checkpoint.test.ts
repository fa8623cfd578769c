import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readTorchCheckpoint } from "../../src/torch/index.js";
import type { TorchCheckpoint } from "../../src/torch/index.js";
import { EXPECTED, TORCH_FIXTURES } from "./helpers.js";

interface Expected {
  shape: number[];
  dtype: string;
  sum: number;
  abs_sum: number;
  samples: Array<[number, number]>;
}

/** Whole-module files: squeezenet1_1 as PyTorch saved it, mobilenet_v3_small cast to float16 (a leaner fixture). */
const MODULES = {
  squeezenet1_1: { file: "squeezenet1_1.pt", className: "torchvision.models.squeezenet.SqueezeNet" },
  mobilenet_v3_small: { file: "mobilenet_v3_small.half.pt", className: "torchvision.models.mobilenetv3.MobileNetV3" },
} as const;

function expected(model: string): Map<string, Expected> {
  const json = JSON.parse(readFileSync(join(EXPECTED, `${model}.json`), "utf8")) as Record<string, Expected>;
  return new Map(Object.entries(json));
}

function values(c: TorchCheckpoint, name: string): { dims: number[]; data: ArrayLike<number> } {
  const f = c.tensors.get(name);
  if (f) return f;
  const i = c.int64Buffers.get(name);
  assert.ok(i, `missing tensor ${name}`);
  return { dims: i.dims, data: Array.from(i.data, Number) };
}

test("squeezenet1_1: .pth (state dict) and .pt (whole module) give identical tensors", async () => {
  const sd = await readTorchCheckpoint(join(TORCH_FIXTURES, "squeezenet1_1.pth"));
  const mod = await readTorchCheckpoint(join(TORCH_FIXTURES, "squeezenet1_1.pt"));
  assert.equal(sd.kind, "state_dict");
  assert.equal(sd.className, undefined);
  assert.equal(mod.kind, "module");
  assert.equal(mod.className, MODULES.squeezenet1_1.className);
  assert.deepEqual(mod.names, sd.names);
  assert.deepEqual([...mod.tensors.keys()], [...sd.tensors.keys()]);
  assert.deepEqual([...mod.int64Buffers.keys()], [...sd.int64Buffers.keys()]);
  for (const [name, t] of sd.tensors) {
    const other = mod.tensors.get(name)!;
    assert.deepEqual(other.dims, t.dims, name);
    assert.ok(Buffer.from(other.data.buffer, other.data.byteOffset, other.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), name);
  }
  for (const [name, t] of sd.int64Buffers) assert.deepEqual(mod.int64Buffers.get(name), t, name);
});

for (const [model, { file, className }] of Object.entries(MODULES)) {
  test(`${model}: names, shapes and values match torchvision's state_dict (dumped by Python)`, async () => {
    const want = expected(model);
    const got = await readTorchCheckpoint(join(TORCH_FIXTURES, file));
    assert.equal(got.kind, "module");
    assert.equal(got.className, className);
    assert.deepEqual(got.names, [...want.keys()]);
    for (const [name, w] of want) {
      const t = values(got, name);
      assert.deepEqual(t.dims, w.shape, name);
      assert.equal(w.dtype === "int64", got.int64Buffers.has(name), `${name} dtype ${w.dtype}`);
      let sum = 0;
      let abs = 0;
      for (let i = 0; i < t.data.length; i++) {
        sum += t.data[i]!;
        abs += Math.abs(t.data[i]!);
      }
      assert.ok(Math.abs(sum - w.sum) <= 1e-9 * w.abs_sum + 1e-12, `${name}: sum ${sum} vs ${w.sum}`);
      assert.ok(Math.abs(abs - w.abs_sum) <= 1e-9 * w.abs_sum + 1e-12, `${name}: abs sum ${abs} vs ${w.abs_sum}`);
      for (const [i, v] of w.samples) assert.equal(t.data[i], v, `${name}[${i}]`);
    }
  });
}

test("float32 tensors of a stored checkpoint are zero-copy views on their storage", async () => {
  const c = await readTorchCheckpoint(join(TORCH_FIXTURES, "squeezenet1_1.pth"));
  const w = c.tensors.get("features.0.weight")!;
  assert.equal(w.data.byteLength, 64 * 3 * 3 * 3 * 4);
  assert.equal(w.data.buffer.byteLength, w.data.byteLength);
  assert.deepEqual(Array.from(w.data.subarray(0, 3)), [0.35232090950012207, 0.17721715569496155, -0.2767699956893921]);
});
