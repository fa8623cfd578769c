import { test } from "node:test";
import assert from "node:assert/strict";
import { PyDict, PyObject, PySet, TensorRef, unpickle } from "../../src/torch/index.js";
import type { PyValue } from "../../src/torch/index.js";
import { op, pickle, stateDict, tensorV2 } from "./pickle-builder.js";

function fails(data: Uint8Array, code: string, message: RegExp): void {
  assert.throws(() => unpickle(data), (e: Error & { code?: string }) => {
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

test("protocol 4 framing, memo, strings, ints, floats, containers", () => {
  const body = pickle(
    op.emptyDict, op.memoize,
    op.mark,
    ...op.shortStr("a"), op.memoize, ...op.int(300), // BININT
    ...op.str("b"), ...op.long1([0x00, 0x00, 0x00, 0x00, 0x01]), // 2**32
    ...op.shortStr("c"), ...op.float(-0.25),
    ...op.shortStr("d"), op.mark, op.true, op.false, op.none, op.tuple,
    ...op.shortStr("e"), op.emptyList, op.mark, ...op.int(1), ...op.int(2), op.appends,
    ...op.shortStr("f"), op.emptySet, op.mark, ...op.int(3), op.addItems,
    ...op.shortStr("g"), 0x68, 1, // BINGET 1 -> "a"
    ...op.shortStr("h"), ...op.long1([0xff]), // -1
    op.setitems,
    op.stop,
  );
  const { value } = unpickle(pickle(op.proto(4), ...op.frame(body.length), body));
  assert.ok(value instanceof PyDict);
  const get = (k: string): PyValue | undefined => value.get(k);
  assert.equal(get("a"), 300);
  assert.equal(get("b"), 2 ** 32);
  assert.equal(get("c"), -0.25);
  assert.deepEqual(get("d"), [true, false, null]);
  assert.ok(Object.isFrozen(get("d")));
  assert.deepEqual(get("e"), [1, 2]);
  assert.deepEqual((get("f") as PySet).items, [3]);
  assert.equal(get("g"), "a");
  assert.equal(get("h"), -1);
});

test("whole-module shape: NEWOBJ of an allowed class stays an inert record filled by BUILD", () => {
  const data = pickle(
    op.proto(2),
    ...op.global("torchvision.models.resnet", "ResNet"), op.emptyTuple, op.newobj,
    op.emptyDict, ...op.str("training"), op.true, op.setitem,
    op.build, op.stop,
  );
  const { value } = unpickle(data);
  assert.ok(value instanceof PyObject);
  assert.equal(value.__class__, "torchvision.models.resnet.ResNet");
  assert.equal((value.__state__ as PyDict).get("training"), true);
});

test("tensor rebuild records storage key, dtype, offset, size and stride", () => {
  const { value, storages } = unpickle(stateDict([
    ["a", tensorV2("0", 12, 2, [2, 3], [1, 2])],
    ["b", tensorV2("0", 12, 0, [4], [1])],
    ["c", tensorV2("1", 2, 0, [2], [1], "HalfStorage")],
  ]));
  const d = value as PyDict;
  const a = d.get("a") as TensorRef;
  assert.deepEqual([a.storage.key, a.dtype, a.offset, a.size, a.stride], ["0", "float32", 2, [2, 3], [1, 2]]);
  assert.equal((d.get("b") as TensorRef).storage, a.storage, "one storage object per key");
  assert.equal((d.get("c") as TensorRef).dtype, "float16");
  assert.deepEqual([...storages.keys()], ["0", "1"]);
});

const UNSAFE: Array<[string, string]> = [
  ["os", "system"],
  ["posix", "system"],
  ["nt", "system"],
  ["builtins", "eval"],
  ["__builtin__", "exec"],
  ["builtins", "getattr"],
  ["subprocess", "Popen"],
  ["torch", "load"],
  ["torch.serialization", "load"],
  ["torch._utils", "_rebuild_qtensor"],
  ["torchvision.ops", "nms"],
  ["torch.nn.modules.module", "__class__"],
  ["torch.nn.modules.x\nos", "System"],
  ["numpy.core.multiarray", "_reconstruct"],
];

for (const [module, name] of UNSAFE) {
  test(`global ${JSON.stringify(`${module}.${name}`)} is refused at GLOBAL and STACK_GLOBAL`, () => {
    const viaGlobal = pickle(op.proto(2), ...op.global(module, name), op.stop);
    if (!module.includes("\n")) fails(viaGlobal, "ERR_UNSAFE_PICKLE", /not on the allow-list; nothing was executed/);
    const viaStack = pickle(op.proto(4), ...op.shortStr(module), ...op.shortStr(name), op.stackGlobal, op.stop);
    fails(viaStack, "ERR_UNSAFE_PICKLE", /not on the allow-list/);
  });
}

test("REDUCE and NEWOBJ of things that may not be called are refused", () => {
  fails(pickle(op.proto(2), ...op.str("os.system"), op.emptyTuple, op.reduce, op.stop), "ERR_UNSAFE_PICKLE", /REDUCE of a string/);
  fails(pickle(op.proto(2), ...op.global("torch", "FloatStorage"), op.emptyTuple, op.reduce, op.stop), "ERR_UNSAFE_PICKLE", /may not be called/);
  fails(pickle(op.proto(2), ...op.global("torch._utils", "_rebuild_tensor_v2"), op.emptyTuple, op.newobj, op.stop), "ERR_UNSAFE_PICKLE", /not a class/);
  fails(pickle(op.proto(2), 0x82, 1, op.stop), "ERR_UNSAFE_PICKLE", /extension registry/);
});

test("malformed pickles give ERR_TORCH_INVALID", () => {
  fails(pickle(op.proto(2), 0xff), "ERR_TORCH_INVALID", /unsupported pickle opcode 0xff/);
  fails(pickle(op.proto(2), 0x49, ...Buffer.from("1\n"), op.stop), "ERR_TORCH_INVALID", /unsupported pickle opcode 0x49 \('I'\)/);
  fails(pickle(op.proto(2), op.tuple2, op.stop), "ERR_TORCH_INVALID", /stack underflow/);
  fails(pickle(op.proto(2), op.tuple, op.stop), "ERR_TORCH_INVALID", /MARK that was never set/);
  fails(pickle(op.proto(2), ...op.binget(9), op.stop), "ERR_TORCH_INVALID", /memo 9 .* never stored/);
  fails(pickle(op.proto(2), ...op.str("abc")).subarray(0, 6), "ERR_TORCH_INVALID", /pickle truncated/);
  fails(pickle(op.proto(2), op.none), "ERR_TORCH_INVALID", /without STOP/);
  fails(pickle(op.proto(2), op.none, op.none, op.stop), "ERR_TORCH_INVALID", /leaves 2 items/);
  fails(pickle(op.proto(9), op.none, op.stop), "ERR_TORCH_INVALID", /protocol 9/);
  fails(pickle(op.proto(2), op.none, op.none, op.setitem, op.stop), "ERR_TORCH_INVALID", /stack underflow/);
  fails(pickle(op.proto(2), ...op.int(1), op.none, op.none, op.setitem, op.stop), "ERR_TORCH_INVALID", /sets items on a number/);
  fails(pickle(op.proto(2), ...op.str("x"), op.binpersid, op.stop), "ERR_TORCH_INVALID", /persistent id is a string/);
  fails(stateDict([["w", tensorV2("../../etc/passwd", 1, 0, [1], [1])]]), "ERR_TORCH_INVALID", /invalid storage key/);
  fails(stateDict([["w", tensorV2("0", 4, 0, [2, 2], [1])]]), "ERR_TORCH_INVALID", /size has 2 dimensions but stride has 1/);
});

test("huge declared lengths fail on the bytes actually present, without allocating", () => {
  const len8 = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
  fails(pickle(op.proto(4), 0x8d, ...len8, op.stop), "ERR_TORCH_INVALID", /pickle truncated/); // BINUNICODE8
  fails(pickle(op.proto(4), 0x8e, ...len8, op.stop), "ERR_TORCH_INVALID", /pickle truncated/); // BINBYTES8
  fails(pickle(op.proto(4), 0x95, ...len8, op.none, op.stop), "ERR_TORCH_INVALID", /pickle truncated/); // FRAME
  fails(pickle(op.proto(2), 0x58, 0xff, 0xff, 0xff, 0xff, op.stop), "ERR_TORCH_INVALID", /pickle truncated/); // BINUNICODE
  fails(pickle(op.proto(2), 0x8b, 0xff, 0xff, 0xff, 0x7f, op.stop), "ERR_TORCH_LIMIT", /pickle integer of 2147483647 bytes/); // LONG4
});

test("deep nesting is bounded", () => {
  const marks = new Uint8Array(100_004).fill(op.mark);
  marks.set([0x80, 2], 0);
  marks[marks.length - 1] = op.stop;
  fails(marks, "ERR_TORCH_LIMIT", /nests deeper than 200 marks/);
  // 50,000 nested lists: the unpickler is a loop, not a recursion, so depth costs it nothing.
  const n = 50_000;
  const lists = new Uint8Array(2 + n + (n - 1) + 1);
  lists.set([0x80, 2], 0);
  lists.fill(op.emptyList, 2, 2 + n);
  lists.fill(op.append, 2 + n, 2 + n + n - 1);
  lists[lists.length - 1] = op.stop;
  let v = unpickle(lists).value;
  let depth = 0;
  while (Array.isArray(v) && v.length === 1) {
    v = v[0]!;
    depth++;
  }
  assert.equal(depth, n - 1);
});

test("private torchvision classes (_DenseBlock) are allowed as inert records", () => {
  const { value } = unpickle(pickle(op.proto(2), ...op.global("torchvision.models.densenet", "_DenseBlock"), op.emptyTuple, op.newobj, op.stop));
  assert.equal((value as PyObject).__class__, "torchvision.models.densenet._DenseBlock");
});
