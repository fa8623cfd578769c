import { attrInt, attrInts, attrTensor, findAttr } from "./attributes.js";
import type { Graph } from "./graph.js";
import { DataType, type NodeProto, type TensorProto } from "./proto.js";
import { tensorToBigInts } from "./tensor.js";
import { broadcast, normAxis, product, windowShape } from "./shape-math.js";
import type { Dim, TensorType } from "./types.js";

/** Values of small integer tensors known at analysis time, e.g. the shape fed to a Reshape. */
type Known = { rank0: boolean; values: Dim[] };

interface Ctx {
  types: Map<string, TensorType>;
  known: Map<string, Known>;
}

const FLOAT = DataType.FLOAT;
const INT64 = DataType.INT64;
const BOOL = DataType.BOOL;

/**
 * Infers element type and shape of every tensor for the operators CNN classifiers use (and many
 * more). Types the file declares win over inferred ones; a tensor whose type stays unknown is
 * absent from the result, and callers (the splitter) fall back to measuring it with the runtime.
 */
export function inferTypes(graph: Graph): Map<string, TensorType> {
  const ctx: Ctx = { types: new Map(), known: new Map() };
  for (const [name, t] of graph.initializers) {
    ctx.types.set(name, { elemType: t.dataType, shape: t.dims.map(Number) });
    const k = knownFromTensor(t);
    if (k) ctx.known.set(name, k);
  }
  for (const [name, t] of graph.declaredTypes) if (!ctx.types.has(name)) ctx.types.set(name, t);
  for (const node of graph.nodes) {
    let outs: (TensorType | undefined)[] = [];
    try {
      outs = inferNode(node, ctx);
    } catch {
      outs = [];
    }
    node.output.forEach((o, k) => {
      if (!o) return;
      const declared = graph.declaredTypes.get(o);
      const inferred = outs[k];
      const best = declared && declared.shape !== null && declared.shape.every((d) => d !== null) ? declared : inferred ?? declared;
      if (best) ctx.types.set(o, best);
    });
  }
  return ctx.types;
}

function knownFromTensor(t: TensorProto): Known | undefined {
  if (t.dataType !== INT64 && t.dataType !== DataType.INT32) return undefined;
  if (t.dims.length > 1 || (t.dims.length === 1 && t.dims[0]! > 64n)) return undefined;
  return { rank0: t.dims.length === 0, values: tensorToBigInts(t).map(Number) };
}

function shapeOf(ctx: Ctx, name: string | undefined): Dim[] | null {
  if (!name) return null;
  return ctx.types.get(name)?.shape ?? null;
}

function elemOf(ctx: Ctx, name: string | undefined): number | undefined {
  return name ? ctx.types.get(name)?.elemType : undefined;
}

function same(ctx: Ctx, node: NodeProto): TensorType | undefined {
  const t = ctx.types.get(node.input[0] ?? "");
  return t ? { elemType: t.elemType, shape: t.shape ? [...t.shape] : null } : undefined;
}

function inputKnown(ctx: Ctx, node: NodeProto, k: number): Known | undefined {
  const name = node.input[k];
  return name ? ctx.known.get(name) : undefined;
}

function setKnown(ctx: Ctx, node: NodeProto, values: Dim[], rank0 = false): void {
  if (node.output[0]) ctx.known.set(node.output[0], { rank0, values });
}

/** Arithmetic on known integer values (shape computations such as batch * channels). */
const INT_ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => Math.trunc(a / b),
};

