import assert from "node:assert/strict";
import { test } from "node:test";
import { attr, GraphBuilder } from "../../src/onnx/builder.js";
import { create, DataType, type AttributeProto, type TensorProto, ValueInfoProtoSchema } from "../../src/onnx/proto.js";
import { floatTensor, int64Tensor } from "../../src/onnx/tensor.js";
import { checkAgainstOrt } from "../helpers/shape-oracle.js";

/**
 * One operator at a time, on an input [N, C, H, W] with every dim but C symbolic: the inferred
 * shapes, evaluated at two assignments of odd and even sizes, must be what onnxruntime makes.
 */
interface Case {
  name: string;
  opset?: number;
  channels?: number;
  /** Builds the nodes after the input `x`; returns the tensors to check (the last one is the graph output). */
  build(b: GraphBuilder, x: string): void;
}

const f32 = (name: string, dims: number[], fill = 0.1) => floatTensor(name, dims, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(fill));
const i64 = (name: string, values: number[], dims = [values.length]) => int64Tensor(name, dims, values);
const init = (b: GraphBuilder, t: TensorProto) => b.initializer(t);
const op = (b: GraphBuilder, type: string, inputs: string[], attrs: AttributeProto[] = [], outputs = 1) => b.node(type, inputs, attrs, { outputs });

const conv = (attrs: AttributeProto[], k = 3, cout = 4, group = 1): Case["build"] => (b, x) => {
  op(b, "Conv", [x, init(b, f32(`w${b.nodes.length}`, [cout, 4 / group, k, k]))], attrs);
};

