import { attrFloats, attrInt, attrInts, attrString, attrTensor, findAttr } from "./attributes.js";
import { DataType, type GraphProto, type NodeProto, type TensorProto } from "./proto.js";
import { broadcast, isOne, lit, normAxis, product, type SDim, windowShape } from "./shape-math.js";
import { Expr } from "./symbolic.js";
import { int64Tensor, tensorToBigInts, tensorToFloat32 } from "./tensor.js";

/** A tensor's element type (0 when unknown) and shape (null when even the rank is unknown). */
export interface SType {
  elemType: number;
  shape: SDim[] | null;
}

/** Values of a small (rank 0 or 1) tensor known at analysis time: shape arithmetic, Resize scales. */
export interface Known {
  rank0: boolean;
  /** Integer values (exact expressions), in order. */
  values: SDim[];
  /** Float constants (Resize and Upsample scales). */
  floats?: number[];
}

/** What a shape rule sees of the node's inputs and may record for its outputs. */
export interface RuleContext {
  opset: number;
  type(k: number): SType | undefined;
  known(k: number): Known | undefined;
  setKnown(k: number, value: Known): void;
  markNonTensor(k: number): void;
  isNonTensor(k: number): boolean;
  /** A fresh symbol for a size that depends on the data (at least 0). */
  dataDependent(k: number, what: string): Expr;
  subgraph(g: GraphProto, inputs: readonly (SType | undefined)[]): (SType | undefined)[];
}

export type Rule = (node: NodeProto, c: RuleContext) => (SType | undefined)[];

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Small integer or float constants whose values shape rules read (Reshape targets, Resize scales, Slice bounds). */
export function knownFromTensor(t: TensorProto): Known | undefined {
  if (t.dims.length > 1 || (t.dims.length === 1 && t.dims[0]! > 64n)) return undefined;
  const rank0 = t.dims.length === 0;
  if (t.dataType === DataType.INT64 || t.dataType === DataType.INT32) {
    // Huge bounds ("to the end" in a Slice) are clamped to the safe range, which keeps their meaning.
    const values = tensorToBigInts(t).map((v) => lit(Number(v > BigInt(MAX_SAFE) ? MAX_SAFE : v < -BigInt(MAX_SAFE) ? -MAX_SAFE : v)));
    return { rank0, values };
  }
  if (t.dataType === DataType.FLOAT) return { rank0, values: [], floats: Array.from(tensorToFloat32(t)) };
  return undefined;
}

const FLOAT = DataType.FLOAT;
const INT64_ZERO = int64Tensor("", [], [0]);
const INT64 = DataType.INT64;
const BOOL = DataType.BOOL;

const shapeOf = (c: RuleContext, k: number): SDim[] | null => c.type(k)?.shape ?? null;
const elemOf = (c: RuleContext, k: number): number => c.type(k)?.elemType ?? 0;
const t = (elemType: number, shape: SDim[] | null): SType => ({ elemType, shape });
const unknownLike = (x: SDim[] | null): SDim[] | null => (x ? x.map(() => null) : null);

/** Known integer values as plain numbers, when every one is a constant. */
function knownInts(c: RuleContext, k: number): number[] | undefined {
  const v = c.known(k)?.values;
  if (!v || v.some((d) => d === null || d.value === undefined)) return undefined;
  return v.map((d) => d!.value!);
}

/** An axes list from an attribute (older opsets) or an input (newer ones). */
function axesOf(node: NodeProto, c: RuleContext, inputIndex: number): number[] | undefined {
  return attrInts(node, "axes") ?? (node.input[inputIndex] ? knownInts(c, inputIndex) : undefined);
}

const same: Rule = (_n, c) => {
  const x = c.type(0);
  return [x ? t(x.elemType, x.shape ? [...x.shape] : null) : undefined];
};

export const RULES: Record<string, Rule> = {};

function define(ops: string, rule: Rule): void {
  for (const op of ops.split(/\s+/).filter(Boolean)) RULES[op] = rule;
}

define(
  `Relu LeakyRelu Sigmoid Tanh HardSigmoid HardSwish Clip Exp Log Sqrt Neg Abs Erf Softplus Elu Selu Gelu
   InstanceNormalization LRN Softmax LogSoftmax Reciprocal Floor Ceil Round Sign Sin Cos Tan Asin Acos Atan Sinh
   Cosh Asinh Acosh Atanh Mish PRelu Celu ThresholdedRelu Softsign Hardmax Shrink Trilu MeanVarianceNormalization
   GroupNormalization LpNormalization CumSum ReverseSequence Scatter ScatterND ScatterElements BitwiseNot`,
  same,
);

define("Identity", (_n, c) => {
  const k = c.known(0);
  if (k) c.setKnown(0, k);
  return same(_n, c);
});

define("Dropout", (n, c) => [same(n, c)[0], t(BOOL, shapeOf(c, 0))]);

define("BatchNormalization", (n, c) => {
  const x = shapeOf(c, 0);
  const channels = x ? [x[1] ?? null] : null;
  return [same(n, c)[0], t(elemOf(c, 0), channels), t(elemOf(c, 0), channels)];
});

define("LayerNormalization", (n, c) => {
  const x = shapeOf(c, 0);
  const axis = attrInt(n, "axis", -1);
  const reduced = x ? x.map((d, i) => (i >= normAxis(axis, x.length) ? lit(1) : d)) : null;
  const stash = attrInt(n, "stash_type", FLOAT);
  return [same(n, c)[0], t(stash, reduced), t(stash, reduced)];
});

