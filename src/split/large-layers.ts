import { OnnxUnsupported, SplitInvalidParts } from "../errors.js";
import { attr } from "../onnx/builder.js";
import { attrInt } from "../onnx/attributes.js";
import { analyzeGraph, type Graph } from "../onnx/graph.js";
import { create, DataLocation, DataType, type ModelProto, type NodeProto, NodeProtoSchema, type TensorProto, TensorProtoSchema } from "../onnx/proto.js";
import { dataTypeName } from "../onnx/dtypes.js";
import { elementBytes, numElements, tensorPayloadBytes } from "../onnx/tensor.js";
import { outerScopeNames } from "../onnx/walk.js";
import { buildSchedule, type Schedule } from "./schedule.js";

/**
 * Weight budgets for enclaves with little protected memory: what each scheduled node holds in
 * weights, and slicing of the layers that alone hold more than a part may.
 */

/**
 * Slices are cut to at most this fraction of the budget when a row allows it: pieces exactly the
 * size of the budget would each fill a part alone and leave the rest of it unusable, so a layer of
 * 6.1 budgets would take 7 parts; half-budget pieces pack two to a part and share with neighbours.
 */
const SLICE_FRACTION = 0.5;

/** Initializers a scheduled node needs, directly or through the constant nodes feeding it. */
export function nodeInitializers(graph: Graph, schedule: Schedule, nodeIndex: number): Set<string> {
  const found = new Set<string>();
  const seen = new Set<number>([nodeIndex]);
  const stack = [nodeIndex];
  while (stack.length > 0) {
    const i = stack.pop()!;
    for (const name of graph.nodeInputs[i]!) {
      if (graph.initializers.has(name)) found.add(name);
      const p = graph.producer.get(name);
      if (p !== undefined && schedule.isConst[p] && !seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  return found;
}

/**
 * Weight bytes per schedule position. A weight shared by several nodes is counted for each, so a
 * sum over a segment never underestimates what its part holds (partGraph copies it once).
 */
export function positionParamBytes(graph: Graph, schedule: Schedule): number[] {
  return schedule.nodes.map((i) => initializerBytes(graph, nodeInitializers(graph, schedule, i)));
}

export function initializerBytes(graph: Graph, names: Iterable<string>): number {
  let total = 0;
  for (const n of names) total += tensorPayloadBytes(graph.initializers.get(n)!);
  return total;
}

export interface SlicedLayer {
  /** The node as messages name it: `Gemm 'classifier.0'`. */
  node: string;
  opType: string;
  slices: number;
  /** Its weight bytes before slicing. */
  paramBytes: number;
}

/**
 * Rewrites every node whose weights exceed `maxBytes` into slices along its output features,
 * joined by a Concat that makes the original output: the rest of the graph is untouched.
 * Returns the model itself when nothing is too large.
 */
export function sliceLargeLayers(model: ModelProto, maxBytes: number): { model: ModelProto; sliced: SlicedLayer[] } {
  const graph = analyzeGraph(model);
  const schedule = buildSchedule(graph);
  const bytes = positionParamBytes(graph, schedule);
  const replacements = new Map<NodeProto, NodeProto[]>();
  const newInits: TensorProto[] = [];
  const replaced = new Set<string>();
  const fresh = nameSource(model);
  const sliced: SlicedLayer[] = [];
  schedule.nodes.forEach((i, pos) => {
    if (bytes[pos]! <= maxBytes) return;
    const node = graph.nodes[i]!;
    const recipe = recipeFor(graph, node, bytes[pos]!, maxBytes);
    const ranges = sliceRanges(graph, node, recipe, maxBytes);
    const { nodes, inits } = buildSlices(node, recipe, ranges, fresh);
    replacements.set(node, nodes);
    newInits.push(...inits);
    // Candidates for removal; whatever the slices still read stays.
    for (const name of node.input) replaced.add(name);
    for (const inp of recipe.inputs) if (inp.kind === "slice") replaced.add(inp.tensor.name);
    sliced.push({ node: label(node), opType: node.opType, slices: ranges.length, paramBytes: bytes[pos]! });
  });
  if (sliced.length === 0) return { model, sliced };
  const g = model.graph!;
  const node = dropUnread(g.node.flatMap((n) => replacements.get(n) ?? [n]), replaced, new Set(g.output.map((o) => o.name)));
  const read = namesRead(node);
  const drop = (name: string) => replaced.has(name) && !read.has(name) && !g.output.some((o) => o.name === name);
  const graphProto = {
    ...g,
    node,
    initializer: [...g.initializer.filter((t) => !drop(t.name)), ...newInits],
    input: g.input.filter((v) => !drop(v.name)),
  };
  return { model: { ...model, graph: graphProto }, sliced };
}

/**
 * Drops the Identity nodes that only passed a sliced weight on, once nothing reads them: the
 * original weight goes with them, or the model (and plan) would still carry it. `replaced` gets
 * the names along each chain, so that the caller drops those initializers too.
 */
function dropUnread(nodes: NodeProto[], replaced: Set<string>, outputs: ReadonlySet<string>): NodeProto[] {
  let kept = nodes;
  for (;;) {
    const read = namesRead(kept);
    const next = kept.filter((n) => {
      const dead = n.opType === "Identity" && replaced.has(n.output[0]!) && !read.has(n.output[0]!) && !outputs.has(n.output[0]!);
      if (dead) replaced.add(n.input[0]!);
      return !dead;
    });
    if (next.length === kept.length) return kept;
    kept = next;
  }
}

/** Everything the nodes read, including what their subgraphs (If, Loop) read from outside. */
function namesRead(nodes: readonly NodeProto[]): Set<string> {
  const read = new Set<string>();
  for (const n of nodes) {
    for (const i of n.input) read.add(i);
    for (const a of n.attribute) for (const sub of a.g ? [a.g, ...a.graphs] : a.graphs) for (const name of outerScopeNames(sub)) read.add(name);
  }
  return read;
}

/** How one node is sliced: which inputs are cut along which axis, and where outputs join. */
interface Recipe {
  features: number;
  inputs: ({ kind: "keep"; name: string } | { kind: "slice"; tensor: TensorProto; axis: number })[];
  /** Axis of the output along which the slices are concatenated. */
  outAxis: number;
}

const label = (node: NodeProto) => `${node.opType} '${node.name || node.output[0]}'`;

function recipeFor(graph: Graph, node: NodeProto, bytes: number, maxBytes: number): Recipe {
  const refuse = (why: string): never => {
    throw new SplitInvalidParts(`${label(node)} holds ${formatBytes(bytes)} of weights, over the part budget of ${formatBytes(maxBytes)}, and ${why}: raise maxPartBytes`);
  };
  const weight = (k: number, what: string): TensorProto => {
    const t = constantInput(graph, node.input[k]);
    if (!t) refuse(`its ${what} is not a weight msplit can slice (an initializer, or Identity of one)`);
    return t!;
  };
  const keep = (name: string | undefined) => ({ kind: "keep" as const, name: name ?? "" });
  switch (node.opType) {
    case "Gemm": {
      const b = weight(1, "B");
      if (b.dims.length !== 2) refuse("its B is not a matrix");
      const axis = attrInt(node, "transB", 0) ? 0 : 1;
      const n = Number(b.dims[axis]);
      const inputs: Recipe["inputs"] = [keep(node.input[0]), { kind: "slice", tensor: b, axis }];
      if (node.input[2]) {
        const c = weight(2, "bias C");
        const last = c.dims.length > 0 ? Number(c.dims[c.dims.length - 1]) : 1;
        if (last === n && n > 1) inputs.push({ kind: "slice", tensor: c, axis: c.dims.length - 1 });
        else if (last === 1) inputs.push(keep(node.input[2]));
        else refuse(`its bias C of shape [${c.dims.join(", ")}] does not broadcast along ${n} features`);
      }
      return { features: n, inputs, outAxis: 1 };
    }
    case "MatMul": {
      const b = weight(1, "right-hand side");
      if (b.dims.length < 2) refuse("its weight is a vector, with no output features to slice");
      const axis = b.dims.length - 1;
      // The slices join on the last axis, and MatMul's output rank is not known here: Concat
      // takes a negative axis from opset 11 on.
      const opset = Number(graph.model.opsetImport.find((o) => o.domain === "" || o.domain === "ai.onnx")?.version ?? 0);
      if (opset < 11) refuse(`slicing a MatMul needs opset 11 or later (the model has ${opset})`);
      return { features: Number(b.dims[axis]), inputs: [keep(node.input[0]), { kind: "slice", tensor: b, axis }], outAxis: -1 };
    }
    case "Conv": {
      const group = attrInt(node, "group", 1);
      // A grouped conv's slices would each need a slice of the input as well; not supported.
      if (group !== 1) refuse(`it is a grouped convolution (group=${group}), which msplit does not slice`);
      const w = weight(1, "weight");
      const inputs: Recipe["inputs"] = [keep(node.input[0]), { kind: "slice", tensor: w, axis: 0 }];
      if (node.input[2]) inputs.push({ kind: "slice", tensor: weight(2, "bias"), axis: 0 });
      return { features: Number(w.dims[0]), inputs, outAxis: 1 };
    }
    default:
      return refuse(`msplit can only slice Gemm, MatMul and Conv layers`);
  }
}

/** The initializer behind a node input, looking through Identity nodes (shared PyTorch weights). */
function constantInput(graph: Graph, name: string | undefined): TensorProto | undefined {
  for (let hops = 0; name && hops < 100; hops++) {
    const t = graph.initializers.get(name);
    if (t) return graph.model.graph!.initializer.includes(t) ? t : undefined;
    const p = graph.producer.get(name);
    if (p === undefined || graph.nodes[p]!.opType !== "Identity") return undefined;
    name = graph.nodes[p]!.input[0];
  }
  return undefined;
}

/** Output-feature ranges [start, end), as even as possible, each slice within the budget. */
function sliceRanges(graph: Graph, node: NodeProto, recipe: Recipe, maxBytes: number): [number, number][] {
  let perFeature = 0;
  for (const inp of recipe.inputs) if (inp.kind === "slice") perFeature += tensorPayloadBytes(inp.tensor) / recipe.features;
  const kept = recipe.inputs.flatMap((inp) => (inp.kind === "keep" && graph.initializers.has(inp.name) ? [inp.name] : []));
  const shared = initializerBytes(graph, new Set(kept));
  const fit = (limit: number) => Math.floor((limit - shared) / perFeature);
  const rows = Math.min(recipe.features, fit(maxBytes * SLICE_FRACTION) >= 1 ? fit(maxBytes * SLICE_FRACTION) : fit(maxBytes));
  if (rows < 1)
    throw new SplitInvalidParts(
      `${label(node)}: one output ${node.opType === "Conv" ? "channel" : "feature"} alone takes ${formatBytes(perFeature + shared)} of weights, more than the part budget of ${formatBytes(maxBytes)}: raise maxPartBytes`,
    );
  const count = Math.ceil(recipe.features / rows);
  const ranges: [number, number][] = [];
  for (let k = 0; k < count; k++) ranges.push([Math.floor((k * recipe.features) / count), Math.floor(((k + 1) * recipe.features) / count)]);
  return ranges;
}

/** Bytes for messages, in the unit budgets are given in (MiB), finer for small ones. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${Math.round(bytes)} bytes`;
}

/** One node per range, reading sliced weights, and the Concat that restores the original output. */
function buildSlices(node: NodeProto, recipe: Recipe, ranges: [number, number][], fresh: NameSource): { nodes: NodeProto[]; inits: TensorProto[] } {
  const base = node.name || node.output[0]!;
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const outs: string[] = [];
  ranges.forEach(([start, end], k) => {
    const input = recipe.inputs.map((inp) => {
      if (inp.kind === "keep") return inp.name;
      const t = sliceTensor(inp.tensor, inp.axis, start, end, fresh(`${inp.tensor.name}.msplit_slice${k}`));
      inits.push(t);
      return t.name;
    });
    const out = fresh(`${node.output[0]}.msplit_slice${k}`);
    outs.push(out);
    nodes.push(create(NodeProtoSchema, { ...node, name: fresh(`${base}.msplit_slice${k}`), input, output: [out] }));
  });
  nodes.push(
    create(NodeProtoSchema, {
      opType: "Concat",
      name: fresh(`${base}.msplit_concat`),
      input: outs,
      output: [node.output[0]!],
      attribute: [attr.int("axis", recipe.outAxis)],
    }),
  );
  return { nodes, inits };
}

/** Indices [start, end) of `axis` of a tensor, as a new initializer with the same element type. */
function sliceTensor(t: TensorProto, axis: number, start: number, end: number, name: string): TensorProto {
  const dims = t.dims.map(Number);
  const src = payload(t);
  const inner = numElements(dims.slice(axis + 1)) * elementBytes(t.dataType);
  const outer = numElements(dims.slice(0, axis));
  const stride = dims[axis]! * inner;
  const width = (end - start) * inner;
  let out: Uint8Array;
  // A contiguous slice (leading axis: Conv, Gemm with transB=1) is a view, not a copy: vgg16's
  // classifier alone is 400 MB, and copying it costs seconds.
  if (outer === 1) out = src.subarray(start * inner, end * inner);
  else {
    out = new Uint8Array(outer * width);
    for (let o = 0; o < outer; o++) out.set(src.subarray(o * stride + start * inner, o * stride + end * inner), o * width);
  }
  dims[axis] = end - start;
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: t.dataType, rawData: out });
}

const payloads = new WeakMap<TensorProto, Uint8Array>();

/** A tensor's payload as little-endian bytes, whichever field holds it (converted once). */
function payload(t: TensorProto): Uint8Array {
  let bytes = payloads.get(t);
  if (!bytes) payloads.set(t, (bytes = readPayload(t)));
  return bytes;
}

function readPayload(t: TensorProto): Uint8Array {
  if (t.dataLocation === DataLocation.EXTERNAL) throw new OnnxUnsupported(`weight '${t.name}' is stored in an external file; load it into the model first`);
  if (t.rawData.byteLength > 0) return t.rawData;
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  switch (t.dataType) {
    case DataType.FLOAT:
      return bytes(Float32Array.from(t.floatData));
    case DataType.DOUBLE:
      return bytes(Float64Array.from(t.doubleData));
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return bytes(Uint16Array.from(t.int32Data));
  }
  throw new OnnxUnsupported(`weight '${t.name}' is ${dataTypeName(t.dataType)}, which msplit cannot slice`);
}

type NameSource = (base: string) => string;

/** Hands out names no tensor or node of the model uses yet: `base`, else `base_1`, ... */
function nameSource(model: ModelProto): NameSource {
  const g = model.graph!;
  const taken = new Set<string>([...g.initializer, ...g.input, ...g.output, ...g.valueInfo, ...g.node].map((x) => x.name));
  for (const n of g.node) for (const o of n.output) taken.add(o);
  return (base) => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
}
