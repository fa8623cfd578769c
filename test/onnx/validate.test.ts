import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { attr, GraphBuilder } from "../../src/onnx/builder.js";
import { decodeModel, encodeModel } from "../../src/onnx/codec.js";
import { SparseTensorProtoSchema } from "../../src/onnx/gen/onnx_pb.js";
import { create, DataType, type ModelProto, type NodeProto } from "../../src/onnx/proto.js";
import { floatTensor, int64Tensor } from "../../src/onnx/tensor.js";
import { validateModel } from "../../src/onnx/validate.js";
import { buildZoo } from "../../src/zoo/index.js";
import { expectCliFailure, fixturesDir, tempDir } from "../helpers/index.js";

/**
 * What onnxruntime divides or indexes by is checked before it sees a model (issue 7, defect 3):
 * each malformed attribute is ERR_ONNX_INVALID naming the node and the attribute.
 */
const squeezenet = readFileSync(join(fixturesDir, "torch", "squeezenet1_1.onnx"));
const dir = tempDir();
after(() => dir.cleanup());

function mutant(edit: (m: ModelProto, nodes: (op: string, k?: number) => NodeProto) => void): Uint8Array {
  const m = decodeModel(Buffer.from(squeezenet));
  const nodes = (op: string, k = 0) => m.graph!.node.filter((n) => n.opType === op)[k]!;
  edit(m, nodes);
  return encodeModel(m);
}

function setInts(n: NodeProto, name: string, values: number[]): void {
  n.attribute = n.attribute.filter((a) => a.name !== name).concat(attr.ints(name, values));
}

function setInt(n: NodeProto, name: string, value: number): void {
  n.attribute = n.attribute.filter((a) => a.name !== name).concat(attr.int(name, value));
}

const cases: [string, (m: ModelProto, nodes: (op: string, k?: number) => NodeProto) => void, RegExp][] = [
  ["a zero stride", (_, n) => setInts(n("Conv"), "strides", [0, 1]), /node '.*Conv' \('Conv'\): attribute strides holds \[0, 1\]/],
  ["a zero dilation", (_, n) => setInts(n("Conv", 3), "dilations", [1, 0]), /attribute dilations/],
  ["an empty kernel", (_, n) => setInts(n("MaxPool"), "kernel_shape", [0, 3]), /attribute kernel_shape holds \[0, 3\]/],
  ["a negative pad", (_, n) => setInts(n("Conv"), "pads", [-1, 0, 0, 0]), /attribute pads .* negative/],
  ["group 0", (_, n) => setInt(n("Conv", 2), "group", 0), /attribute group is 0/],
  ["a group that does not divide the channels", (_, n) => setInt(n("Conv"), "group", 3), /attribute group is 3/],
  ["a kernel_shape that disagrees with the weight", (_, n) => setInts(n("Conv"), "kernel_shape", [1, 1]), /attribute kernel_shape is \[1, 1\] but the weight/],
  ["a window larger than its input (the SIGFPE)", (_, n) => setInts(n("MaxPool", 1), "strides", [64, 2]), /'\/features\/features\.8\/MaxPool' .*attribute kernel_shape makes an empty output/],
  ["a stride of 2^62 (found by the fuzzer: exact shape arithmetic threw ERR_INTERNAL)", (_, n) => setInts(n("Conv"), "strides", [1, 2 ** 62]), /attribute strides holds .*; at most 2147483647/],
  ["a Concat axis of 2^31 (found by the fuzzer: shape inference hung)", (_, n) => setInt(n("Concat"), "axis", 2 ** 31), /Concat.*attribute axis is 2147483648/],
  ["a pool pad as large as the kernel", (_, n) => setInts(n("MaxPool"), "pads", [3, 0, 0, 0]), /attribute pads holds 3/],
  ["a Concat axis beyond the rank", (_, n) => setInt(n("Concat"), "axis", 9), /Concat.*attribute axis is 9/],
  ["a Flatten axis beyond the rank", (_, n) => setInt(n("Flatten"), "axis", 5), /attribute axis is 5/],
  ["an initializer shorter than its dims", (m) => { const t = m.graph!.initializer[0]!; t.rawData = t.rawData.subarray(4); }, /initializer '.*' holds \d+ bytes, its dims and type need/],
  ["a negative dim", (m) => { m.graph!.initializer[0]!.dims[0] = -4n; }, /negative dimension/],
  ["an element type ONNX does not define", (m) => { m.graph!.initializer[0]!.dataType = 99; }, /element type 99/],
  ["swapped Conv inputs", (_, n) => { const c = n("Conv", 1); [c.input[0], c.input[1]] = [c.input[1]!, c.input[0]!]; }, /attribute kernel_shape is \[1, 1\] but the weight.s spatial dims are \[55, 55\]/],
];