define("Not IsNaN IsInf", (_n, c) => [t(BOOL, shapeOf(c, 0))]);

define("EyeLike RandomNormalLike RandomUniformLike Bernoulli", (n, c) => [t(attrInt(n, "dtype", elemOf(c, 0)), shapeOf(c, 0))]);

define("RandomNormal RandomUniform", (n) => [t(attrInt(n, "dtype", FLOAT), (attrInts(n, "shape") ?? []).map(lit))]);

define("Cast", (n, c) => {
  const to = attrInt(n, "to", FLOAT);
  const k = c.known(0);
  if (k) {
    const toInt = [INT64, DataType.INT32, DataType.INT16, DataType.INT8, DataType.UINT8, DataType.UINT16, DataType.UINT32, DataType.UINT64].includes(to);
    if (toInt && !k.floats) c.setKnown(0, k);
    else if (toInt && k.floats) c.setKnown(0, { rank0: k.rank0, values: k.floats.map((f) => lit(Math.trunc(f))) });
    else if (!toInt && k.values.every((d) => d?.value !== undefined)) c.setKnown(0, { rank0: k.rank0, values: [], floats: k.values.map((d) => d!.value!) });
  }
  return [t(to, shapeOf(c, 0))];
});

define("CastLike", (_n, c) => [t(elemOf(c, 1), shapeOf(c, 0))]);

/** Elementwise integer arithmetic on known values (shape computations such as batch * channels). */
const ARITHMETIC: Partial<Record<string, (a: Expr, b: Expr) => SDim>> = {
  Add: (a, b) => a.add(b),
  Sub: (a, b) => a.sub(b),
  Mul: (a, b) => a.mul(b),
  // Integer Div truncates; for a non-negative dividend and a positive constant divisor that is floor.
  Div: (a, b) => a.exactDiv(b) ?? (b.value !== undefined && b.value > 0 && a.lowerBound() >= 0 ? a.floorDiv(b.value) : null),
  Max: (a, b) => Expr.max([a, b]),
  Min: (a, b) => Expr.min(a, b),
};

define("Add Sub Mul Div Pow Max Min Sum Mean Mod BitShift BitwiseAnd BitwiseOr BitwiseXor", (n, c) => {
  const f = ARITHMETIC[n.opType];
  const k = f && n.input.length === 2 ? knownElementwise(c, 2, f) : undefined;
  if (k) c.setKnown(0, k);
  return [t(elemOf(c, 0), broadcast(n.input.map((_, k) => shapeOf(c, k))))];
});

/** Elementwise over known values of the inputs (a length-1 operand broadcasts); undefined unless all are known. */
function knownElementwise(c: RuleContext, count: number, f: (...v: Expr[]) => SDim): Known | undefined {
  const ks = Array.from({ length: count }, (_, k) => c.known(k));
  if (ks.some((k) => !k || k.floats)) return undefined;
  const len = Math.max(...ks.map((k) => k!.values.length));
  if (ks.some((k) => k!.values.length !== len && k!.values.length !== 1)) return undefined;
  const values = Array.from({ length: len }, (_, i) => {
    const args = ks.map((k) => k!.values[k!.values.length === 1 ? 0 : i]!);
    return args.every((a) => a !== null) ? f(...(args)) : null;
  });
  return { rank0: ks.every((k) => k!.rank0), values };
}

/** 1 or 0 when a - b is provably zero or provably not, else null. */
function decideEqual(a: Expr, b: Expr): SDim {
  const d = a.sub(b);
  if (d.value !== undefined) return lit(d.value === 0 ? 1 : 0);
  return d.lowerBound() > 0 || b.sub(a).lowerBound() > 0 ? lit(0) : null;
}

define("Equal Less Greater LessOrEqual GreaterOrEqual And Or Xor", (n, c) => {
  if (n.opType === "Equal") {
    const k = knownElementwise(c, 2, decideEqual);
    if (k) c.setKnown(0, k);
  }
  return [t(BOOL, broadcast(n.input.map((_, k) => shapeOf(c, k))))];
});

define("Where", (n, c) => {
  const k = knownElementwise(c, 3, (cond, x, y) => (cond.value === undefined ? null : cond.value !== 0 ? x : y));
  if (k) c.setKnown(0, k);
  return [t(elemOf(c, 1), broadcast(n.input.map((_, k) => shapeOf(c, k))))];
});

function convLike(xIndex: number, wIndex: number, elem: (n: NodeProto, c: RuleContext) => number): Rule {
  return (n, c) => {
    const x = shapeOf(c, xIndex);
    const w = shapeOf(c, wIndex);
    if (!x || !w) return [t(elem(n, c), null)];
    const kernel = attrInts(n, "kernel_shape") ?? w.slice(2).map((d) => d?.value);
    if (kernel.some((k) => k === undefined)) return [t(elem(n, c), unknownLike(x))];
    return [t(elem(n, c), windowShape(n, x, kernel as number[], w[0]!))];
  };
}

define("Conv", convLike(0, 1, (_n, c) => elemOf(c, 0)));
define("ConvInteger", convLike(0, 1, () => DataType.INT32));
define("QLinearConv", convLike(0, 3, (_n, c) => elemOf(c, 7) || DataType.UINT8));

