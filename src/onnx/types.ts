import type { ValueInfoProto } from "./proto.js";

/** A dimension: a known size, a symbolic name (e.g. "batch"), or null when nothing is known. */
export type Dim = number | string | null;

/** A tensor's element type and shape; `shape` is null when even the rank is unknown. */
export interface TensorType {
  elemType: number;
  shape: Dim[] | null;
}

/** The tensor type a ValueInfo declares, or undefined for non-tensor or untyped values. */
export function typeOfValueInfo(v: ValueInfoProto): TensorType | undefined {
  if (v.type?.value.case !== "tensorType") return undefined;
  const t = v.type.value.value;
  if (!t.elemType) return undefined;
  const shape = t.shape
    ? t.shape.dim.map((d): Dim => {
        // Some exporters (Paddle2ONNX) write -1 for a dynamic dim.
        if (d.value.case === "dimValue") return d.value.value >= 0n ? Number(d.value.value) : null;
        if (d.value.case === "dimParam") return d.value.value || null;
        return null;
      })
    : null;
  return { elemType: t.elemType, shape };
}

export function formatShape(shape: Dim[] | null): string {
  if (shape === null) return "[?]";
  return `[${shape.map((d) => (d === null ? "?" : String(d))).join(", ")}]`;
}

/** Two dims agree unless both are known and different. */
export function dimsCompatible(a: Dim, b: Dim): boolean {
  if (a === null || b === null) return true;
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (typeof a === "string" && typeof b === "string") return true;
  return true;
}

export function typesCompatible(a: TensorType, b: TensorType): boolean {
  if (a.elemType !== b.elemType) return false;
  if (a.shape === null || b.shape === null) return true;
  if (a.shape.length !== b.shape.length) return false;
  return a.shape.every((d, i) => dimsCompatible(d, b.shape![i]!));
}

/** Byte size with symbolic dims taken as 1 (batch 1); undefined if any dim is unknown. */
export function typeBytes(t: TensorType, elementSize: number): number | undefined {
  if (t.shape === null) return undefined;
  let n = elementSize;
  for (const d of t.shape) {
    if (d === null) return undefined;
    n *= typeof d === "number" ? d : 1;
  }
  return n;
}
