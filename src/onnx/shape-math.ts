import { attrInt, attrInts, attrString } from "./attributes.js";
import type { NodeProto } from "./proto.js";
import { Expr } from "./symbolic.js";

/**
 * Dimension arithmetic shared by the shape rules (shape-rules.ts): broadcasting, products,
 * windows. A dim is an exact expression (symbolic.ts) or null when nothing is known.
 */
export type SDim = Expr | null;

export const lit = (n: number): Expr => Expr.constant(n);

export const isOne = (d: SDim): boolean => d !== null && d.value === 1;

/**
 * Multidirectional broadcasting. Where the model is valid, each dim of an axis is either the
 * common size or 1: so the result is that size, which is the largest of them, whichever is which.
 */
export function broadcast(shapes: readonly (readonly SDim[] | null)[]): SDim[] | null {
  if (shapes.some((s) => s === null)) return null;
  const rank = Math.max(0, ...shapes.map((s) => s!.length));
  const out: SDim[] = [];
  for (let i = 0; i < rank; i++) {
    const dims: SDim[] = [];
    for (const s of shapes) {
      const k = s!.length - rank + i;
      if (k >= 0) dims.push(s![k]!);
    }
    out.push(broadcastDims(dims));
  }
  return out;
}

function broadcastDims(dims: readonly SDim[]): SDim {
  const rest = dims.filter((d) => !isOne(d));
  if (rest.length === 0) return lit(1);
  const fixed = rest.find((d) => d !== null && d.isConstant());
  // A known size other than 1 fixes the axis: every other dim is that size or 1.
  if (fixed) return fixed;
  if (rest.some((d) => d === null)) return null;
  return Expr.max(rest as Expr[]);
}

export function product(dims: readonly SDim[]): SDim {
  let p: Expr = lit(1);
  for (const d of dims) {
    if (d === null) return null;
    p = p.mul(d);
  }
  return p;
}

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < Math.max(rank, 1))) throw new RangeError(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Output spatial size of a sliding window (Conv, pools), honouring pads, auto_pad, dilations and ceil_mode. */
export function windowShape(node: NodeProto, x: readonly SDim[], kernel: readonly number[], channelsOut: SDim): SDim[] {
  const spatial = x.length - 2;
  const strides = attrInts(node, "strides") ?? new Array<number>(spatial).fill(1);
  const dil = attrInts(node, "dilations") ?? new Array<number>(spatial).fill(1);
  const pads = attrInts(node, "pads") ?? new Array<number>(spatial * 2).fill(0);
  const autoPad = attrString(node, "auto_pad", "NOTSET");
  const ceil = attrInt(node, "ceil_mode", 0) === 1;
  const out: SDim[] = [x[0]!, channelsOut];
  for (let i = 0; i < spatial; i++) {
    const size = x[i + 2]!;
    const s = strides[i]!;
    const k = kernel[i];
    if (size === null || k === undefined) {
      out.push(null);
      continue;
    }
    const ek = (k - 1) * dil[i]! + 1;
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      out.push(size.ceilDiv(s));
    } else if (autoPad === "VALID") {
      out.push(size.sub(ek).floorDiv(s).add(1));
    } else {
      const head = pads[i]!;
      const span = size.add(head + pads[i + spatial]! - ek);
      if (!ceil) {
        out.push(span.floorDiv(s).add(1));
        continue;
      }
      // ceil_mode: a last window that would start inside the end padding is dropped (ONNX, PyTorch
      // and onnxruntime agree). With q = ceil(span / s), the size is q + 1 unless q * s >= size + head.
      const tail = pads[i + spatial]! - ek;
      if (tail >= 0) out.push(span.ceilDiv(s));
      else if (tail + s - 1 < 0) out.push(span.ceilDiv(s).add(1));
      else out.push(size.add(head).ceilDiv(s));
    }
  }
  return out;
}