define("ConvTranspose", (n, c) => {
  const x = shapeOf(c, 0);
  const w = shapeOf(c, 1);
  if (!x || !w) return [t(elemOf(c, 0), null)];
  const spatial = x.length - 2;
  const group = attrInt(n, "group", 1);
  const out: SDim[] = [x[0]!, w[1] ? w[1].mul(group) : null];
  const explicit = attrInts(n, "output_shape");
  const kernel = attrInts(n, "kernel_shape") ?? w.slice(2).map((d) => d?.value);
  const strides = attrInts(n, "strides") ?? new Array<number>(spatial).fill(1);
  const dil = attrInts(n, "dilations") ?? new Array<number>(spatial).fill(1);
  const pads = attrInts(n, "pads") ?? new Array<number>(spatial * 2).fill(0);
  const outPad = attrInts(n, "output_padding") ?? new Array<number>(spatial).fill(0);
  const autoPad = attrString(n, "auto_pad", "NOTSET");
  for (let i = 0; i < spatial; i++) {
    const d = x[i + 2]!;
    const k = kernel[i];
    if (explicit) out.push(lit(explicit[explicit.length - spatial + i]!));
    else if (d === null || k === undefined) out.push(null);
    else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") out.push(d.mul(strides[i]!));
    else out.push(d.sub(1).mul(strides[i]!).add(outPad[i]! + (k - 1) * dil[i]! + 1 - pads[i]! - pads[i + spatial]!));
  }
  return [t(elemOf(c, 0), out)];
});

define("MaxPool AveragePool LpPool", (n, c) => {
  const x = shapeOf(c, 0);
  const kernel = attrInts(n, "kernel_shape");
  const out = x && kernel ? windowShape(n, x, kernel, x[1]!) : unknownLike(x);
  return [t(elemOf(c, 0), out), t(INT64, out)];
});

define("GlobalAveragePool GlobalMaxPool GlobalLpPool", (_n, c) => {
  const x = shapeOf(c, 0);
  return [t(elemOf(c, 0), x ? [x[0]!, x[1]!, ...x.slice(2).map(() => lit(1))] : null)];
});

define("MaxRoiPool", (n, c) => {
  const x = shapeOf(c, 0);
  const rois = shapeOf(c, 1);
  const pooled = attrInts(n, "pooled_shape") ?? [];
  return [t(elemOf(c, 0), x && rois ? [rois[0]!, x[1]!, ...pooled.map(lit)] : null)];
});

define("RoiAlign", (n, c) => {
  const x = shapeOf(c, 0);
  const rois = shapeOf(c, 1);
  return [t(elemOf(c, 0), x && rois ? [rois[0]!, x[1]!, lit(attrInt(n, "output_height", 1)), lit(attrInt(n, "output_width", 1))] : null)];
});

define("Flatten", (n, c) => {
  const x = shapeOf(c, 0);
  if (!x) return [t(elemOf(c, 0), [null, null])];
  const axis = attrInt(n, "axis", 1);
  const a = axis < 0 ? axis + x.length : axis;
  return [t(elemOf(c, 0), [product(x.slice(0, a)), product(x.slice(a))])];
});

define("Gemm", (n, c) => {
  const a = shapeOf(c, 0);
  const b = shapeOf(c, 1);
  if (!a || !b) return [t(elemOf(c, 0), [null, null])];
  const m = attrInt(n, "transA", 0) ? a[1]! : a[0]!;
  const nn = attrInt(n, "transB", 0) ? b[0]! : b[1]!;
  return [t(elemOf(c, 0), [m, nn])];
});

function matmul(aIndex: number, bIndex: number, elem: (c: RuleContext) => number): Rule {
  return (_n, c) => {
    const a = shapeOf(c, aIndex);
    const b = shapeOf(c, bIndex);
    if (!a || !b) return [t(elem(c), null)];
    const a2 = a.length === 1 ? [lit(1), a[0]!] : a;
    const b2 = b.length === 1 ? [b[0]!, lit(1)] : b;
    const batch = broadcast([a2.slice(0, -2), b2.slice(0, -2)]);
    if (!batch) return [t(elem(c), null)];
    return [t(elem(c), [...batch, ...(a.length === 1 ? [] : [a2[a2.length - 2]!]), ...(b.length === 1 ? [] : [b2[b2.length - 1]!])])];
  };
}

define("MatMul", matmul(0, 1, (c) => elemOf(c, 0)));
define("MatMulInteger", matmul(0, 1, () => DataType.INT32));
define("QLinearMatMul", matmul(0, 3, (c) => elemOf(c, 7) || DataType.UINT8));

define("Shape", (n, c) => {
  const x = shapeOf(c, 0);
  if (!x) return [t(INT64, [null])];
  const start = Math.min(Math.max(normSoft(attrInt(n, "start", 0), x.length), 0), x.length);
  const endAttr = attrInt(n, "end");
  const end = endAttr === undefined ? x.length : Math.min(Math.max(normSoft(endAttr, x.length), 0), x.length);
  const values = x.slice(start, Math.max(start, end));
  c.setKnown(0, { rank0: false, values });
  return [t(INT64, [lit(values.length)])];
});

/** An axis or bound that may be negative, counted from the end, without range checks. */
const normSoft = (v: number, rank: number) => (v < 0 ? v + rank : v);

define("Size", (_n, c) => {
  const x = shapeOf(c, 0);
  if (x) c.setKnown(0, { rank0: true, values: [product(x)] });
  return [t(INT64, [])];
});

