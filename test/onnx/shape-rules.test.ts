import assert from "node:assert/strict";
import { test } from "node:test";
import { attr, GraphBuilder } from "../../src/onnx/builder.js";
import { create, DataType, type AttributeProto, type TensorProto, TensorProtoSchema, ValueInfoProtoSchema } from "../../src/onnx/proto.js";
import { RULES } from "../../src/onnx/shape-rules.js";
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
const u8 = (name: string, dims: number[], fill = 1) =>
  create(TensorProtoSchema, { name, dataType: DataType.UINT8, dims: dims.map(BigInt), rawData: new Uint8Array(dims.reduce((a, b) => a * b, 1)).fill(fill) });
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

  // Recurrent layers over H as the sequence (x -> [H, N, 4]): Y, Y_h, Y_c; one and two directions.
  ...(["LSTM", "GRU", "RNN"] as const).flatMap((kind): Case[] => {
    const gates = { LSTM: 4, GRU: 3, RNN: 1 }[kind];
    const seq = (b: GraphBuilder, x: string, perm: number[]) => op(b, "Transpose", [op(b, "ReduceMean", [x], [attr.ints("axes", [3]), attr.int("keepdims", 0)])[0]!], [attr.ints("perm", perm)])[0]!;
    return [
      { name: `${kind} forward, layout 0`, opset: 13, build: (b, x) => op(b, kind, [seq(b, x, [2, 0, 1]), init(b, f32(`W${kind}`, [1, gates * 3, 4])), init(b, f32(`R${kind}`, [1, gates * 3, 3]))], [attr.int("hidden_size", 3)], kind === "LSTM" ? 3 : 2) },
      // onnxruntime's CPU kernels refuse layout 1 (batch first), so only layout 0 is measured.
      { name: `${kind} bidirectional`, opset: 14, build: (b, x) => op(b, kind, [seq(b, x, [2, 0, 1]), init(b, f32(`W${kind}`, [2, gates * 3, 4])), init(b, f32(`R${kind}`, [2, gates * 3, 3]))], [attr.int("hidden_size", 3), attr.string("direction", "bidirectional")], kind === "LSTM" ? 3 : 2) },
    ];
  }),
  { name: "GatherElements with ArgMax indices", build: (b, x) => op(b, "GatherElements", [x, op(b, "ArgMax", [x], [attr.int("axis", 1), attr.int("keepdims", 1)])[0]!], [attr.int("axis", 1)]) },
  { name: "GatherND with constant indices", build: (b, x) => op(b, "GatherND", [x, init(b, i64("gi", [0, 0], [2, 1]))]) },
  { name: "OneHot of ArgMax", build: (b, x) => op(b, "OneHot", [op(b, "ArgMax", [x], [attr.int("axis", 1), attr.int("keepdims", 0)])[0]!, init(b, i64("depth", [5], [])), init(b, floatTensor("onoff", [2], new Float32Array([0, 1])))]) },
  { name: "GridSample on a grid made from the input", build: (b, x) => {
    const grid = op(b, "Transpose", [op(b, "Slice", [x, init(b, i64("g0", [0])), init(b, i64("g2", [2])), init(b, i64("g1", [1]))])[0]!], [attr.ints("perm", [0, 2, 3, 1])])[0]!;
    op(b, "GridSample", [x, grid]);
  } },
  { name: "RoiAlign 2x3", build: (b, x) => op(b, "RoiAlign", [x, init(b, floatTensor("rois", [3, 4], new Float32Array([0, 0, 4, 4, 1, 1, 5, 3, 0, 2, 3, 6]))), init(b, i64("bi", [0, 0, 0]))], [attr.int("output_height", 2), attr.int("output_width", 3)]) },
  { name: "MaxRoiPool 2x2", build: (b, x) => op(b, "MaxRoiPool", [x, init(b, floatTensor("rois5", [2, 5], new Float32Array([0, 0, 0, 4, 4, 0, 1, 1, 5, 3])))], [attr.ints("pooled_shape", [2, 2])]) },
  { name: "QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear", build: (b, x) => {
    const q = op(b, "QuantizeLinear", [x, init(b, floatTensor("qs", [], new Float32Array([0.05]))), init(b, u8("qz", [], 128))])[0]!;
    op(b, "DynamicQuantizeLinear", [op(b, "DequantizeLinear", [q, init(b, floatTensor("ds", [], new Float32Array([0.05]))), init(b, u8("dz", [], 128))])[0]!], [], 3);
  } },
  { name: "QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger on uint8", build: (b, x) => {
    const s = (n: string) => init(b, floatTensor(n, [], new Float32Array([0.05])));
    const z = (n: string) => init(b, u8(n, [], 128));
    const q = op(b, "QuantizeLinear", [x, s("qs"), z("qz")])[0]!;
    op(b, "QLinearConv", [q, s("xs"), z("xz"), init(b, u8("qw", [2, 4, 3, 3], 130)), s("ws"), z("wz"), s("ys"), z("yz")], [attr.ints("strides", [2, 1])]);
    op(b, "ConvInteger", [q, init(b, u8("iw", [2, 4, 1, 1], 3)), z("cz")]);
    const nhwc = op(b, "Transpose", [q], [attr.ints("perm", [0, 2, 3, 1])])[0]!;
    op(b, "QLinearMatMul", [nhwc, s("as"), z("az"), init(b, u8("mb", [4, 5], 140)), s("bs"), z("bz"), s("os"), z("oz")]);
    op(b, "MatMulInteger", [nhwc, init(b, u8("mb2", [4, 5], 2)), z("mz")]);
  } },
  { name: "unary and same-shape operators (opset 20)", opset: 20, build: (b, x) => {
    const unary = "Relu LeakyRelu Sigmoid Tanh HardSigmoid HardSwish Clip Exp Log Sqrt Neg Abs Erf Softplus Elu Selu Gelu Softmax LogSoftmax Reciprocal Floor Ceil Round Sign Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh Acosh Atanh Mish Celu ThresholdedRelu Softsign Hardmax Shrink MeanVarianceNormalization LpNormalization Trilu Identity IsNaN IsInf";
    for (const t of unary.split(" ")) op(b, t, [x]);
    op(b, "LRN", [x], [attr.int("size", 3)]);
    op(b, "InstanceNormalization", [x, init(b, f32("is", [4])), init(b, f32("ib", [4]))]);
    op(b, "PRelu", [x, init(b, f32("slope", [4, 1, 1]))]);
    op(b, "CumSum", [x, init(b, i64("cax", [2], []))]);
    op(b, "Not", [op(b, "Greater", [x, init(b, f32("zero", [1]))])[0]!]);
    op(b, "CastLike", [x, init(b, i64("like", [1]))]);
    op(b, "EyeLike", [op(b, "ReduceMax", [x, init(b, i64("rx", [0, 1]))], [attr.int("keepdims", 0)])[0]!]);
    op(b, "RandomNormalLike", [x]);
    op(b, "ScatterElements", [x, op(b, "ArgMax", [x], [attr.int("axis", 1), attr.int("keepdims", 1)])[0]!, op(b, "ReduceMax", [x, init(b, i64("r1", [1]))])[0]!], [attr.int("axis", 1)]);
    op(b, "ScatterND", [x, init(b, i64("sni", [0], [1, 1])), op(b, "Slice", [x, init(b, i64("n0", [0])), init(b, i64("n1", [1])), init(b, i64("n00", [0]))])[0]!]);
    op(b, "BitwiseNot", [op(b, "Cast", [x], [attr.int("to", DataType.INT32)])[0]!]);
    op(b, "Mod", [op(b, "Cast", [x], [attr.int("to", DataType.INT64)])[0]!, init(b, i64("m3", [3], []))]);
    op(b, "Pow", [x, init(b, f32("two", [1], 2))]);
    op(b, "Max", [x, op(b, "Relu", [x])[0]!, init(b, f32("z3", [1, 1, 1]))]);
    op(b, "BitShift", [op(b, "Cast", [x], [attr.int("to", DataType.UINT8)])[0]!, init(b, u8("sh", [1], 1))], [attr.string("direction", "LEFT")]);
  } },
  { name: "broadcasting binary operators, logic, bitwise, reductions (opset 18)", opset: 18, build: (b, x) => {
    const row = op(b, "ReduceMean", [x, init(b, i64("rw", [2]))])[0]!; // [N, 4, 1, W]
    const col = init(b, f32("col", [4, 1, 1], 0.2));
    op(b, "Sub", [row, col]);
    for (const t of ["Min", "Sum", "Mean"]) op(b, t, [x, row, col]);
    const p = op(b, "Greater", [x, row])[0]!;
    for (const t of ["Less", "LessOrEqual", "GreaterOrEqual"]) op(b, t, [row, col]);
    for (const t of ["And", "Or", "Xor"]) op(b, t, [p, op(b, "Less", [x, col])[0]!]);
    const xi = op(b, "Cast", [x], [attr.int("to", DataType.INT32)])[0]!;
    const ri = op(b, "Cast", [row], [attr.int("to", DataType.INT32)])[0]!;
    for (const t of ["BitwiseAnd", "BitwiseOr", "BitwiseXor"]) op(b, t, [xi, ri]);
    for (const t of ["ReduceProd", "ReduceL2", "ReduceL1", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ReduceMin"]) op(b, t, [x, init(b, i64(`${t}ax`, [1, 3]))], [attr.int("keepdims", t === "ReduceL1" ? 0 : 1)]);
    op(b, "ArgMin", [x], [attr.int("axis", 3), attr.int("select_last_index", 1)]);
  } },
  { name: "GroupNormalization (opset 18), LpPool, GlobalLpPool", opset: 18, build: (b, x) => {
    op(b, "GroupNormalization", [x, init(b, f32("gs", [2])), init(b, f32("gb", [2]))], [attr.int("num_groups", 2)]);
    op(b, "GlobalLpPool", [x]);
    op(b, "LpPool", [x], [attr.ints("kernel_shape", [2, 3]), attr.ints("strides", [2, 2]), attr.int("p", 2)]);
  } },
  { name: "Compress along C by a constant condition", build: (b, x) => op(b, "Compress", [x, b.initializer(create(TensorProtoSchema, { name: "cond", dataType: DataType.BOOL, dims: [4n], int32Data: [1, 0, 1, 1] }))], [attr.int("axis", 1)]) },
  { name: "Det of x times its transpose (HxH)", build: (b, x) => op(b, "Det", [op(b, "MatMul", [x, op(b, "Transpose", [x], [attr.ints("perm", [0, 1, 3, 2])])[0]!])[0]!]) },
  { name: "Upsample scales attribute (opset 7), BatchNormalization (opset 7), Dropout ratio attribute", opset: 7, build: (b, x) => {
    const bn = op(b, "BatchNormalization", [x, ...["s", "bb", "mm", "vv"].map((n) => init(b, f32(n, [4], 0.5)))])[0]!;
    op(b, "Upsample", [op(b, "Dropout", [bn], [attr.float("ratio", 0.3)])[0]!], [attr.floats("scales", [1, 1, 2, 3])]);
  } },
  { name: "Squeeze/Unsqueeze/ReduceSum/Split attributes, TopK k attribute, Gemm transA (opset 9)", opset: 9, build: (b, x) => {
    const pooled = op(b, "Squeeze", [op(b, "ReduceSum", [x], [attr.ints("axes", [2, 3]), attr.int("keepdims", 1)])[0]!], [attr.ints("axes", [2, 3])])[0]!;
    op(b, "Split", [op(b, "Unsqueeze", [pooled], [attr.ints("axes", [0])])[0]!], [attr.int("axis", 2), attr.ints("split", [1, 3])], 2);
    op(b, "TopK", [x], [attr.int("axis", 2), attr.int("k", 2)], 2);
    op(b, "Gemm", [op(b, "Transpose", [pooled])[0]!, init(b, f32("ga", [4, 3])), init(b, f32("gc", [3]))], [attr.int("transA", 1)]);
  } },
  { name: "Pad opset 18 axes input, Split opset 13 sizes input, ReduceMean opset 18 axes input", opset: 18, build: (b, x) => {
    op(b, "Pad", [x, init(b, i64("pp", [1, 0, 2, 3])), init(b, f32("pv", [], 0)), init(b, i64("pax", [2, 3]))]);
    op(b, "Split", [x, init(b, i64("sp", [3, 1]))], [attr.int("axis", 1)], 2);
    op(b, "ReduceMean", [x, init(b, i64("rm", [-1]))]);
  } },
  { name: "Constant, ConstantOfShape of Shape, Range with floats", build: (b, x) => {
    op(b, "ConstantOfShape", [op(b, "Shape", [x], [attr.int("start", 2)])[0]!]);
    op(b, "Range", [op(b, "Constant", [], [attr.tensor("value", floatTensor("c0", [], new Float32Array([0.5])))])[0]!, op(b, "Cast", [op(b, "Gather", [op(b, "Shape", [x])[0]!, init(b, i64("g3", [3], []))])[0]!], [attr.int("to", DataType.FLOAT)])[0]!, init(b, floatTensor("c1", [], new Float32Array([1.5])))]);
  } },
  { name: "NonMaxSuppression on boxes made from the input (a data-dependent count)", build: (b, x) => {
    const boxes = op(b, "Reshape", [op(b, "Slice", [x, init(b, i64("b0", [0])), init(b, i64("b1", [1])), init(b, i64("bax", [0]))])[0]!, init(b, i64("bshape", [1, -1, 4]))])[0]!;
    const scores = op(b, "Transpose", [op(b, "ReduceMax", [boxes], [attr.ints("axes", [2])])[0]!], [attr.ints("perm", [0, 2, 1])])[0]!;
    op(b, "NonMaxSuppression", [boxes, scores, init(b, i64("maxout", [3]))]);
  } },
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
    let report;
    try {
      report = await checkAgainstOrt(b.build({ opset: c.opset ?? 17 }), SIZES);
    } catch (e) {
      failures.push(`${c.name}: ${(e as Error).message.slice(0, 300)}`);
      continue;
    }
    compared += report.compared;
    for (const m of report.mismatches) failures.push(`${c.name}: ${m}`);
    for (const f of report.analysis.fallbacks) failures.push(`${c.name}: fallback ${f.node} (${f.reason})`);
  }
  assert.deepEqual(failures, []);
  assert.ok(compared >= CASES.length * SIZES.length, `compared only ${compared} tensors`);
});

