import { attrInt, attrInts, attrString } from "./attributes.js";
import type { NodeProto } from "./proto.js";
import type { Dim } from "./types.js";

/** Dimension arithmetic shared by the shape rules (shapes.ts): broadcasting, products, windows. */

export function broadcast(shapes: (Dim[] | null)[]): Dim[] | null {
  if (shapes.some((s) => s === null)) return null;
  const rank = Math.max(...shapes.map((s) => s!.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const k = s!.length - rank + i;
      const v = k >= 0 ? s![k]! : 1;
      if (v === 1) continue;
      if (d === 1) d = v;
      else if (v === null || d === null) d = null;
      else if (typeof d === "string" && typeof v === "number") d = v;
    }
    out.push(d);
  }
  return out;
}

export const mulDims = (a: Dim, b: Dim): Dim => (typeof a === "number" && typeof b === "number" ? a * b : null);

export function product(dims: Dim[]): Dim {
  return dims.reduce<Dim>((acc, d) => mulDims(acc, d), 1);
}

export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Output spatial size of a sliding window (Conv, pools), honouring pads, auto_pad and ceil_mode. */
export function windowShape(node: NodeProto, x: Dim[], kernel: number[], channelsOut: Dim): Dim[] {
  const spatial = x.length - 2;
  const strides = attrInts(node, "strides") ?? new Array(spatial).fill(1);
  const dil = attrInts(node, "dilations") ?? new Array(spatial).fill(1);
  const pads = attrInts(node, "pads") ?? new Array(spatial * 2).fill(0);
  const autoPad = attrString(node, "auto_pad", "NOTSET");
  const ceil = attrInt(node, "ceil_mode", 0) === 1;
  const out: Dim[] = [x[0]!, channelsOut];
  for (let i = 0; i < spatial; i++) {
    const size = x[i + 2]!;
    if (typeof size !== "number") {
      out.push(null);
      continue;
    }
    const ek = (kernel[i]! - 1) * dil[i]! + 1;
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") out.push(Math.ceil(size / strides[i]!));
    else if (autoPad === "VALID") out.push(Math.floor((size - ek) / strides[i]!) + 1);
    else {
      const span = size + pads[i]! + pads[i + spatial]! - ek;
      let o = (ceil ? Math.ceil(span / strides[i]!) : Math.floor(span / strides[i]!)) + 1;
      // A window that would start entirely in the end padding is dropped (PyTorch and ONNX agree).
      if (ceil && (o - 1) * strides[i]! >= size + pads[i]!) o -= 1;
      out.push(o);
    }
  }
  return out;
}