function inferNode(node: NodeProto, ctx: Ctx): (TensorType | undefined)[] {
  if (node.domain !== "" && node.domain !== "ai.onnx") return [];
  const x = shapeOf(ctx, node.input[0]);
  const elem = elemOf(ctx, node.input[0]) ?? FLOAT;
  switch (node.opType) {
    case "Relu": case "LeakyRelu": case "Sigmoid": case "Tanh": case "HardSigmoid": case "HardSwish":
    case "Clip": case "Exp": case "Log": case "Sqrt": case "Neg": case "Abs": case "Erf": case "Softplus":
    case "Elu": case "Selu": case "Gelu": case "Identity": case "InstanceNormalization": case "LRN":
    case "Softmax": case "LogSoftmax": case "Reciprocal": case "Floor": case "Ceil": case "Round":
    case "Sign": case "Sin": case "Cos": case "Mish": case "PRelu": case "Celu": case "ThresholdedRelu":
    case "Softsign": case "HardMax": case "Hardmax": case "Shrink": case "Trilu":
      return [same(ctx, node)];
    case "BatchNormalization":
      return [same(ctx, node)];
    case "Dropout":
      return [same(ctx, node), x ? { elemType: BOOL, shape: [...x] } : undefined];
    case "LayerNormalization": {
      const axis = attrInt(node, "axis", -1);
      const reduced = x ? x.map((d, i) => (i >= normAxis(axis, x.length) ? 1 : d)) : null;
      return [same(ctx, node), { elemType: FLOAT, shape: reduced }, { elemType: FLOAT, shape: reduced }];
    }
    case "Not": case "IsNaN": case "IsInf":
      return [{ elemType: BOOL, shape: x }];
    case "Cast": {
      const to = attrInt(node, "to", FLOAT);
      const k = inputKnown(ctx, node, 0);
      if (k) setKnown(ctx, node, k.values, k.rank0);
      return [{ elemType: to, shape: x }];
    }
    case "CastLike":
      return [{ elemType: elemOf(ctx, node.input[1]) ?? elem, shape: x }];
    case "Add": case "Sub": case "Mul": case "Div": case "Pow": case "Max": case "Min": case "Sum": case "Mean":
    case "Mod": case "BitShift": {
      const ks = node.input.map((_, k) => inputKnown(ctx, node, k));
      if (ks.length === 2 && ks[0] && ks[1] && ks[0].values.length === ks[1].values.length) {
        const f = INT_ARITHMETIC[node.opType];
        if (f) setKnown(ctx, node, ks[0].values.map((a, i) => { const b = ks[1]!.values[i]!; return typeof a === "number" && typeof b === "number" ? f(a, b) : null; }), ks[0].rank0);
      }
      return [{ elemType: elem, shape: broadcast(node.input.map((i) => shapeOf(ctx, i))) }];
    }
    case "Equal": case "Less": case "Greater": case "LessOrEqual": case "GreaterOrEqual": case "And": case "Or": case "Xor":
      return [{ elemType: BOOL, shape: broadcast(node.input.map((i) => shapeOf(ctx, i))) }];
    case "Where":
      return [{ elemType: elemOf(ctx, node.input[1]) ?? elem, shape: broadcast(node.input.map((i) => shapeOf(ctx, i))) }];
    case "Conv": {
      const w = shapeOf(ctx, node.input[1]);
      if (!x || !w) return [];
      const kernel = attrInts(node, "kernel_shape") ?? (w.slice(2) as number[]);
      return [{ elemType: elem, shape: windowShape(node, x, kernel, w[0]!) }];
    }
    case "ConvTranspose":
      return [];
    case "MaxPool": case "AveragePool": case "LpPool": {
      if (!x) return [];
      const out = windowShape(node, x, attrInts(node, "kernel_shape") ?? [], x[1]!);
      return [{ elemType: elem, shape: out }, { elemType: INT64, shape: out }];
    }
    case "GlobalAveragePool": case "GlobalMaxPool": case "GlobalLpPool":
      return [{ elemType: elem, shape: x ? [x[0]!, x[1]!, ...x.slice(2).map(() => 1)] : null }];
    case "Flatten": {
      if (!x) return [{ elemType: elem, shape: [null, null] }];
      const axis = normAxis(attrInt(node, "axis", 1), x.length);
      const head = axis === 1 ? x[0]! : product(x.slice(0, axis));
      return [{ elemType: elem, shape: [head, product(x.slice(axis))] }];
    }
    case "Gemm": {
      const b = shapeOf(ctx, node.input[1]);
      if (!x || !b) return [];
      const m = attrInt(node, "transA", 0) ? x[1]! : x[0]!;
      const n = attrInt(node, "transB", 0) ? b[0]! : b[1]!;
      return [{ elemType: elem, shape: [m, n] }];
    }
    case "MatMul": {
      const b = shapeOf(ctx, node.input[1]);
      if (!x || !b) return [];
      const a2 = x.length === 1 ? [1, x[0]!] : x;
      const b2 = b.length === 1 ? [b[0]!, 1] : b;
      const batch = broadcast([a2.slice(0, -2), b2.slice(0, -2)]);
      if (!batch) return [];
      const out = [...batch, ...(x.length === 1 ? [] : [a2[a2.length - 2]!]), ...(b.length === 1 ? [] : [b2[b2.length - 1]!])];
      return [{ elemType: elem, shape: out }];
    }
    case "Shape": {
      if (!x) return [{ elemType: INT64, shape: [null] }];
      const start = normAxis(attrInt(node, "start", 0), x.length);
      const endAttr = attrInt(node, "end");
      const end = endAttr === undefined ? x.length : Math.min(normAxis(endAttr, x.length), x.length);
      const vals = x.slice(start, end);
      setKnown(ctx, node, vals);
      return [{ elemType: INT64, shape: [vals.length] }];
    }
    case "Size":
      return [{ elemType: INT64, shape: [] }];
    case "Constant": {
      const t = attrTensor(node, "value");
      if (t) {
        const k = knownFromTensor(t);
        if (k) setKnown(ctx, node, k.values, k.rank0);
        return [{ elemType: t.dataType, shape: t.dims.map(Number) }];
      }
      const ints = attrInts(node, "value_ints");
      if (ints) { setKnown(ctx, node, ints); return [{ elemType: INT64, shape: [ints.length] }]; }
      const i = attrInt(node, "value_int");
      if (i !== undefined) { setKnown(ctx, node, [i], true); return [{ elemType: INT64, shape: [] }]; }
      if (findAttr(node, "value_float")) return [{ elemType: FLOAT, shape: [] }];
      const floats = findAttr(node, "value_floats");
      if (floats) return [{ elemType: FLOAT, shape: [floats.floats.length] }];
      return [];
    }
    case "ConstantOfShape": {
      const k = inputKnown(ctx, node, 0);
      const v = attrTensor(node, "value");
      return [{ elemType: v?.dataType ?? FLOAT, shape: k ? k.values : null }];
    }
    case "Reshape": {
      const k = inputKnown(ctx, node, 1);
      if (!k) return [{ elemType: elem, shape: null }];
      const allowZero = attrInt(node, "allowzero", 0) === 1;
      const out: Dim[] = k.values.map((v, i) => (v === 0 && !allowZero ? (x ? x[i] ?? null : null) : v));
      const minus = out.indexOf(-1);
      if (minus >= 0) {
        const total = x ? product(x) : null;
        const rest = product(out.filter((_, i) => i !== minus));
        out[minus] = typeof total === "number" && typeof rest === "number" && rest !== 0 ? total / rest : null;
        if (out[minus] === null && x && typeof rest === "number") {
          // A symbolic batch times known dims divided by known dims: keep the symbol when it cancels.
          const sym = x.filter((d) => typeof d !== "number");
          const knownTotal = product(x.filter((d) => typeof d === "number"));
          if (sym.length === 1 && out.includes(sym[0]!) && typeof knownTotal === "number") out[minus] = knownTotal / rest;
        }
      }
      const xk = inputKnown(ctx, node, 0);
      if (xk) setKnown(ctx, node, xk.values, false);
      return [{ elemType: elem, shape: out }];
    }
    case "Transpose": {
      if (!x) return [{ elemType: elem, shape: null }];
      const perm = attrInts(node, "perm") ?? x.map((_, i) => x.length - 1 - i);
      return [{ elemType: elem, shape: perm.map((p) => x[p] ?? null) }];
    }
    case "Unsqueeze": {
      const axes = attrInts(node, "axes") ?? inputKnown(ctx, node, 1)?.values;
      const k = inputKnown(ctx, node, 0);
      if (k && k.rank0) setKnown(ctx, node, k.values);
      if (!x || !axes || axes.some((a) => typeof a !== "number")) return [{ elemType: elem, shape: null }];
      const rank = x.length + axes.length;
      const norm = (axes as number[]).map((a) => normAxis(a, rank));
      const out: Dim[] = [];
      let j = 0;
      for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : x[j++]!);
      return [{ elemType: elem, shape: out }];
    }
    case "Squeeze": {
      const axes = attrInts(node, "axes") ?? inputKnown(ctx, node, 1)?.values;
      if (!x) return [{ elemType: elem, shape: null }];
      const k = inputKnown(ctx, node, 0);
      if (k && k.values.length === 1) setKnown(ctx, node, k.values, true);
      if (!axes) return [{ elemType: elem, shape: x.every((d) => typeof d === "number") ? x.filter((d) => d !== 1) : null }];
      const norm = (axes as number[]).map((a) => normAxis(a, x.length));
      return [{ elemType: elem, shape: x.filter((_, i) => !norm.includes(i)) }];
    }
    case "Concat": {
      const shapes = node.input.map((i) => shapeOf(ctx, i));
      const ks = node.input.map((_, k) => inputKnown(ctx, node, k));
      if (ks.every((k) => k !== undefined)) setKnown(ctx, node, ks.flatMap((k) => k.values));
      if (shapes.some((s) => s === null)) return [{ elemType: elem, shape: null }];
      const axis = normAxis(attrInt(node, "axis", 0), shapes[0]!.length);
      const out = [...shapes[0]!];
      out[axis] = shapes.reduce<Dim>((acc, s) => (typeof acc === "number" && typeof s![axis] === "number" ? acc + s![axis] : null), 0);
      return [{ elemType: elem, shape: out }];
    }
    case "Split": {
      if (!x) return node.output.map(() => ({ elemType: elem, shape: null }));
      const axis = normAxis(attrInt(node, "axis", 0), x.length);
      const sizes = attrInts(node, "split") ?? inputKnown(ctx, node, 1)?.values;
      const n = node.output.length;
      return node.output.map((_, k) => {
        const out = [...x];
        const total = x[axis];
        out[axis] = sizes ? (sizes[k] as Dim) ?? null : typeof total === "number" ? Math.ceil(total / n) - (k === n - 1 ? Math.ceil(total / n) * n - total : 0) : null;
        return { elemType: elem, shape: out };
      });
    }
    case "Slice": {
      const starts = inputKnown(ctx, node, 1)?.values ?? attrInts(node, "starts");
      const ends = inputKnown(ctx, node, 2)?.values ?? attrInts(node, "ends");
      if (!x || !starts || !ends) return [{ elemType: elem, shape: x ? x.map(() => null) : null }];
      const axes = inputKnown(ctx, node, 3)?.values ?? attrInts(node, "axes") ?? starts.map((_, i) => i);
      const steps = inputKnown(ctx, node, 4)?.values ?? starts.map(() => 1);
      const out = [...x];
      const k = inputKnown(ctx, node, 0);
      axes.forEach((a, i) => {
        const ax = normAxis(a as number, x.length);
        const size = x[ax];
        const s = starts[i], e = ends[i], st = steps[i];
        if (typeof size !== "number" || typeof s !== "number" || typeof e !== "number" || typeof st !== "number") { out[ax] = null; return; }
        const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
        const lo = st > 0 ? 0 : -1, hi = st > 0 ? size : size - 1;
        const b = clamp(s < 0 ? s + size : s, lo, hi);
        const en = clamp(e < 0 ? e + size : e, lo, hi);
        out[ax] = Math.max(0, Math.ceil((en - b) / st));
        if (k && x.length === 1 && st > 0) setKnown(ctx, node, k.values.slice(b, en).filter((_, j) => j % st === 0));
      });
      return [{ elemType: elem, shape: out }];
    }
    case "Gather": {
      const idx = shapeOf(ctx, node.input[1]);
      if (!x || !idx) return [{ elemType: elem, shape: null }];
      const axis = normAxis(attrInt(node, "axis", 0), x.length);
      const k = inputKnown(ctx, node, 0);
      const ik = inputKnown(ctx, node, 1);
      if (k && ik && axis === 0) setKnown(ctx, node, ik.values.map((i) => (typeof i === "number" ? k.values[i < 0 ? i + k.values.length : i] ?? null : null)), ik.rank0);
      return [{ elemType: elem, shape: [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)] }];
    }
    case "ReduceMean": case "ReduceSum": case "ReduceMax": case "ReduceMin": case "ReduceProd": case "ReduceL2": case "ReduceL1":
    case "ReduceLogSumExp": case "ReduceSumSquare": case "ArgMax": case "ArgMin": {
      if (!x) return [{ elemType: elem, shape: null }];
      const isArg = node.opType.startsWith("Arg");
      const axes = isArg ? [attrInt(node, "axis", 0)] : attrInts(node, "axes") ?? (inputKnown(ctx, node, 1)?.values as number[] | undefined) ?? x.map((_, i) => i);
      const keep = attrInt(node, "keepdims", 1) === 1;
      const norm = axes.map((a) => normAxis(a, x.length));
      const out = keep ? x.map((d, i) => (norm.includes(i) ? 1 : d)) : x.filter((_, i) => !norm.includes(i));
      return [{ elemType: isArg ? INT64 : elem, shape: out }];
    }
    case "Pad": {
      const pads = inputKnown(ctx, node, 1)?.values ?? attrInts(node, "pads");
      if (!x || !pads || inputKnown(ctx, node, 3)) return [{ elemType: elem, shape: x ? x.map(() => null) : null }];
      const r = x.length;
      return [{ elemType: elem, shape: x.map((d, i) => { const a = pads[i], b = pads[i + r]; return typeof d === "number" && typeof a === "number" && typeof b === "number" ? d + a + b : null; }) }];
    }
    case "Expand": {
      const k = inputKnown(ctx, node, 1);
      return [{ elemType: elem, shape: k ? broadcast([x, k.values]) : null }];
    }
    case "Resize": case "Upsample": {
      if (!x) return [{ elemType: elem, shape: null }];
      const sizes = inputKnown(ctx, node, 3)?.values;
      if (sizes && sizes.length === x.length) return [{ elemType: elem, shape: sizes }];
      return [{ elemType: elem, shape: x.map(() => null) }];
    }
    case "Tile":
      return [{ elemType: elem, shape: x ? x.map(() => null) : null }];
    case "TopK":
      return [{ elemType: elem, shape: x ? x.map(() => null) : null }, { elemType: INT64, shape: x ? x.map(() => null) : null }];
    case "NonZero":
      return [{ elemType: INT64, shape: [x ? x.length : null, null] }];
    case "Range":
      return [{ elemType: elem, shape: [null] }];
    case "DepthToSpace": case "SpaceToDepth": {
      const b = attrInt(node, "blocksize", 1);
      if (!x) return [{ elemType: elem, shape: null }];
      const [n, c, h, w] = x;
      const down = node.opType === "SpaceToDepth";
      const scale = (d: Dim | undefined, f: (v: number) => number): Dim => (typeof d === "number" ? f(d) : null);
      return [{ elemType: elem, shape: [n!, scale(c, (v) => (down ? v * b * b : v / (b * b))), scale(h, (v) => (down ? v / b : v * b)), scale(w, (v) => (down ? v / b : v * b))] }];
    }
    case "Einsum":
      return [{ elemType: elem, shape: null }];
    default:
      return [];
  }
}