/** Operators with a rule and no case above, and why (control flow and sequences have tests of their own). */
const NOT_TABLED: Record<string, string> = {
  If: "test/split/anymodel.test.ts (onnx_control_if)",
  Loop: "test/split/anymodel.test.ts (onnx_control_loop)",
  Scan: "test/split/anymodel.test.ts (onnx_control_scan)",
  SplitToSequence: "test/split/boundaries.test.ts (sequences never cross a boundary)",
  SequenceConstruct: "not a tensor: only marked", SequenceEmpty: "not a tensor: only marked", SequenceInsert: "not a tensor: only marked",
  SequenceErase: "not a tensor: only marked", Optional: "not a tensor: only marked", SequenceLength: "a scalar", OptionalHasElement: "a scalar",
  RandomNormal: "static shape attribute", RandomUniform: "static shape attribute", RandomUniformLike: "as RandomNormalLike", Bernoulli: "as RandomNormalLike",
  Scatter: "deprecated alias of ScatterElements (opset 9-10)", ReverseSequence: "same shape as its input", DepthToSpace: "tabled with SpaceToDepth",
  GlobalMaxPool: "tabled in Gemm on a flattened map",
};

test("every operator with a shape rule has a case measured against onnxruntime (or a stated reason why not)", () => {
  const tabled = new Set<string>();
  for (const c of CASES) {
    const b = new GraphBuilder(c.name);
    c.build(b, b.input("x", DataType.FLOAT, ["N", c.channels ?? 4, "H", "W"]));
    for (const n of b.nodes) tabled.add(n.opType);
  }
  const missing = Object.keys(RULES).filter((opType) => !tabled.has(opType) && !(opType in NOT_TABLED));
  assert.deepEqual(missing, []);
});