define("Constant", (n, c) => {
  const value = attrTensor(n, "value");
  if (value) {
    const k = knownFromTensor(value);
    if (k) c.setKnown(0, k);
    return [t(value.dataType, value.dims.map((d) => lit(Number(d))))];
  }
  const ints = attrInts(n, "value_ints");
  if (ints) {
    c.setKnown(0, { rank0: false, values: ints.map(lit) });
    return [t(INT64, [lit(ints.length)])];
  }
  const i = attrInt(n, "value_int");
  if (i !== undefined) {
    c.setKnown(0, { rank0: true, values: [lit(i)] });
    return [t(INT64, [])];
  }
  if (findAttr(n, "value_float")) return [t(FLOAT, [])];
  const floats = attrFloats(n, "value_floats");
  if (floats) return [t(FLOAT, [lit(floats.length)])];
  if (findAttr(n, "value_string")) return [t(DataType.STRING, [])];
  const strings = findAttr(n, "value_strings");
  if (strings) return [t(DataType.STRING, [lit(strings.strings.length)])];
  const sparse = findAttr(n, "sparse_value")?.sparseTensor;
  if (sparse) return [t(sparse.values?.dataType ?? 0, sparse.dims.map((d) => lit(Number(d))))];
  return [undefined];
});

define("ConstantOfShape", (n, c) => {
  const k = c.known(0);
  const fill = knownFromTensor(attrTensor(n, "value") ?? INT64_ZERO)?.values[0];
  const count = k ? product(k.values)?.value : undefined;
  if (fill !== undefined && count !== undefined && count <= 64 && k!.values.length <= 1) c.setKnown(0, { rank0: k!.values.length === 0, values: new Array<SDim>(count).fill(fill) });
  return [t(attrTensor(n, "value")?.dataType ?? FLOAT, k ? [...k.values] : null)];
});

define("Reshape", (n, c) => {
  const x = shapeOf(c, 0);
  const k = c.known(1);
  const xk = c.known(0);
  if (xk) c.setKnown(0, { rank0: false, values: xk.values });
  if (!k) {
    const target = shapeOf(c, 1);
    const rank = target?.[0]?.value;
    return [t(elemOf(c, 0), rank === undefined ? null : new Array<SDim>(rank).fill(null))];
  }
  const allowZero = attrInt(n, "allowzero", 0) === 1;
  const out: SDim[] = k.values.map((v, i) => (v?.value === 0 && !allowZero ? (x ? x[i] ?? null : null) : v));
  const minus = out.findIndex((d) => d?.value === -1);
  if (minus >= 0) {
    const total = x ? product(x) : null;
    const rest = product(out.filter((_, i) => i !== minus));
    out[minus] = total && rest ? total.exactDiv(rest) ?? null : null;
  }
  return [t(elemOf(c, 0), out)];
});

define("Transpose", (n, c) => {
  const x = shapeOf(c, 0);
  if (!x) return [t(elemOf(c, 0), null)];
  const perm = attrInts(n, "perm") ?? x.map((_, i) => x.length - 1 - i);
  return [t(elemOf(c, 0), perm.map((p) => x[p] ?? null))];
});

define("Unsqueeze", (n, c) => {
  const x = shapeOf(c, 0);
  const axes = axesOf(n, c, 1);
  const k = c.known(0);
  if (k && k.rank0) c.setKnown(0, { rank0: false, values: k.values });
  if (!x || !axes) return [t(elemOf(c, 0), null)];
  const rank = x.length + axes.length;
  const norm = axes.map((a) => normAxis(a, rank));
  const out: SDim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? lit(1) : x[j++]!);
  return [t(elemOf(c, 0), out)];
});

define("Squeeze", (n, c) => {
  const x = shapeOf(c, 0);
  const axes = axesOf(n, c, 1);
  const k = c.known(0);
  if (k && k.values.length === 1) c.setKnown(0, { rank0: true, values: k.values });
  if (!x) return [t(elemOf(c, 0), null)];
  if (!axes) {
    // Without axes every dim of size 1 goes: the rank is known only if no dim might be 1.
    if (x.some((d) => d === null || (!isOne(d) && d.lowerBound() < 2 && d.value === undefined))) return [t(elemOf(c, 0), null)];
    return [t(elemOf(c, 0), x.filter((d) => !isOne(d)))];
  }
  const norm = axes.map((a) => normAxis(a, x.length));
  return [t(elemOf(c, 0), x.filter((_, i) => !norm.includes(i)))];
});

define("Concat", (n, c) => {
  const shapes = n.input.map((_, k) => shapeOf(c, k));
  const ks = n.input.map((_, k) => c.known(k));
  if (ks.every((k) => k !== undefined && !k.floats)) c.setKnown(0, { rank0: false, values: ks.flatMap((k) => k!.values) });
  const ranked = shapes.find((s) => s !== null);
  if (!ranked) return [t(elemOf(c, 0), null)];
  const axis = normAxis(attrInt(n, "axis", 0), ranked.length);
  const out = ranked.map((_, i) => (i === axis ? null : broadcastSame(shapes.map((s) => (s ? s[i]! : null)))));
  out[axis] = shapes.some((s) => s === null) ? null : shapes.reduce<SDim>((acc, s) => (acc && s![axis] ? acc.add(s![axis]) : null), lit(0));
  return [t(elemOf(c, 0), out)];
});

/** Dims that must be equal (Concat's other axes): any known one. */
function broadcastSame(dims: readonly SDim[]): SDim {
  return dims.find((d) => d?.isConstant()) ?? dims.find((d) => d !== null) ?? null;
}

