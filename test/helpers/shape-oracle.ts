import { analyzeGraph } from "../../src/onnx/graph.js";
import { measureTypes } from "../../src/onnx/probe.js";
import type { ModelProto } from "../../src/onnx/proto.js";
import { analyzeShapes, type ShapeAnalysis } from "../../src/onnx/shapes.js";
import { evaluateDim, inputShapesAt } from "../../src/split/sizes.js";

export interface OracleReport {
  analysis: ShapeAnalysis;
  /** Tensors whose inferred type, evaluated at a size, differs from what onnxruntime made. */
  mismatches: string[];
  /** How many tensor shapes were compared (so that a test can see it compared something). */
  compared: number;
}

/**
 * Compares shape inference with onnxruntime: every tensor of the main graph is measured at each
 * given assignment of the input symbols, and its inferred type, evaluated there, must equal the
 * measurement (dims named after data-dependent sizes are not compared: zeros decide them).
 */
export async function checkAgainstOrt(model: ModelProto, sizes: readonly Record<string, number>[]): Promise<OracleReport> {
  const graph = analyzeGraph(model);
  const analysis = analyzeShapes(graph);
  const names = graph.nodes.flatMap((n) => n.output.filter((o) => o !== "" && !analysis.nonTensors.has(o)));
  const assignments = sizes.map((s) => new Map(Object.entries(s)));
  const runs = await measureTypes(graph, names, assignments.map((v) => inputShapesAt(graph, analysis, v)));
  const mismatches: string[] = [];
  let compared = 0;
  runs.forEach((run, k) => {
    const at = JSON.stringify(sizes[k]);
    if (run instanceof Error) {
      mismatches.push(`onnxruntime failed at ${at}: ${run.message.split("\n")[0]}`);
      return;
    }
    for (const name of names) {
      const measured = run.get(name);
      const inferred = analysis.types.get(name);
      if (!measured) continue;
      compared++;
      if (!inferred || inferred.elemType !== measured.elemType) {
        mismatches.push(`${name} at ${at}: element type ${inferred?.elemType} inferred, ${measured.elemType} measured`);
        continue;
      }
      const shape = inferred.shape;
      const ok =
        shape !== null &&
        shape.length === measured.shape.length &&
        shape.every((d, i) => {
          const v = evaluateDim(d, analysis.exprs, assignments[k]!);
          return v === measured.shape[i] || (v === null && typeof d === "string");
        });
      if (!ok) mismatches.push(`${name} at ${at}: inferred [${(shape ?? []).join(", ")}], measured [${measured.shape.join(", ")}]`);
    }
  });
  return { analysis, mismatches, compared };
}
