import { UsageError } from "../errors.js";
import type { Graph } from "../onnx/graph.js";
import type { ShapeAnalysis } from "../onnx/shapes.js";
import type { Expr } from "../onnx/symbolic.js";
import type { Dim, TensorType } from "../onnx/types.js";

/**
 * The concrete sizes a split assumes for the model's dynamic dims, for cost and boundary-size
 * estimates only: the parts themselves stay dynamic.
 */
export type SizeSource = "input-shape" | "model" | "assumed";

export interface SizeChoice {
  /** Symbol (an input's dim_param, or a name msplit gave an unnamed dim) -> value. */
  values: Map<string, number>;
  from: Map<string, SizeSource>;
}

/** Metadata keys exporters use for the image size a model was made for (Ultralytics writes `imgsz`). */
const SIZE_METADATA = ["imgsz", "image_size", "img_size", "input_size"];
const ASSUMED_BATCH = 1;
const ASSUMED_SIZE = 224;

/**
 * Chooses a value for each dynamic input dim: from `given` (`split --input-shape`), else from the
 * model's own metadata (an image size for the spatial dims of a 4-D input), else 1 for a leading
 * (batch) dim and 224 for the others, reported as assumed.
 */
export function chooseSizes(graph: Graph, analysis: ShapeAnalysis, given: Readonly<Record<string, readonly number[]>> = {}): SizeChoice {
  const values = new Map<string, number>();
  const from = new Map<string, SizeSource>();
  for (const [name, dims] of Object.entries(given)) {
    if (!graph.inputs.includes(name)) throw new UsageError(`--input-shape names '${name}', which is not an input of the model (its inputs: ${graph.inputs.join(", ")})`);
    const declared = analysis.types.get(name)?.shape;
    if (!declared || declared.length !== dims.length)
      throw new UsageError(`--input-shape ${name}: ${dims.length} dims given, the input has ${declared ? declared.length : "an unknown number of"} dims`);
    dims.forEach((v, axis) => {
      if (!Number.isSafeInteger(v) || v < 1) throw new UsageError(`--input-shape ${name}: dim ${axis} must be a positive integer, got ${v}`);
      const d = declared[axis];
      if (typeof d === "number" && d !== v) throw new UsageError(`--input-shape ${name}: dim ${axis} is fixed at ${d} by the model, got ${v}`);
      const symbol = analysis.inputSymbols.find((x) => x.input === name && x.axis === axis)?.symbol;
      if (symbol === undefined) return;
      if (values.has(symbol) && values.get(symbol) !== v) throw new UsageError(`--input-shape: '${symbol}' is one dim shared by several inputs; it was given as ${values.get(symbol)} and ${v}`);
      values.set(symbol, v);
      from.set(symbol, "input-shape");
    });
  }
  const hinted = metadataImageSize(graph);
  for (const { symbol, input, axis } of analysis.inputSymbols) {
    if (values.has(symbol)) continue;
    const shape = analysis.types.get(input)?.shape ?? [];
    const spatial = spatialAxes(shape);
    const hint = hinted && spatial ? hinted[spatial.indexOf(axis)] : undefined;
    if (hint !== undefined) {
      values.set(symbol, hint);
      from.set(symbol, "model");
    } else {
      values.set(symbol, axis === 0 ? ASSUMED_BATCH : ASSUMED_SIZE);
      from.set(symbol, "assumed");
    }
  }
  return { values, from };
}

/** The spatial axes of a 4-D image input: [2, 3] (NCHW) or [1, 2] (NHWC, a last dim of 1, 3 or 4). */
function spatialAxes(shape: readonly Dim[]): number[] | undefined {
  if (shape.length !== 4) return undefined;
  const last = shape[3];
  return typeof last === "number" && last <= 4 && shape[1] !== last ? [1, 2] : [2, 3];
}

function metadataImageSize(graph: Graph): [number, number] | undefined {
  for (const key of SIZE_METADATA) {
    const text = graph.model.metadataProps.find((e) => e.key === key)?.value;
    const nums = text?.match(/\d+/g)?.map(Number).filter((n) => n > 0 && n <= 65536);
    if (nums && nums.length === 1) return [nums[0]!, nums[0]!];
    if (nums && nums.length === 2) return [nums[0]!, nums[1]!];
  }
  return undefined;
}

/**
 * A second, different value for every dynamic dim, to measure with: a tensor that inference cannot
 * follow is measured at both, so that a dim that follows the input is seen to change.
 */
export function otherSizes(values: ReadonlyMap<string, number>, attempt = 0): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of values) out.set(k, attempt === 0 ? (v === 1 ? 2 : v + 32) : v === 1 ? 3 : v * 2);
  return out;
}

export function evaluateDim(d: Dim, exprs: ReadonlyMap<string, Expr>, values: ReadonlyMap<string, number>): number | null {
  if (typeof d === "number") return d;
  if (d === null) return null;
  return exprs.get(d)?.evaluate(values) ?? null;
}

/** A type with its symbolic dims evaluated at concrete sizes (null where that is not possible). */
export function evaluateType(t: TensorType, exprs: ReadonlyMap<string, Expr>, values: ReadonlyMap<string, number>): TensorType {
  return { elemType: t.elemType, shape: t.shape === null ? null : t.shape.map((d) => evaluateDim(d, exprs, values)) };
}

/** Concrete input shapes at the given sizes, for measuring runs. */
export function inputShapesAt(graph: Graph, analysis: ShapeAnalysis, values: ReadonlyMap<string, number>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const name of graph.inputs) {
    const t = analysis.types.get(name);
    if (!t?.shape) continue;
    const dims = t.shape.map((d) => evaluateDim(d, analysis.exprs, values) ?? (typeof d === "string" ? values.get(d) ?? null : null));
    if (dims.every((d) => d !== null)) out.set(name, dims);
  }
  return out;
}

export function formatSizes(values: ReadonlyMap<string, number>): string {
  return [...values].map(([k, v]) => `${k}=${v}`).join(", ");
}