const CASES: Case[] = [
  { name: "Conv pads, stride 2", build: conv([attr.ints("pads", [1, 1, 1, 1]), attr.ints("strides", [2, 2])]) },
  { name: "Conv asymmetric pads, stride 3, dilation 2", build: conv([attr.ints("pads", [0, 2, 1, 0]), attr.ints("strides", [3, 2]), attr.ints("dilations", [2, 1])]) },
  { name: "Conv auto_pad SAME_UPPER stride 2", build: conv([attr.string("auto_pad", "SAME_UPPER"), attr.ints("strides", [2, 2])]) },
  { name: "Conv auto_pad VALID stride 2", build: conv([attr.string("auto_pad", "VALID"), attr.ints("strides", [2, 2])]) },
  { name: "Conv grouped 1x1", build: conv([attr.int("group", 2)], 1, 6, 2) },
  {
    name: "ConvTranspose stride 2, output_padding, pads",
    build: (b, x) => op(b, "ConvTranspose", [x, init(b, f32("wt", [4, 3, 3, 3]))], [attr.ints("strides", [2, 2]), attr.ints("pads", [1, 1, 1, 1]), attr.ints("output_padding", [1, 0])]),
  },
  ...[
    [0, 0, 0, 0],
    [1, 1, 1, 1],
    [0, 0, 1, 1],
    [1, 0, 0, 0],
  ].map((pads): Case => ({
    name: `MaxPool 3x3 stride 2 ceil_mode pads ${pads.join(",")}`,
    build: (b, x) => op(b, "MaxPool", [x], [attr.ints("kernel_shape", [3, 3]), attr.ints("strides", [2, 2]), attr.ints("pads", pads), attr.int("ceil_mode", 1)]),
  })),
  { name: "MaxPool 2x2 ceil_mode stride 2 pads 1", build: (b, x) => op(b, "MaxPool", [x], [attr.ints("kernel_shape", [2, 2]), attr.ints("strides", [2, 2]), attr.ints("pads", [1, 1, 1, 1]), attr.int("ceil_mode", 1)]) },
  { name: "AveragePool count_include_pad", build: (b, x) => op(b, "AveragePool", [x], [attr.ints("kernel_shape", [3, 2]), attr.ints("strides", [1, 2]), attr.ints("pads", [1, 0, 1, 0]), attr.int("count_include_pad", 1)]) },
  { name: "GlobalAveragePool, Flatten", build: (b, x) => op(b, "Flatten", [op(b, "GlobalAveragePool", [x])[0]!]) },
  ...[0, 2, -1].map((axis): Case => ({ name: `Flatten axis ${axis}`, build: (b, x) => op(b, "Flatten", [x], [attr.int("axis", axis)]) })),
  { name: "Shape -> Gather -> Unsqueeze -> Concat -> Reshape (opset 11)", opset: 11, build: (b, x) => {
    const shape = op(b, "Shape", [x])[0]!;
    const batch = op(b, "Gather", [shape, init(b, i64("zero", [0], []))], [attr.int("axis", 0)])[0]!;
    const u = op(b, "Unsqueeze", [batch], [attr.ints("axes", [0])])[0]!;
    const target = op(b, "Concat", [u, init(b, i64("minus1", [-1]))], [attr.int("axis", 0)])[0]!;
    op(b, "Reshape", [x, target]);
  } },
  { name: "Reshape with 0 and -1", build: (b, x) => op(b, "Reshape", [x, init(b, i64("target", [0, 0, -1]))]) },
  { name: "Shape -> Slice -> Concat -> Reshape (merge H and W)", build: (b, x) => {
    const shape = op(b, "Shape", [x])[0]!;
    const head = op(b, "Slice", [shape, init(b, i64("s0", [0])), init(b, i64("s2", [2]))])[0]!;
    op(b, "Reshape", [x, op(b, "Concat", [head, init(b, i64("m1", [-1]))], [attr.int("axis", 0)])[0]!]);
  } },
  { name: "Transpose to NHWC", build: (b, x) => op(b, "Transpose", [x], [attr.ints("perm", [0, 2, 3, 1])]) },
  { name: "Unsqueeze (input axes), Squeeze (input axes)", build: (b, x) => op(b, "Squeeze", [op(b, "Unsqueeze", [x, init(b, i64("ax", [0, -1]))])[0]!, init(b, i64("ax2", [0]))]) },
  { name: "Concat along H", build: (b, x) => op(b, "Concat", [x, op(b, "Relu", [x])[0]!], [attr.int("axis", 2)]) },
  { name: "Split along H into 3 equal (opset 18)", opset: 18, build: (b, x) => op(b, "Split", [x], [attr.int("axis", 2), attr.int("num_outputs", 3)], 3) },
  { name: "Split by attribute sizes (opset 11)", opset: 11, build: (b, x) => op(b, "Split", [x], [attr.int("axis", 1), attr.ints("split", [1, 3])], 2) },
  { name: "Slice attributes (opset 9): crop 1:-1 and to the end", opset: 9, build: (b, x) => op(b, "Slice", [x], [attr.ints("starts", [1, 2]), attr.ints("ends", [-1, 2147483647]), attr.ints("axes", [2, 3])]) },
  { name: "Slice inputs: steps, negative start, INT64_MAX end", build: (b, x) => op(b, "Slice", [x, init(b, i64("st", [-5, 1])), init(b, i64("en", [Number.MAX_SAFE_INTEGER, 1 << 30])), init(b, i64("axs", [2, 3])), init(b, i64("stp", [1, 3]))]) },
  { name: "Slice fixed window 2:9 (clamped on small inputs)", build: (b, x) => op(b, "Slice", [x, init(b, i64("st", [2])), init(b, i64("en", [9])), init(b, i64("axs", [3]))]) },
  { name: "Slice reversed (step -1) and every other from the end", build: (b, x) => op(b, "Slice", [x, init(b, i64("st", [-1, -2])), init(b, i64("en", [-(2 ** 40), 0])), init(b, i64("axs", [2, 3])), init(b, i64("stp", [-1, -2]))]) },
  { name: "Gather along W with a vector of indices", build: (b, x) => op(b, "Gather", [x, init(b, i64("idx", [0, 0, 0]))], [attr.int("axis", 3)]) },
  { name: "Gather a scalar along H", build: (b, x) => op(b, "Gather", [x, init(b, i64("idx0", [0], []))], [attr.int("axis", 2)]) },
  { name: "Pad attributes (opset 9), reflect", opset: 9, build: (b, x) => op(b, "Pad", [x], [attr.ints("pads", [0, 0, 1, 2, 0, 0, 1, 2]), attr.string("mode", "reflect")]) },
  { name: "Pad input with negative pads (crop)", build: (b, x) => op(b, "Pad", [x, init(b, i64("pads", [0, 0, 1, -1, 0, 0, 2, -1]))]) },
  { name: "Upsample scales input (opset 9)", opset: 9, build: (b, x) => op(b, "Upsample", [x, init(b, floatTensor("sc", [4], new Float32Array([1, 1, 2, 3])))]) },
  { name: "Resize scales (opset 10): 0.5 and 1.5", opset: 10, build: (b, x) => op(b, "Resize", [x, init(b, floatTensor("sc", [4], new Float32Array([1, 1, 0.5, 1.5])))]) },
  { name: "Resize roi + scales (opset 11): 1/3 and 2", opset: 11, build: (b, x) => op(b, "Resize", [x, init(b, floatTensor("roi", [0], new Float32Array())), init(b, floatTensor("sc", [4], new Float32Array([1, 1, 1 / 3, 2])))], [attr.string("mode", "nearest")]) },
  { name: "Resize to the size of another tensor (opset 13 sizes)", build: (b, x) => {
    const small = op(b, "MaxPool", [x], [attr.ints("kernel_shape", [2, 2]), attr.ints("strides", [2, 2])])[0]!;
    const sizes = op(b, "Shape", [x])[0]!;
    op(b, "Resize", [small, "", "", sizes], [attr.string("mode", "nearest")]);
  } },
  { name: "Add broadcasting an upsampled map onto a strided one (FPN)", build: (b, x) => {
    const s2 = op(b, "MaxPool", [x], [attr.ints("kernel_shape", [1, 1]), attr.ints("strides", [2, 2])])[0]!;
    const s4 = op(b, "MaxPool", [s2], [attr.ints("kernel_shape", [1, 1]), attr.ints("strides", [2, 2])])[0]!;
    const up = op(b, "Resize", [s4, "", init(b, floatTensor("sc", [4], new Float32Array([1, 1, 2, 2])))], [attr.string("mode", "nearest")])[0]!;
    const cropped = op(b, "Slice", [up, init(b, i64("z", [0, 0])), op(b, "Slice", [op(b, "Shape", [s2])[0]!, init(b, i64("a", [2])), init(b, i64("e", [4]))])[0]!, init(b, i64("ax", [2, 3]))])[0]!;
    op(b, "Add", [s2, cropped]);
  } },
  { name: "Expand with Where(Equal(shape, -1)) (PyTorch expand)", build: (b, x) => {
    const n = op(b, "Unsqueeze", [op(b, "Gather", [op(b, "Shape", [x])[0]!, init(b, i64("i0", [0], []))])[0]!, init(b, i64("a0", [0]))])[0]!;
    const target = op(b, "Concat", [n, init(b, i64("rest", [-1, -1]))], [attr.int("axis", 0)])[0]!;
    const ones = op(b, "ConstantOfShape", [op(b, "Shape", [target])[0]!], [attr.tensor("value", i64("one", [1], [1]))])[0]!;
    const minus = op(b, "Mul", [ones, init(b, i64("m1", [-1], []))])[0]!;
    const fixed = op(b, "Where", [op(b, "Equal", [target, minus])[0]!, ones, target])[0]!;
    op(b, "Expand", [init(b, f32("token", [1, 1, 5])), fixed]);
  } },
  { name: "Tile by known repeats", build: (b, x) => op(b, "Tile", [x, init(b, i64("reps", [1, 2, 1, 3]))]) },
  { name: "ReduceMean axes attribute keepdims 0", opset: 13, build: (b, x) => op(b, "ReduceMean", [x], [attr.ints("axes", [2, 3]), attr.int("keepdims", 0)]) },
  { name: "ReduceSum axes input", build: (b, x) => op(b, "ReduceSum", [x, init(b, i64("ra", [1]))]) },
  { name: "ReduceMax over all axes", build: (b, x) => op(b, "ReduceMax", [x], [attr.int("keepdims", 0)]) },
  { name: "ArgMax keepdims 0", build: (b, x) => op(b, "ArgMax", [x], [attr.int("axis", 1), attr.int("keepdims", 0)]) },
  { name: "TopK along W", build: (b, x) => op(b, "TopK", [x, init(b, i64("k", [2]))], [attr.int("axis", 3)], 2) },
  { name: "DepthToSpace then SpaceToDepth", build: (b, x) => op(b, "SpaceToDepth", [op(b, "DepthToSpace", [x], [attr.int("blocksize", 2)])[0]!], [attr.int("blocksize", 2)]) },
  { name: "MatMul batched against a weight", build: (b, x) => op(b, "MatMul", [op(b, "Transpose", [x], [attr.ints("perm", [0, 2, 3, 1])])[0]!, init(b, f32("mw", [4, 5]))]) },
  { name: "Gemm on a flattened map (transB)", build: (b, x) => op(b, "Gemm", [op(b, "Flatten", [op(b, "GlobalMaxPool", [x])[0]!])[0]!, init(b, f32("gw", [6, 4])), init(b, f32("gb", [6]))], [attr.int("transB", 1)]) },
  { name: "Einsum nchw,c->nhw", build: (b, x) => op(b, "Einsum", [x, init(b, f32("ev", [4]))], [attr.string("equation", "nchw,c->nhw")]) },
  { name: "Range over H", build: (b, x) => op(b, "Range", [init(b, i64("r0", [1], [])), op(b, "Gather", [op(b, "Shape", [x])[0]!, init(b, i64("i2", [2], []))])[0]!, init(b, i64("r2", [2], []))]) },
  { name: "Size, Cast, Div on shape values", build: (b, x) => {
    const size = op(b, "Size", [x])[0]!;
    const h = op(b, "Gather", [op(b, "Shape", [x])[0]!, init(b, i64("i2", [2], []))])[0]!;
    const q = op(b, "Div", [size, h])[0]!;
    op(b, "Reshape", [x, op(b, "Concat", [op(b, "Unsqueeze", [h, init(b, i64("u", [0]))])[0]!, op(b, "Unsqueeze", [q, init(b, i64("u2", [0]))])[0]!], [attr.int("axis", 0)])[0]!]);
  } },
  { name: "NonZero (a data-dependent count)", build: (b, x) => op(b, "NonZero", [x]) },
  { name: "LayerNormalization over W, Dropout, Softmax", build: (b, x) => op(b, "Softmax", [op(b, "Dropout", [op(b, "LayerNormalization", [x, init(b, f32("lw", [1])), init(b, f32("lb", [1]))], [attr.int("axis", -1)])[0]!])[0]!], [attr.int("axis", 1)]) },
  { name: "BatchNormalization, HardSigmoid, HardSwish, Clip", build: (b, x) => op(b, "Clip", [op(b, "HardSwish", [op(b, "HardSigmoid", [op(b, "BatchNormalization", [x, ...["s", "bb", "mm", "vv"].map((n) => init(b, f32(n, [4], 0.5)))])[0]!])[0]!])[0]!]) },
  { name: "Where and comparisons broadcast", build: (b, x) => op(b, "Where", [op(b, "Greater", [x, init(b, f32("thr", [1, 1, 1, 1]))])[0]!, x, init(b, f32("zeros", [4, 1, 1]))]) },
];

const SIZES = [
  { N: 1, H: 13, W: 18 },
  { N: 2, H: 20, W: 7 },
];

test(`shape rules agree with onnxruntime for ${CASES.length} operator cases at two input sizes`, async () => {
  const failures: string[] = [];
  let compared = 0;
  for (const c of CASES) {
    const b = new GraphBuilder(c.name);
    const x = b.input("x", DataType.FLOAT, ["N", c.channels ?? 4, "H", "W"]);
    c.build(b, x);
    const last = b.nodes[b.nodes.length - 1]!;
    for (const o of last.output) b.outputs.push(create(ValueInfoProtoSchema, { name: o }));
    const report = await checkAgainstOrt(b.build({ opset: c.opset ?? 17 }), SIZES);
    compared += report.compared;
    for (const m of report.mismatches) failures.push(`${c.name}: ${m}`);
    for (const f of report.analysis.fallbacks) failures.push(`${c.name}: fallback ${f.node} (${f.reason})`);
  }
  assert.deepEqual(failures, []);
  assert.ok(compared >= CASES.length * SIZES.length, `compared only ${compared} tensors`);
});
