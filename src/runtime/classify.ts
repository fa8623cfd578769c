import { escapeControl } from "../util/text.js";
import { readUntrusted } from "../util/untrusted-file.js";
import { LabelsInvalid, LabelsMismatch } from "./errors.js";

export interface Prediction {
  index: number;
  label: string;
  /** Softmax probability in percent, as the original's result.txt. */
  percent: number;
}

/** Softmax over one row of logits (max-subtracted, in float64). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i]! - max);
    sum += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/**
 * The `k` most likely classes. With `labels`, there must be exactly one per class: a labels file
 * for another model would name every class wrongly, so a mismatch is refused.
 */
export function topK(logits: ArrayLike<number>, k: number, labels?: readonly string[]): Prediction[] {
  if (labels && labels.length !== logits.length)
    throw new LabelsMismatch(`the model gives ${logits.length} classes but the labels file has ${labels.length} lines (give --labels with one line per class)`);
  const p = softmax(logits);
  const order = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b);
  return order.slice(0, Math.min(k, order.length)).map((index) => ({
    index,
    label: labels?.[index] ?? `class ${index}`,
    percent: p[index]! * 100,
  }));
}

/** One label per line (a final newline and a UTF-8 BOM allowed); empty lines and control characters are refused. */
export async function readLabels(path: string): Promise<string[]> {
  const lines = (await readUntrusted(path, "labels")).toString("utf8").replace(/^\ufeff/, "").split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((line, i) => {
    const label = line.trim();
    if (label === "") throw new LabelsInvalid(`${path}: line ${i + 1} is empty; a labels file holds one label per line`);
    if (escapeControl(label) !== label) throw new LabelsInvalid(`${path}: line ${i + 1} holds a control character`);
    return label;
  });
}

/** A Python-style string literal, as the original's result.txt printed labels. */
function pyRepr(s: string): string {
  if (s.includes("'") && !s.includes('"')) return `"${s}"`;
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** result.txt in the original's spirit: one `(label, percent)` tuple per line, best first. */
export function formatResult(predictions: readonly Prediction[]): string {
  return predictions.map((p) => `(${pyRepr(p.label)}, ${p.percent})`).join("\n") + "\n";
}