for (const [what, edit, message] of cases) {
  test(`refused: ${what}`, () => {
    const bytes = mutant(edit);
    assert.throws(() => decodeModel(bytes), (e: Error & { code?: string }) => e.code === "ERR_ONNX_INVALID" && message.test(e.message) && !e.message.includes("\n"));
  });
}

test("small graphs: Transpose perm, Unsqueeze axes, LRN size, DepthToSpace blocksize, sparse indices", () => {
  const build = (op: string, attrs: ReturnType<typeof attr.int>[], dims = [1, 8, 4, 4]) => {
    const g = new GraphBuilder("g");
    g.input("x", DataType.FLOAT, dims);
    g.node(op, ["x"], attrs, { outputs: ["y"], name: "n" });
    g.output("y", DataType.FLOAT, dims);
    return g.build({ opset: 11 });
  };
  const refused = (m: ModelProto, re: RegExp) => assert.throws(() => validateModel(m), (e: Error & { code?: string }) => e.code === "ERR_ONNX_INVALID" && re.test(e.message));
  refused(build("Transpose", [attr.ints("perm", [0, 1, 1, 3])]), /attribute perm is \[0, 1, 1, 3\]/);
  refused(build("Unsqueeze", [attr.ints("axes", [7])]), /attribute axes holds 7/);
  refused(build("LRN", [attr.int("size", 0)]), /attribute size is 0/);
  refused(build("DepthToSpace", [attr.int("blocksize", 3)]), /attribute blocksize is 3/);
  validateModel(build("Transpose", [attr.ints("perm", [0, 2, 3, 1])]));
  validateModel(build("DepthToSpace", [attr.int("blocksize", 2)]));
  const m = build("Relu", []);
  m.graph!.sparseInitializer.push(create(SparseTensorProtoSchema, { values: floatTensor("s", [2], Float32Array.from([1, 2])), indices: int64Tensor("s_i", [2], [0, 9]), dims: [2n, 2n] }));
  refused(m, /sparse initializer 's': index 9 is out of bounds/);
});

test("no false alarm: every committed model and the zoo pass", () => {
  for (const set of ["torch", "graphs"]) {
    for (const f of readdirSync(join(fixturesDir, set)).filter((f) => f.endsWith(".onnx"))) decodeModel(readFileSync(join(fixturesDir, set, f)));
  }
  for (const name of ["alexnet", "squeezenet1_1", "mobilenet_v3_small", "resnet50"] as const) validateModel(buildZoo(name, 0));
});

test("through the CLI: the model that killed onnxruntime with SIGFPE is refused cleanly", () => {
  const path = join(dir.path, "sigfpe.onnx");
  writeFileSync(path, mutant((_, n) => setInts(n("MaxPool", 1), "strides", [64, 2])));
  const out = join(dir.path, "out.npy");
  const r = expectCliFailure(["run", path, "--input", join(fixturesDir, "torch", "squeezenet1_1.input.npy"), "--output", out], "ERR_ONNX_INVALID", { outputs: [out] });
  assert.match(r.stderr, /features\.8\/MaxPool.*kernel_shape/);
  expectCliFailure(["split", path, "--parts", "2", "-o", join(dir.path, "parts")], "ERR_ONNX_INVALID", { outputs: [join(dir.path, "parts")] });
});