define("Split", (n, c) => {
  const x = shapeOf(c, 0);
  const count = n.output.length;
  if (!x) return n.output.map(() => t(elemOf(c, 0), null));
  const axis = normAxis(attrInt(n, "axis", 0), x.length);
  const sizes = attrInts(n, "split") ?? (n.input[1] ? c.known(1)?.values : undefined);
  const d = x[axis]!;
  return n.output.map((_, k) => {
    const out = [...x];
    if (sizes) out[axis] = (typeof sizes[k] === "number" ? lit(sizes[k]) : (sizes[k] as SDim)) ?? null;
    else if (d === null) out[axis] = null;
    else {
      // Equal chunks of ceil(d / count), the last one taking what is left (opset 18's num_outputs rule).
      const chunk = d.ceilDiv(count);
      out[axis] = k < count - 1 ? chunk : d.sub(chunk.mul(count - 1));
    }
    return t(elemOf(c, 0), out);
  });
});

const BIG = 2 ** 31 - 1;

/**
 * Length of x[start:end:step] along a dim of `size`, with ONNX's clamping. Constant bounds may be
 * negative (from the end) or huge (to the end: dims are below 2^31 - 1); a symbolic bound (a size
 * read from another tensor's shape) must be provably non-negative.
 */
export function sliceLength(size: Expr, start: Expr, end: Expr, step: number): SDim {
  if (step === 0) throw new RangeError("Slice step 0");
  const zero = lit(0);
  const clampLow = (e: Expr, low: number) => Expr.max([lit(low), e]);
  const symbolic = (v: Expr) => v.value === undefined;
  if ([start, end].some((v) => symbolic(v) && v.lowerBound() < 0)) return null;
  if (step > 0) {
    const at = (b: Expr) => {
      const v = b.value;
      if (v === undefined) return Expr.min(b, size);
      return v >= BIG ? size : v < 0 ? clampLow(size.add(Math.max(v, -BIG)), 0) : Expr.min(lit(v), size);
    };
    return Expr.max([zero, at(end).sub(at(start))]).ceilDiv(step);
  }
  // Negative steps clamp to [-1, size - 1].
  const at = (b: Expr) => {
    const v = b.value;
    if (v === undefined) return Expr.min(b, size.sub(1));
    return v <= -BIG ? lit(-1) : v < 0 ? clampLow(size.add(v), -1) : Expr.min(lit(v), size.sub(1));
  };
  return Expr.max([zero, at(start).sub(at(end))]).ceilDiv(-step);
}

define("Slice", (n, c) => {
  const x = shapeOf(c, 0);
  const withAttrs = n.input.length === 1;
  const bounds = (attrName: string, k: number): SDim[] | undefined => (withAttrs ? attrInts(n, attrName)?.map(lit) : c.known(k)?.values);
  const starts = bounds("starts", 1);
  const ends = bounds("ends", 2);
  if (!x) return [t(elemOf(c, 0), null)];
  if (!starts || !ends) return [t(elemOf(c, 0), unknownLike(x))];
  const axesGiven = withAttrs ? attrInts(n, "axes") : n.input[3] ? knownInts(c, 3) : undefined;
  const stepsGiven = !withAttrs && n.input[4] ? knownInts(c, 4) : undefined;
  if ((!withAttrs && n.input[3] && !axesGiven) || (n.input[4] && !stepsGiven)) return [t(elemOf(c, 0), unknownLike(x))];
  const axes = axesGiven ?? starts.map((_, i) => i);
  const steps = stepsGiven ?? starts.map(() => 1);
  const out = [...x];
  axes.forEach((a, i) => {
    const ax = normAxis(a, x.length);
    const size = x[ax]!;
    const [s, e] = [starts[i], ends[i]];
    out[ax] = size && s && e ? sliceLength(size, s, e, steps[i]!) : null;
  });
  const k = c.known(0);
  const s0 = starts[0]?.value;
  const e0 = ends[0]?.value;
  if (k && x.length === 1 && k.values.length > 0 && axes.length === 1 && s0 !== undefined && e0 !== undefined) {
    const len = k.values.length;
    const st = steps[0]!;
    const idx: number[] = [];
    const norm = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + len : v, lo), hi);
    if (st > 0) for (let i = norm(s0, 0, len); i < norm(e0, 0, len); i += st) idx.push(i);
    else for (let i = norm(s0, -1, len - 1); i > norm(e0, -1, len - 1); i += st) idx.push(i);
    c.setKnown(0, { rank0: false, values: idx.map((i) => k.values[i] ?? null) });
  }
  return [t(elemOf(c, 0), out)];
});

define("Gather", (n, c) => {
  const x = shapeOf(c, 0);
  const idx = shapeOf(c, 1);
  if (!x || !idx) return [t(elemOf(c, 0), null)];
  const axis = normAxis(attrInt(n, "axis", 0), x.length);
  const k = c.known(0);
  const ik = knownInts(c, 1);
  if (k && ik && axis === 0 && !k.floats) {
    c.setKnown(0, { rank0: c.known(1)!.rank0, values: ik.map((i) => k.values[i < 0 ? i + k.values.length : i] ?? null) });
  }
  return [t(elemOf(c, 0), [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)])];
});

define("GatherElements", (_n, c) => [t(elemOf(c, 0), shapeOf(c, 1))]);

define("GatherND", (n, c) => {
  const x = shapeOf(c, 0);
  const idx = shapeOf(c, 1);
  const last = idx?.[idx.length - 1]?.value;
  if (!x || !idx || last === undefined) return [t(elemOf(c, 0), null)];
  const b = attrInt(n, "batch_dims", 0);
  return [t(elemOf(c, 0), [...idx.slice(0, -1), ...x.slice(b + last)])];
});

