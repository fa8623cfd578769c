import { test } from "node:test";
import assert from "node:assert/strict";
import { readTorchCheckpoint } from "../../src/torch/index.js";
import { f32bytes, scratch, torchZip } from "./helpers.js";
import { op, pickle, stateDict, tensorV2 } from "./pickle-builder.js";

const ordered = (items: number[][]): number[] => [
  ...op.global("collections", "OrderedDict"), op.emptyTuple, op.reduce,
  ...(items.length ? [op.mark, ...items.flat(), op.setitems] : []),
];

/** An inert nn.Module pickle: NEWOBJ, then BUILD with the `__dict__` torch would save. */
function module(cls: string, parts: { params?: Array<[string, number[]]>; buffers?: Array<[string, number[]]>; modules?: Array<[string, number[]]>; nonPersistent?: string[] }): number[] {
  const [mod, name] = [cls.slice(0, cls.lastIndexOf(".")), cls.slice(cls.lastIndexOf(".") + 1)];
  const kv = (xs: Array<[string, number[]]> = []): number[][] => xs.map(([k, v]) => [...op.str(k), ...v]);
  return [
    ...op.global(mod, name), op.emptyTuple, op.newobj,
    op.emptyDict, op.mark,
    ...op.str("training"), op.false,
    ...op.str("_parameters"), ...ordered(kv(parts.params)),
    ...op.str("_buffers"), ...ordered(kv(parts.buffers)),
    ...op.str("_non_persistent_buffers_set"), ...op.global("builtins", "set"), op.emptyList, op.mark, ...(parts.nonPersistent ?? []).flatMap((s) => op.str(s)), op.appends, op.tuple1, op.reduce,
    ...op.str("_modules"), ...ordered(kv(parts.modules)),
    op.setitems, op.build,
  ];
}

async function read(pkl: Uint8Array, storages: Record<string, Uint8Array>) {
  const s = scratch();
  try {
    return await readTorchCheckpoint(s.write("m.pt", torchZip(pkl, storages)));
  } finally {
    s.cleanup();
  }
}

const W = tensorV2("0", 4, 0, [2, 2], [2, 1]);
const B = tensorV2("0", 4, 2, [2], [1]);
const STORAGE = { "0": f32bytes([1, 2, 3, 4]) };

test("module walk: parameters, then persistent buffers, then submodules, with dotted names", async () => {
  const tree = module("torchvision.models.demo.Net", {
    modules: [
      ["features", module("torch.nn.modules.container.Sequential", {
        modules: [["0", module("torch.nn.modules.conv.Conv2d", { params: [["weight", W], ["bias", [op.none]]] })]],
      })],
      ["bn", module("torch.nn.modules.batchnorm.BatchNorm2d", { buffers: [["running_mean", B], ["scratch", B]], nonPersistent: ["scratch"] })],
    ],
  });
  const c = await read(pickle(op.proto(2), ...tree, op.stop), STORAGE);
  assert.equal(c.kind, "module");
  assert.equal(c.className, "torchvision.models.demo.Net");
  assert.deepEqual(c.names, ["features.0.weight", "bn.running_mean"]);
  assert.deepEqual(Array.from(c.tensors.get("bn.running_mean")!.data), [3, 4]);
});

test("state dicts nested under common keys, and DataParallel's module. prefix", async () => {
  const inner = stateDict([["module.fc.weight", W]]);
  const wrapped = pickle(op.proto(2), op.emptyDict, ...op.str("epoch"), ...op.int(3), op.setitem, ...op.str("state_dict"), ...inner.subarray(2, -1), op.setitem, op.stop);
  const c = await read(wrapped, STORAGE);
  assert.equal(c.kind, "state_dict");
  assert.deepEqual(c.names, ["fc.weight"]);
  const withModule = pickle(op.proto(2), op.emptyDict, ...op.str("model"), ...module("torchvision.models.demo.Net", { params: [["w", W]] }), op.setitem, op.stop);
  const m = await read(withModule, STORAGE);
  assert.equal(m.kind, "module");
  assert.deepEqual(m.names, ["w"]);
});

test("a shared-subtree pickle cannot blow up the walk exponentially", async () => {
  // Level k holds level k-1 twice; 60 levels would be 2^60 visits without a bound.
  const parts: number[] = [...module("torch.nn.modules.linear.Identity", {}), ...op.binput(0), op.pop];
  for (let k = 1; k <= 60; k++) {
    parts.push(...module("torch.nn.modules.container.Sequential", { modules: [["a", op.binget(k - 1)], ["b", op.binget(k - 1)]] }), ...op.binput(k));
    if (k < 60) parts.push(op.pop);
  }
  const t0 = Date.now();
  await assert.rejects(read(pickle(op.proto(2), ...parts, op.stop), {}), { code: "ERR_TORCH_LIMIT" });
  assert.ok(Date.now() - t0 < 10_000);
});

test("a module that contains itself hits the depth limit", async () => {
  const cyc = pickle(
    op.proto(2),
    ...op.global("torch.nn.modules.container", "Sequential"), op.emptyTuple, op.newobj, ...op.binput(0),
    op.emptyDict, ...op.str("_modules"), ...ordered([[...op.str("self"), ...op.binget(0)]]), op.setitem, op.build,
    op.stop,
  );
  await assert.rejects(read(cyc, {}), { code: "ERR_TORCH_LIMIT", message: /module tree deeper than 200 levels/ });
});

test("checkpoints without weights are refused clearly", async () => {
  await assert.rejects(read(pickle(op.proto(2), ...op.int(5), op.stop), {}), { code: "ERR_TORCH_UNSUPPORTED", message: /holds a number, not a state dict or an nn.Module/ });
  await assert.rejects(read(pickle(op.proto(2), op.emptyDict, ...op.str("lr"), ...op.int(1), op.setitem, op.stop), {}), { code: "ERR_TORCH_UNSUPPORTED", message: /keys: lr/ });
});
