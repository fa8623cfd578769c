import { OnnxUnsupported } from "../errors.js";
import type { Graph } from "../onnx/graph.js";
import { measureTypes, type MeasuredType } from "../onnx/probe.js";
import { firstLine } from "../util/text.js";
import { analyzeShapes, type ShapeAnalysis } from "../onnx/shapes.js";
import type { Dim, TensorType } from "../onnx/types.js";
import { evaluateType, formatSizes, inputShapesAt, otherSizes, type SizeChoice } from "./sizes.js";

export interface BoundaryTypes {
  /**
   * What holds for every input size: static dims where provably static, an expression's text where
   * a dim follows the inputs (an ONNX dim_param, shared by every tensor with that dim), null where
   * a dim changes with the input in a way nothing names. Parts declare their inputs and outputs so.
   */
  types: Map<string, TensorType>;
  /** The same at the chosen sizes, for costs and boundary bytes. */
  costTypes: Map<string, TensorType>;
  /** Tensors inference could not derive, measured with onnxruntime at two sizes instead. */
  measured: string[];
}

/**
 * Types for every tensor that can cross a boundary. Where inference leaves a tensor incomplete
 * (an operator it has no rule for), the model is run on random inputs twice at the chosen sizes
 * and once at different ones: a dim equal in all three runs is static, one that changes is
 * dynamic (named after the input dim it equals in the runs, when exactly one does; unnamed when it
 * follows the data). If the model runs at no second size, nothing
 * tells the two apart, and the split is refused rather than guessing.
 */
export async function boundaryTypes(graph: Graph, analysis: ShapeAnalysis, candidates: readonly string[], sizes: SizeChoice): Promise<BoundaryTypes> {
  const types = new Map(analysis.types);
  const costTypes = new Map<string, TensorType>();
  for (const [name, t] of types) costTypes.set(name, evaluateType(t, analysis.exprs, sizes.values));
  const missing = candidates.filter((n) => !analysis.nonTensors.has(n) && !complete(types.get(n)));
  if (missing.length === 0) return { types, costTypes, measured: [] };

  const dynamic = sizes.values.size > 0;
  const at = (values: ReadonlyMap<string, number>) => inputShapesAt(graph, analysis, values);
  // Twice at the chosen sizes (different random inputs: a size that follows the data changes)...
  const [first, again] = await measureTypes(graph, missing, [at(sizes.values), at(sizes.values)]);
  if (!first || !again || first instanceof Error || again instanceof Error) {
    throw new OnnxUnsupported(`cannot measure ${names(missing)} (shape inference does not derive ${missing.length === 1 ? "it" : "them"}): onnxruntime fails on the model at ${formatSizes(sizes.values) || "its static input sizes"} (${firstLine(first instanceof Error ? first : again)}); give other sizes with --input-shape`);
  }
  // ...and once at other sizes (a size that follows the input changes).
  let second: Map<string, MeasuredType> | undefined;
  let secondValues: Map<string, number> | undefined;
  const tried: string[] = [];
  for (let attempt = 0; dynamic && attempt < 2 && !second; attempt++) {
    secondValues = otherSizes(sizes.values, attempt);
    const [r] = await measureTypes(graph, missing, [at(secondValues)]);
    if (r instanceof Error) tried.push(`${formatSizes(secondValues)} (${firstLine(r)})`);
    else second = r;
  }
  if (dynamic && !second) {
    throw new OnnxUnsupported(
      `cannot tell how ${names(missing)} change${missing.length === 1 ? "s" : ""} with the input size: shape inference does not derive ${missing.length === 1 ? "it" : "them"} ` +
        `(${reasonFor(analysis, missing[0]!)}), and onnxruntime runs the model at ${formatSizes(sizes.values)} but not at ${tried.join(" nor at ")}`,
    );
  }
  for (const name of missing) {
    const a = first.get(name);
    const a2 = again.get(name);
    const b = second?.get(name) ?? a;
    if (!a || !a2 || !b) throw new OnnxUnsupported(`cannot determine the type of '${name}': onnxruntime does not return it as a tensor`);
    const inferred = types.get(name);
    const shape: Dim[] | null =
      a.shape.length !== b.shape.length || a.shape.length !== a2.shape.length
        ? null
        : a.shape.map((v, i) => {
            const d = inferred?.shape?.length === a.shape.length ? inferred.shape[i] : null;
            if (d !== null && d !== undefined) return d;
            if (v !== a2.shape[i]) return null; // follows the data: dynamic, and nothing names it
            if (v === b.shape[i]) return v;
            return matchingSymbol(analysis, sizes.values, secondValues!, v, b.shape[i]!);
          });
    types.set(name, { elemType: a.elemType, shape });
    costTypes.set(name, { elemType: a.elemType, shape: [...a.shape] });
  }
  // Inference continues from what its rules could not make (the roots): a tensor after them gets
  // an exact type again, often with the symbols the measurement found.
  const roots = missing.filter((n) => analysis.fallbacks.some((f) => f.tensor === n && f.reason !== "incomplete"));
  const reinferred = analyzeShapes(graph, { types: new Map(roots.map((n) => [n, types.get(n)!])), exprs: analysis.exprs });
  const measured = [...roots];
  for (const name of missing) {
    const t = reinferred.types.get(name);
    if (complete(t)) types.set(name, t!);
    else if (!roots.includes(name)) measured.push(name);
  }
  return { types, costTypes, measured };
}

function complete(t: TensorType | undefined): boolean {
  return t !== undefined && t.elemType !== 0 && t.shape !== null && t.shape.every((d) => d !== null);
}

/** The input dim (as its text in the types) that took value a, then b, if exactly one did. */
function matchingSymbol(analysis: ShapeAnalysis, first: ReadonlyMap<string, number>, second: ReadonlyMap<string, number>, a: number, b: number): Dim {
  const hits = new Set<string>();
  for (const s of analysis.inputSymbols) {
    if (first.get(s.symbol) !== a || second.get(s.symbol) !== b) continue;
    const text = analysis.types.get(s.input)?.shape?.[s.axis];
    if (typeof text === "string") hits.add(text);
  }
  return hits.size === 1 ? [...hits][0]! : null;
}

function names(list: readonly string[]): string {
  const shown = list.slice(0, 3).map((n) => `'${n}'`).join(", ");
  return list.length > 3 ? `${shown} and ${list.length - 3} more` : shown;
}

function reasonFor(analysis: ShapeAnalysis, tensor: string): string {
  const f = analysis.fallbacks.find((x) => x.tensor === tensor);
  return f ? `${f.node}: ${f.reason}` : "unknown producer";
}