define(
  "ReduceMean ReduceSum ReduceMax ReduceMin ReduceProd ReduceL2 ReduceL1 ReduceLogSum ReduceLogSumExp ReduceSumSquare",
  (n, c) => {
    const x = shapeOf(c, 0);
    const keep = attrInt(n, "keepdims", 1) === 1;
    const axesGiven = findAttr(n, "axes") !== undefined || Boolean(n.input[1]);
    const axes = axesOf(n, c, 1);
    const k = c.known(0);
    if (k && !keep && !axesGiven && (n.opType === "ReduceProd" || n.opType === "ReduceSum") && k.values.length > 0) {
      const fold = (acc: SDim, v: SDim): SDim => (acc && v ? (n.opType === "ReduceProd" ? acc.mul(v) : acc.add(v)) : null);
      c.setKnown(0, { rank0: true, values: [k.values.slice(1).reduce(fold, k.values[0]!)] });
    }
    if (!x) return [t(elemOf(c, 0), null)];
    if (axesGiven && !axes) return [t(elemOf(c, 0), keep ? unknownLike(x) : null)];
    if (axesGiven && axes!.length === 0 && attrInt(n, "noop_with_empty_axes", 0) === 1) return [t(elemOf(c, 0), [...x])];
    const norm = axes && axes.length > 0 ? axes.map((a) => normAxis(a, x.length)) : x.map((_, i) => i);
    return [t(elemOf(c, 0), keep ? x.map((d, i) => (norm.includes(i) ? lit(1) : d)) : x.filter((_, i) => !norm.includes(i)))];
  },
);

define("ArgMax ArgMin", (n, c) => {
  const x = shapeOf(c, 0);
  if (!x) return [t(INT64, null)];
  const axis = normAxis(attrInt(n, "axis", 0), x.length);
  const keep = attrInt(n, "keepdims", 1) === 1;
  return [t(INT64, keep ? x.map((d, i) => (i === axis ? lit(1) : d)) : x.filter((_, i) => i !== axis))];
});

define("Pad", (n, c) => {
  const x = shapeOf(c, 0);
  const pads = n.input.length > 1 ? (n.input[1] ? c.known(1)?.values : undefined) : attrInts(n, "pads")?.map(lit);
  if (!x) return [t(elemOf(c, 0), null)];
  if (!pads) return [t(elemOf(c, 0), unknownLike(x))];
  const r = x.length;
  const axes = n.input[3] ? knownInts(c, 3)?.map((a) => normAxis(a, r)) : x.map((_, i) => i);
  if (!axes) return [t(elemOf(c, 0), unknownLike(x))];
  const out = [...x];
  axes.forEach((ax, i) => {
    const a = pads[i];
    const b = pads[i + axes.length];
    const d = x[ax]!;
    out[ax] = d && a && b ? d.add(a).add(b) : null;
  });
  return [t(elemOf(c, 0), out)];
});

define("Expand", (_n, c) => {
  const k = c.known(1);
  return [t(elemOf(c, 0), k ? broadcast([shapeOf(c, 0), k.values]) : null)];
});

define("Tile", (_n, c) => {
  const x = shapeOf(c, 0);
  const reps = c.known(1)?.values;
  if (!x) return [t(elemOf(c, 0), null)];
  return [t(elemOf(c, 0), x.map((d, i) => (d && reps?.[i] ? d.mul(reps[i]) : null)))];
});

/**
 * floor(d * scale) exactly, for a scale that is a fraction with a small denominator (2, 0.5, 1.5,
 * 1/3 as a float): onnxruntime computes the product in floating point, which equals the exact
 * fraction for every size below 2^20. Other scales are not followed.
 */
function scaleDim(d: SDim, scale: number): SDim {
  if (d === null || !(scale > 0)) return null;
  for (let den = 1; den <= 16; den++) {
    const num = Math.round(scale * den);
    if (Math.fround(num / den) === Math.fround(scale)) return d.mul(num).floorDiv(den);
  }
  return null;
}

define("Resize Upsample", (n, c) => {
  const x = shapeOf(c, 0);
  if (!x) return [t(elemOf(c, 0), null)];
  // Opset 10 Resize and opset 9 Upsample: (X, scales); opset 11+: (X, roi, scales, sizes); opset 7-8 Upsample: a scales attribute.
  const scalesIndex = n.opType === "Upsample" || c.opset < 11 ? 1 : 2;
  const sizes = n.opType === "Resize" && c.opset >= 11 && n.input[3] ? c.known(3)?.values : undefined;
  const axes = attrInts(n, "axes")?.map((a) => normAxis(a, x.length)) ?? x.map((_, i) => i);
  if (sizes && sizes.length === axes.length) {
    if (attrString(n, "keep_aspect_ratio_policy", "stretch") !== "stretch") return [t(elemOf(c, 0), unknownLike(x))];
    const out = [...x];
    axes.forEach((a, i) => (out[a] = sizes[i]!));
    return [t(elemOf(c, 0), out)];
  }
  const scales = attrFloats(n, "scales") ?? (n.input[scalesIndex] ? c.known(scalesIndex)?.floats : undefined);
  if (!scales || scales.length !== axes.length) return [t(elemOf(c, 0), unknownLike(x))];
  const out = [...x];
  axes.forEach((a, i) => (out[a] = scaleDim(x[a]!, scales[i]!)));
  return [t(elemOf(c, 0), out)];
});

