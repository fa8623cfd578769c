import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openTorchArchive, readTorchCheckpoint } from "../../src/torch/index.js";
import { HOSTILE, buildZip, f32bytes, scratch, torchZip } from "./helpers.js";
import { op, stateDict } from "./pickle-builder.js";

interface Expected {
  shape: number[];
  dtype: string;
  values: number[];
}

const VIEWS = join(HOSTILE, "views.pth");
const want = JSON.parse(readFileSync(join(HOSTILE, "views.expected.json"), "utf8")) as Record<string, Expected>;

test("views: strides, offsets, stride-0 expansion, fp16/bf16/fp64 conversion and int64 match torch", async () => {
  const c = await readTorchCheckpoint(VIEWS);
  assert.deepEqual(c.names, Object.keys(want));
  for (const [name, w] of Object.entries(want)) {
    if (w.dtype === "int64") {
      const t = c.int64Buffers.get(name)!;
      assert.deepEqual(t.dims, w.shape, name);
      assert.deepEqual(Array.from(t.data, Number), w.values, name);
      continue;
    }
    const t = c.tensors.get(name);
    assert.ok(t, name);
    assert.deepEqual(t.dims, w.shape, name);
    assert.deepEqual(Array.from(t.data), w.values, `${name} (${w.dtype})`);
  }
});

test("views: two contiguous views of one storage share its buffer; strided ones are copies", async () => {
  const c = await readTorchCheckpoint(VIEWS);
  const a = c.tensors.get("shared_a")!.data;
  const b = c.tensors.get("shared_b")!.data;
  assert.equal(a.buffer, b.buffer);
  assert.equal(b.byteOffset, 4 * 4);
  assert.notEqual(c.tensors.get("transposed")!.data.buffer, c.tensors.get("row")!.data.buffer);
});

test("deflated entries and any top-folder name read the same as torch's stored layout", async () => {
  const s = scratch();
  try {
    const src = await openTorchArchive(VIEWS);
    const names = ["data.pkl", "version", ...Array.from({ length: 16 }, (_, i) => `data/${i}`)].filter((n) => src.size(n) !== undefined);
    const specs = [];
    for (const n of names) specs.push({ name: `some model.v2/${n}`, data: await src.read(n), deflate: true });
    await src.close();
    const copy = s.write("deflated.pth", buildZip(specs));
    const a = await readTorchCheckpoint(VIEWS);
    const b = await readTorchCheckpoint(copy);
    assert.deepEqual(b.names, a.names);
    for (const [k, t] of a.tensors) assert.deepEqual(b.tensors.get(k), t, k);
    assert.deepEqual(b.int64Buffers, a.int64Buffers);
  } finally {
    s.cleanup();
  }
});

test("newer torch rebuilds: _rebuild_tensor_v3 on an untyped storage, _rebuild_from_type_v2, _rebuild_parameter_with_state", async () => {
  const hooks = [...op.global("collections", "OrderedDict"), op.emptyTuple, op.reduce];
  const pid = (key: string, type: [string, string], numel: number): number[] => [
    op.mark, ...op.str("storage"), ...op.global(...type), ...op.str(key), ...op.str("cpu"), ...op.int(numel), op.tuple, op.binpersid,
  ];
  const tup = (xs: number[]): number[] => [op.mark, ...xs.flatMap((x) => op.int(x)), op.tuple];
  // v3: storage is untyped bytes, the dtype comes as torch.float16; a [2, 2] transposed view.
  const v3 = [
    ...op.global("torch._utils", "_rebuild_tensor_v3"), op.mark,
    ...pid("0", ["torch.storage", "UntypedStorage"], 8), ...op.int(0), ...tup([2, 2]), ...tup([1, 2]), op.false, ...hooks, ...op.global("torch", "float16"),
    op.tuple, op.reduce,
  ];
  const v2args = [op.mark, ...pid("1", ["torch", "FloatStorage"], 3), ...op.int(1), ...tup([2]), ...tup([1]), op.false, ...hooks, op.tuple];
  const fromType = [
    ...op.global("torch._tensor", "_rebuild_from_type_v2"), op.mark,
    ...op.global("torch._utils", "_rebuild_tensor_v2"), ...op.global("torch", "Tensor"), ...v2args, op.emptyDict, op.tuple, op.reduce,
  ];
  const param = [...op.global("torch._utils", "_rebuild_parameter_with_state"), op.mark, ...fromType, op.true, ...hooks, op.emptyDict, op.tuple, op.reduce];
  const half = new Uint16Array([0x3c00, 0x4000, 0xc200, 0x3800]); // 1, 2, -3, 0.5
  const s = scratch();
  try {
    const p = s.write("v3.pth", torchZip(stateDict([["h", v3], ["p", param]]), { "0": new Uint8Array(half.buffer), "1": f32bytes([9, 8, 7]) }));
    const c = await readTorchCheckpoint(p);
    assert.deepEqual(Array.from(c.tensors.get("h")!.data), [1, -3, 2, 0.5]);
    assert.deepEqual(Array.from(c.tensors.get("p")!.data), [8, 7]);
  } finally {
    s.cleanup();
  }
});
