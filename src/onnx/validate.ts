import { OnnxInvalid } from "../errors.js";
import { quote } from "../util/text.js";
import { attrInt, attrInts, attrString, findAttr } from "./attributes.js";
import { analyzeGraph } from "./graph.js";
import { lazyPayload } from "./payload.js";
import { DataType, DataLocation, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from "./proto.js";
import { inferTypes } from "./shapes.js";
import { lit, normAxis, windowShape } from "./shape-math.js";
import type { Dim, TensorType } from "./types.js";

/**
 * What onnxruntime would divide or index by, checked before it sees the model: a malformed
 * attribute of a known operator can make onnxruntime's kernels divide by zero or index out of
 * bounds and kill the process with a signal (a mutated SqueezeNet MaxPool did: SIGFPE). Each
 * refusal is ERR_ONNX_INVALID naming the node and the attribute. Operators not listed here reach
 * onnxruntime unchecked (docs/security.md says so).
 */
export function validateModel(model: ModelProto): void {
  const g = model.graph;
  if (!g) return;
  checkGraphStructure(g);
  for (const f of model.functions) f.node.forEach((n, i) => checkAttributes(n, i));
  checkShapes(model);
}

function checkGraphStructure(g: GraphProto): void {
  for (const t of g.initializer) checkTensor(t, "initializer");
  for (const s of g.sparseInitializer) {
    if (!s.values || !s.indices) throw new OnnxInvalid(`sparse initializer ${quote(s.values?.name ?? "")} lacks values or indices`);
    checkTensor(s.values, "sparse initializer");
    checkTensor(s.indices, "sparse initializer");
    checkSparseIndices(s.values, s.indices, s.dims.map(Number));
  }
  g.node.forEach((n, i) => {
    checkAttributes(n, i);
    for (const a of n.attribute) {
      if (a.t) checkTensor(a.t, `attribute ${quote(a.name)} of node ${label(n, i)}:`);
      for (const t of a.tensors) checkTensor(t, `attribute ${quote(a.name)} of node ${label(n, i)}:`);
      for (const sub of a.g ? [a.g, ...a.graphs] : a.graphs) checkGraphStructure(sub);
    }
  });
}

function label(n: NodeProto, index: number): string {
  return n.name ? `${quote(n.name)} (${quote(n.opType)})` : `#${index} (${quote(n.opType)})`;
}

function fail(n: NodeProto, index: number, attribute: string, why: string): never {
  throw new OnnxInvalid(`node ${label(n, index)}: attribute ${attribute} ${why}`);
}

// ---- tensors ---------------------------------------------------------------------------------

const FIXED_BYTES: Partial<Record<DataType, number>> = {
  [DataType.FLOAT]: 4, [DataType.UINT8]: 1, [DataType.INT8]: 1, [DataType.UINT16]: 2, [DataType.INT16]: 2,
  [DataType.INT32]: 4, [DataType.INT64]: 8, [DataType.BOOL]: 1, [DataType.FLOAT16]: 2, [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4, [DataType.UINT64]: 8, [DataType.COMPLEX64]: 8, [DataType.COMPLEX128]: 16, [DataType.BFLOAT16]: 2,
  [DataType.FLOAT8E4M3FN]: 1, [DataType.FLOAT8E4M3FNUZ]: 1, [DataType.FLOAT8E5M2]: 1, [DataType.FLOAT8E5M2FNUZ]: 1,
};

/** Values each typed field must hold per element (ONNX's TensorProto field rules). */
function typedCount(t: TensorProto): number {
  switch (t.dataType) {
    case DataType.FLOAT: return t.floatData.length;
    case DataType.COMPLEX64: return t.floatData.length / 2;
    case DataType.DOUBLE: return t.doubleData.length;
    case DataType.COMPLEX128: return t.doubleData.length / 2;
    case DataType.INT64: return t.int64Data.length;
    case DataType.UINT32: case DataType.UINT64: return t.uint64Data.length;
    case DataType.STRING: return t.stringData.length;
    default: return t.int32Data.length;
  }
}

/** Dims are non-negative, and the payload holds exactly what the dims and type need. */
function checkTensor(t: TensorProto, what: string): void {
  const name = `${what} ${quote(t.name)}`;
  let n = 1;
  for (const d of t.dims) {
    if (d < 0n) throw new OnnxInvalid(`${name} has a negative dimension (${d})`);
    n *= Number(d);
  }
  if (!Number.isSafeInteger(n)) throw new OnnxInvalid(`${name} declares ${n} elements, more than any tensor can hold`);
  if (t.dataType === DataType.STRING) {
    if (t.stringData.length !== n) throw new OnnxInvalid(`${name} holds ${t.stringData.length} strings, its dims need ${n}`);
    return;
  }
  const width = FIXED_BYTES[t.dataType as DataType];
  if (width === undefined) throw new OnnxInvalid(`${name} has element type ${t.dataType}, which ONNX does not define or msplit does not know`);
  if (t.dataLocation === DataLocation.EXTERNAL) return; // checked against its shape when the data is read (codec.ts)
  const raw = lazyPayload(t)?.length ?? t.rawData.byteLength;
  if (raw > 0 || typedCount(t) === 0) {
    if (raw !== n * width) throw new OnnxInvalid(`${name} holds ${raw} bytes, its dims and type need ${n * width}`);
  } else if (typedCount(t) !== n) {
    throw new OnnxInvalid(`${name} holds ${typedCount(t)} values, its dims need ${n}`);
  }
}

/** onnxruntime scatters sparse values into a dense tensor by these indices. */
function checkSparseIndices(values: TensorProto, indices: TensorProto, dims: number[]): void {
  const name = `sparse initializer ${quote(values.name)}`;
  const nnz = Number(values.dims[0] ?? 0n);
  const size = dims.reduce((a, b) => a * b, 1);
  if (dims.some((d) => !(d >= 0))) throw new OnnxInvalid(`${name} has a negative dimension`);
  if (indices.dataType !== DataType.INT64) throw new OnnxInvalid(`${name}: indices must be int64`);
  const flat = indices.dims.length === 1;
  if (!flat && !(indices.dims.length === 2 && Number(indices.dims[0]) === nnz && Number(indices.dims[1]) === dims.length))
    throw new OnnxInvalid(`${name}: indices of shape [${indices.dims.join(", ")}] do not fit ${nnz} values of rank ${dims.length}`);
  if (flat && Number(indices.dims[0]) !== nnz) throw new OnnxInvalid(`${name}: ${indices.dims[0]} indices for ${nnz} values`);
  const raw = lazyPayload(indices) ? undefined : indices.rawData;
  const at = (k: number): bigint => (raw && raw.byteLength > 0 ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).readBigInt64LE(k * 8) : (indices.int64Data[k] ?? -1n));
  for (let k = 0; k < (flat ? nnz : nnz * dims.length); k++) {
    const bound = flat ? size : dims[k % dims.length]!;
    const v = at(k);
    if (v < 0n || v >= BigInt(bound)) throw new OnnxInvalid(`${name}: index ${v} is out of bounds (${bound})`);
  }
}

// ---- attributes, without shapes ---------------------------------------------------------------

const WINDOW_OPS = new Set(["Conv", "ConvTranspose", "ConvInteger", "QLinearConv", "MaxPool", "AveragePool", "LpPool", "MaxUnpool"]);
const AUTO_PADS = new Set(["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]);

function isDefaultDomain(n: NodeProto): boolean {
  return n.domain === "" || n.domain === "ai.onnx";
}

/** A literal attribute's ints (undefined when absent, or a reference inside a function body). */
function literalInts(n: NodeProto, name: string): number[] | undefined {
  const a = findAttr(n, name);
  return a && !a.refAttrName ? a.ints.map(Number) : undefined;
}

function literalInt(n: NodeProto, name: string): number | undefined {
  const a = findAttr(n, name);
  return a && !a.refAttrName ? Number(a.i) : undefined;
}

const MAX_WINDOW = 2 ** 31 - 1;

function checkAttributes(n: NodeProto, i: number): void {
  if (!isDefaultDomain(n)) return;
  if (WINDOW_OPS.has(n.opType)) {
    const kernel = literalInts(n, "kernel_shape");
    const strides = literalInts(n, "strides");
    const dilations = literalInts(n, "dilations");
    const pads = literalInts(n, "pads");
    if (kernel?.some((k) => k < 1)) fail(n, i, "kernel_shape", `holds ${list(kernel)}; every size must be positive`);
    if (strides?.some((s) => s < 1)) fail(n, i, "strides", `holds ${list(strides)}; every stride must be positive`);
    if (dilations?.some((d) => d < 1)) fail(n, i, "dilations", `holds ${list(dilations)}; every dilation must be positive`);
    if (pads?.some((p) => p < 0)) fail(n, i, "pads", `holds ${list(pads)}; pads must not be negative`);
    // Sizes beyond any tensor's: onnxruntime would overflow, and msplit's exact arithmetic refuses them.
    for (const [name, values] of [["kernel_shape", kernel], ["strides", strides], ["dilations", dilations], ["pads", pads]] as const)
      if (values?.some((v) => v > MAX_WINDOW)) fail(n, i, name, `holds ${list(values)}; at most ${MAX_WINDOW} is accepted`);
    const rank = kernel?.length;
    if (rank !== undefined) {
      if (strides && strides.length !== rank) fail(n, i, "strides", `has ${strides.length} values for a ${rank}-d kernel`);
      if (dilations && dilations.length !== rank) fail(n, i, "dilations", `has ${dilations.length} values for a ${rank}-d kernel`);
      if (pads && pads.length !== 2 * rank) fail(n, i, "pads", `has ${pads.length} values for a ${rank}-d kernel (needs ${2 * rank})`);
    }
    if (pads && pads.length % 2 !== 0) fail(n, i, "pads", `has an odd number of values (${pads.length})`);
    const autoPad = findAttr(n, "auto_pad");
    if (autoPad && !autoPad.refAttrName && !AUTO_PADS.has(attrString(n, "auto_pad", "NOTSET")))
      fail(n, i, "auto_pad", `is ${quote(attrString(n, "auto_pad", ""))}; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID`);
    const group = literalInt(n, "group");
    if (group !== undefined && group < 1) fail(n, i, "group", `is ${group}; it must be at least 1`);
    const ceil = literalInt(n, "ceil_mode");
    if (ceil !== undefined && ceil !== 0 && ceil !== 1) fail(n, i, "ceil_mode", `is ${ceil}; expected 0 or 1`);
    const outPad = literalInts(n, "output_padding");
    if (outPad?.some((p) => p < 0)) fail(n, i, "output_padding", `holds ${list(outPad)}; it must not be negative`);
    const p = literalInt(n, "p");
    if (n.opType === "LpPool" && p !== undefined && p < 1) fail(n, i, "p", `is ${p}; it must be at least 1`);
    return;
  }
  switch (n.opType) {
    case "LRN": {
      const size = literalInt(n, "size");
      if (size !== undefined && size < 1) fail(n, i, "size", `is ${size}; it must be at least 1`);
      return;
    }
    case "DepthToSpace": case "SpaceToDepth": {
      const b = literalInt(n, "blocksize");
      if (b !== undefined && b < 1) fail(n, i, "blocksize", `is ${b}; it must be at least 1`);
      return;
    }
    case "Upsample": {
      const scales = findAttr(n, "scales")?.floats;
      if (scales?.some((s) => !(s > 0) || !Number.isFinite(s))) fail(n, i, "scales", `holds ${list(scales)}; every scale must be a positive number`);
      return;
    }
    case "Split": {
      const split = literalInts(n, "split");
      if (split?.some((s) => s < 0)) fail(n, i, "split", `holds ${list(split)}; sizes must not be negative`);
      return;
    }
  }
}

function list(values: readonly number[]): string {
  const shown = values.slice(0, 8).join(", ");
  return `[${values.length > 8 ? `${shown}, ...` : shown}]`;
}

// ---- attributes against the shapes inference knows (main graph) -------------------------------

/** Ops whose `axis` attribute indexes the axes of input 0. */
const AXIS_OPS = new Set(["Concat", "Gather", "GatherElements", "ScatterElements", "Softmax", "LogSoftmax", "Hardmax", "ArgMax", "ArgMin", "TopK", "Split", "LayerNormalization", "OneHot", "Flatten"]);

/** The valid `axis` values for an input of rank `rank`. */
function axisRange(op: string, rank: number): [number, number] {
  if (op === "Flatten") return [-rank, rank];
  if (op === "OneHot") return [-rank - 1, rank]; // an axis of the output, one rank more
  return [-rank, rank - 1];
}

function checkShapes(model: ModelProto): void {
  const graph = analyzeGraph(model);
  const types = inferTypes(graph);
  const shapeOf = (name: string | undefined): Dim[] | null => (name ? (types.get(name)?.shape ?? null) : null);
  graph.nodes.forEach((n, i) => {
    if (!isDefaultDomain(n)) return;
    const x = shapeOf(n.input[0]);
    if (AXIS_OPS.has(n.opType) && x) {
      const axis = literalInt(n, "axis");
      const rank = x.length;
      const [lo, hi] = axisRange(n.opType, rank);
      if (axis !== undefined && !(axis >= lo && axis <= hi)) fail(n, i, "axis", `is ${axis}, outside [${lo}, ${hi}] for an input of rank ${rank}`);
      if (n.opType === "Concat") {
        for (const other of n.input.slice(1)) {
          const s = shapeOf(other);
          if (s && s.length !== rank) throw new OnnxInvalid(`node ${label(n, i)}: inputs of rank ${rank} and ${s.length} cannot be concatenated`);
        }
      }
    }
    if (x) checkAxesAndPerm(n, i, x.length);
    if (!x) return;
    switch (n.opType) {
      case "Conv": case "ConvInteger": case "QLinearConv":
        return checkConv(n, i, x, shapeOf(n.opType === "QLinearConv" ? n.input[3] : n.input[1]), types);
      case "ConvTranspose":
        return checkConvTranspose(n, i, x, shapeOf(n.input[1]));
      case "MaxPool": case "AveragePool": case "LpPool":
        return checkPool(n, i, x);
      case "DepthToSpace": case "SpaceToDepth":
        return checkBlocks(n, i, x);
    }
  });
}

function checkAxesAndPerm(n: NodeProto, i: number, rank: number): void {
  const perm = n.opType === "Transpose" ? literalInts(n, "perm") : undefined;
  if (perm && (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, k) => p !== k)))
    fail(n, i, "perm", `is ${list(perm)}, not a permutation of the input's ${rank} axes`);
  const axes = literalInts(n, "axes");
  if (!axes) return;
  const outRank = n.opType === "Unsqueeze" ? rank + axes.length : rank;
  const bad = axes.find((a) => !(a >= -outRank && a < outRank));
  if (bad !== undefined) fail(n, i, "axes", `holds ${bad}, outside rank ${outRank}`);
  if (new Set(axes.map((a) => normAxis(a, outRank))).size !== axes.length) fail(n, i, "axes", `repeats an axis (${list(axes)})`);
}

function spatialAttrs(n: NodeProto, i: number, x: Dim[], kernelRank: number): void {
  if (x.length !== kernelRank + 2) fail(n, i, "kernel_shape", `is ${kernelRank}-d but the input has rank ${x.length}`);
}

/** Every output size at least 1: a window larger than its padded input is what crashed onnxruntime. */
function checkWindows(n: NodeProto, i: number, x: Dim[], kernel: number[], channelsOut: Dim): void {
  // Only known sizes can be checked: symbolic dims take no part.
  const known = (d: Dim) => (typeof d === "number" ? lit(d) : null);
  let out: ReturnType<typeof windowShape>;
  try {
    out = windowShape(n, x.map(known), kernel, known(channelsOut));
  } catch (e) {
    // Exact arithmetic refuses sizes past 2^53: no real tensor has them.
    return fail(n, i, "kernel_shape", `gives output sizes beyond any tensor's (${(e as Error).message})`);
  }
  const pads = attrInts(n, "pads") ?? [];
  const dil = attrInts(n, "dilations") ?? [];
  out.slice(2).forEach((d, k) => {
    if (d !== null && d.isConstant() && d.value! < 1) {
      const ek = (kernel[k]! - 1) * (dil[k] ?? 1) + 1;
      fail(n, i, "kernel_shape", `makes an empty output on axis ${k + 2}: a window of ${ek} over an input of ${x[k + 2]} padded by ${(pads[k] ?? 0) + (pads[k + kernel.length] ?? 0)}`);
    }
  });
}

function checkConv(n: NodeProto, i: number, x: Dim[], w: Dim[] | null, types: ReadonlyMap<string, TensorType>): void {
  if (!w) return;
  if (w.length !== x.length) throw new OnnxInvalid(`node ${label(n, i)}: weight of rank ${w.length} for an input of rank ${x.length}`);
  const kernel = attrInts(n, "kernel_shape") ?? w.slice(2).map((d) => (typeof d === "number" ? d : NaN));
  spatialAttrs(n, i, x, kernel.length);
  kernel.forEach((k, a) => {
    const wd = w[a + 2];
    if (typeof wd === "number" && k !== wd) fail(n, i, "kernel_shape", `is ${list(kernel)} but the weight's spatial dims are [${w.slice(2).join(", ")}]`);
  });
  const group = attrInt(n, "group", 1);
  const [c, m, wc] = [x[1], w[0], w[1]];
  if (typeof m === "number" && m % group !== 0) fail(n, i, "group", `is ${group}, which does not divide the ${m} output channels`);
  if (typeof c === "number" && typeof wc === "number" && c !== wc * group)
    fail(n, i, "group", `is ${group}: ${c} input channels, but the weight expects ${wc} per group (${wc * group})`);
  const b = n.input[2] ? types.get(n.input[2])?.shape : undefined;
  if (b && typeof m === "number" && (b.length !== 1 || (typeof b[0] === "number" && b[0] !== m)))
    throw new OnnxInvalid(`node ${label(n, i)}: bias of shape [${b.join(", ")}] for ${m} output channels`);
  if (kernel.every((k) => Number.isInteger(k))) checkWindows(n, i, x, kernel, m ?? null);
}

function checkConvTranspose(n: NodeProto, i: number, x: Dim[], w: Dim[] | null): void {
  if (!w) return;
  if (w.length !== x.length) throw new OnnxInvalid(`node ${label(n, i)}: weight of rank ${w.length} for an input of rank ${x.length}`);
  spatialAttrs(n, i, x, w.length - 2);
  const group = attrInt(n, "group", 1);
  const [c, wc] = [x[1], w[0]];
  if (typeof c === "number" && typeof wc === "number" && c !== wc) fail(n, i, "group", `is ${group}: ${c} input channels, but the weight has ${wc}`);
  if (typeof wc === "number" && wc % group !== 0) fail(n, i, "group", `is ${group}, which does not divide the weight's ${wc} input channels`);
}

function checkPool(n: NodeProto, i: number, x: Dim[]): void {
  const kernel = attrInts(n, "kernel_shape");
  if (!kernel) fail(n, i, "kernel_shape", "is missing; pools need one");
  spatialAttrs(n, i, x, kernel.length);
  // onnxruntime's own rule for pools: a pad as large as the kernel could make a window of padding only.
  const pads = attrInts(n, "pads") ?? [];
  pads.forEach((p, k) => {
    const size = kernel[k % kernel.length]!;
    if (p >= size) fail(n, i, "pads", `holds ${p}, not smaller than the kernel (${size})`);
  });
  checkWindows(n, i, x, kernel, x[1] ?? null);
}

function checkBlocks(n: NodeProto, i: number, x: Dim[]): void {
  const b = attrInt(n, "blocksize", 1);
  if (x.length !== 4) throw new OnnxInvalid(`node ${label(n, i)}: input of rank ${x.length}; ${n.opType} takes rank 4`);
  if (n.opType === "DepthToSpace" && typeof x[1] === "number" && x[1] % (b * b) !== 0) fail(n, i, "blocksize", `is ${b}; ${x[1]} channels do not divide by ${b * b}`);
  if (n.opType === "SpaceToDepth")
    for (const a of [2, 3]) if (typeof x[a] === "number" && x[a] % b !== 0) fail(n, i, "blocksize", `is ${b}; dimension ${a} (${x[a]}) does not divide by it`);
}