define("TopK", (n, c) => {
  const x = shapeOf(c, 0);
  if (!x) return [t(elemOf(c, 0), null), t(INT64, null)];
  const axis = normAxis(attrInt(n, "axis", -1), x.length);
  const k = n.input[1] ? c.known(1)?.values[0] ?? null : lit(attrInt(n, "k", 1));
  const out = x.map((d, i) => (i === axis ? k : d));
  return [t(elemOf(c, 0), out), t(INT64, out)];
});

define("NonZero", (_n, c) => {
  const x = shapeOf(c, 0);
  return [t(INT64, [x ? lit(x.length) : null, c.dataDependent(0, "nonzero")])];
});

define("NonMaxSuppression", (_n, c) => [t(INT64, [c.dataDependent(0, "selected"), lit(3)])]);

define("Compress", (n, c) => {
  const x = shapeOf(c, 0);
  const axis = attrInt(n, "axis");
  const kept = c.dataDependent(0, "kept");
  if (axis === undefined) return [t(elemOf(c, 0), [kept])];
  if (!x) return [t(elemOf(c, 0), null)];
  const a = normAxis(axis, x.length);
  return [t(elemOf(c, 0), x.map((d, i) => (i === a ? kept : d)))];
});

define("Range", (_n, c) => {
  const [start, limit, delta] = [0, 1, 2].map((k) => c.known(k)?.values[0] ?? null);
  const step = delta?.value;
  let len: SDim = null;
  if (start && limit && step !== undefined && step !== 0) len = Expr.max([lit(0), (step > 0 ? limit.sub(start) : start.sub(limit)).ceilDiv(Math.abs(step))]);
  return [t(elemOf(c, 0), [len ?? c.dataDependent(0, "range")])];
});

define("OneHot", (n, c) => {
  const idx = shapeOf(c, 0);
  if (!idx) return [t(elemOf(c, 2), null)];
  const depth = c.known(1)?.values[0] ?? c.dataDependent(0, "depth");
  const rank = idx.length + 1;
  const axis = normAxis(attrInt(n, "axis", -1), rank);
  const out = [...idx];
  out.splice(axis, 0, depth);
  return [t(elemOf(c, 2), out)];
});

define("DepthToSpace SpaceToDepth", (n, c) => {
  const x = shapeOf(c, 0);
  const b = attrInt(n, "blocksize", 1);
  if (!x || x.length !== 4) return [t(elemOf(c, 0), null)];
  const [nn, ch, h, w] = x;
  const down = n.opType === "SpaceToDepth";
  const div = (d: SDim, k: number) => (d ? d.exactDiv(lit(k)) ?? d.floorDiv(k) : null);
  const mul = (d: SDim, k: number) => (d ? d.mul(k) : null);
  return [t(elemOf(c, 0), [nn!, down ? mul(ch!, b * b) : div(ch!, b * b), down ? div(h!, b) : mul(h!, b), down ? div(w!, b) : mul(w!, b)])];
});

define("Einsum", (n, c) => {
  const eq = attrString(n, "equation", "").replace(/\s+/g, "");
  const [lhs, rhs] = eq.split("->");
  const terms = lhs!.split(",");
  const dims = new Map<string, SDim>();
  let ellipsis: SDim[] | null = [];
  const shapes = terms.map((_, k) => shapeOf(c, k));
  terms.forEach((term, k) => {
    const s = shapes[k];
    if (!s) return;
    const [head, tail] = term.includes("...") ? term.split("...") : [term, undefined];
    const ellRank = tail === undefined ? 0 : s.length - head.length - tail.length;
    [...head].forEach((ch, i) => dims.set(ch, dims.get(ch) ?? s[i]!));
    if (tail !== undefined) {
      [...tail].forEach((ch, i) => dims.set(ch, dims.get(ch) ?? s[head.length + ellRank + i]!));
      ellipsis = ellipsis && broadcast([ellipsis, s.slice(head.length, head.length + ellRank)]);
    }
  });
  if (shapes.some((s) => s === null)) return [t(elemOf(c, 0), null)];
  const out = rhs ?? [...new Set(lhs!.replace(/[^a-zA-Z]/g, ""))].filter((ch) => lhs!.split(ch).length === 2).sort().join("");
  const result: SDim[] = [];
  const [oh, ot] = out.includes("...") ? out.split("...") : [out, undefined];
  for (const ch of oh) result.push(dims.get(ch) ?? null);
  if (ot !== undefined) {
    if (!ellipsis) return [t(elemOf(c, 0), null)];
    result.push(...(ellipsis));
    for (const ch of ot) result.push(dims.get(ch) ?? null);
  }
  return [t(elemOf(c, 0), result)];
});

define("Det", (_n, c) => {
  const x = shapeOf(c, 0);
  return [t(elemOf(c, 0), x ? x.slice(0, -2) : null)];
});

define("GridSample", (_n, c) => {
  const x = shapeOf(c, 0);
  const grid = shapeOf(c, 1);
  return [t(elemOf(c, 0), x && grid ? [x[0]!, x[1]!, ...grid.slice(1, -1)] : null)];
});

define("LSTM GRU RNN", (n, c) => {
  const x = shapeOf(c, 0);
  const hidden = lit(attrInt(n, "hidden_size", 0));
  const dirs = lit(attrString(n, "direction", "forward") === "bidirectional" ? 2 : 1);
  const elem = elemOf(c, 0);
  if (!x) return n.output.map(() => t(elem, null));
  const layout = attrInt(n, "layout", 0);
  const [seq, batch] = layout === 0 ? [x[0]!, x[1]!] : [x[1]!, x[0]!];
  const y = layout === 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
  const state = layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
  return [t(elem, y), t(elem, state), t(elem, state)];
});

define("QuantizeLinear", (n, c) => [t(n.input[2] ? elemOf(c, 2) : attrInt(n, "output_dtype", 0) || DataType.UINT8, shapeOf(c, 0))]);
define("DequantizeLinear", (_n, c) => [t(elemOf(c, 1) || FLOAT, shapeOf(c, 0))]);
define("DynamicQuantizeLinear", (_n, c) => [t(DataType.UINT8, shapeOf(c, 0)), t(FLOAT, []), t(DataType.UINT8, [])]);

// Sequences and optionals are not tensors: onnxruntime cannot hand them from one part to the next.
define("SequenceConstruct SequenceEmpty SequenceInsert SequenceErase SplitToSequence Optional", (n, c) => {
  n.output.forEach((_, k) => c.markNonTensor(k));
  return [];
});
define("SequenceLength", () => [t(INT64, [])]);
define("OptionalHasElement", () => [t(BOOL, [])]);

define("If", (n, c) => {
  const then = findAttr(n, "then_branch")?.g;
  const other = findAttr(n, "else_branch")?.g;
  if (!then || !other) return [];
  const a = c.subgraph(then, []);
  const b = c.subgraph(other, []);
  return n.output.map((_, k) => {
    const x = a[k];
    const y = b[k];
    if (!x || !y) return undefined;
    if (!x.shape || !y.shape || x.shape.length !== y.shape.length) return t(x.elemType || y.elemType, null);
    // A dim on which the branches differ depends on the condition, that is on the data.
    return t(x.elemType || y.elemType, x.shape.map((d, i) => (d && y.shape![i] && d.equals(y.shape![i]) ? d : d && y.shape![i] ? c.dataDependent(k, `dim${i}`) : null)));
  });
});

define("Loop", (n, c) => {
  const body = findAttr(n, "body")?.g;
  if (!body) return [];
  const carried = n.input.slice(2).map((_, k) => c.type(k + 2));
  const iterType = t(INT64, []);
  const condType = t(BOOL, []);
  let outs = c.subgraph(body, [iterType, condType, ...carried]);
  const nCarried = carried.length;
  const stable = (k: number) => {
    const a = carried[k];
    const b = outs[k + 1];
    return a && b && a.elemType === b.elemType && sameShape(a.shape, b.shape);
  };
  let finals = carried;
  if (!carried.every((_, k) => stable(k))) {
    // A state whose shape changes per iteration: the changing dims depend on the trip count.
    finals = carried.map((a, k) => (stable(k) || !a ? a : generalise(a, outs[k + 1], (i) => c.dataDependent(k, `dim${i}`))));
    outs = c.subgraph(body, [iterType, condType, ...finals]);
  }
  const m = n.input[0] ? c.known(0)?.values[0] ?? null : null;
  const condIn = body.input[1]?.name;
  const condOut = body.output[0]?.name;
  const condFixed = !n.input[1] || condOut === condIn || body.node.some((x) => x.opType === "Identity" && x.output[0] === condOut && x.input[0] === condIn);
  const trips = m && condFixed ? m : c.dataDependent(nCarried, "trips");
  const scans = outs.slice(1 + nCarried).map((s) => (s ? t(s.elemType, s.shape ? [trips, ...s.shape] : null) : undefined));
  return [...finals, ...scans];
});

define("Scan", (n, c) => {
  const body = findAttr(n, "body")?.g;
  const numScan = attrInt(n, "num_scan_inputs", 0);
  if (!body || c.opset < 9) return [];
  const nState = n.input.length - numScan;
  const inAxes = attrInts(n, "scan_input_axes") ?? new Array<number>(numScan).fill(0);
  const outAxes = attrInts(n, "scan_output_axes");
  const states = n.input.slice(0, nState).map((_, k) => c.type(k));
  let seq: SDim = null;
  const slices = Array.from({ length: numScan }, (_, j) => {
    const x = c.type(nState + j);
    if (!x || !x.shape) return x ? t(x.elemType, null) : undefined;
    const axis = normAxis(inAxes[j]!, x.shape.length);
    if (j === 0) seq = x.shape[axis]!;
    return t(x.elemType, x.shape.filter((_, i) => i !== axis));
  });
  const outs = c.subgraph(body, [...states, ...slices]);
  const finals = outs.slice(0, nState);
  const scans = outs.slice(nState).map((s, j) => {
    if (!s || !s.shape) return s;
    const axis = normAxis(outAxes?.[j] ?? 0, s.shape.length + 1);
    const shape = [...s.shape];
    shape.splice(axis, 0, seq);
    return t(s.elemType, shape);
  });
  return [...finals, ...scans];
});

function sameShape(a: SDim[] | null, b: SDim[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((d, i) => d !== null && b[i] !== null && d.equals(b[i]!));
}

function generalise(a: SType, b: SType | undefined, fresh: (axis: number) => Expr): SType {
  if (!a.shape || !b?.shape || a.shape.length !== b.shape.length) return t(a.elemType, null);
  return t(a.elemType, a.shape.map((d, i) => (d && b.shape![i] && d.equals(b.shape![i]) ? d : fresh(i))));
}
