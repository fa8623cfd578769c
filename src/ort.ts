/** onnxruntime-node, loaded only after its telemetry is switched off (ort-privacy.ts). */
import "./ort-privacy.js";
import * as ort from "onnxruntime-node";

export { ort };

/** onnxruntime's log levels, most to least verbose. */
export type OrtLogLevel = "verbose" | "info" | "warning" | "error" | "fatal";
const SEVERITY: Record<OrtLogLevel, 0 | 1 | 2 | 3 | 4> = { verbose: 0, info: 1, warning: 2, error: 3, fatal: 4 };

// onnxruntime's own logger writes coloured lines to stderr (and, from model content, node names):
// msplit's errors are its only output unless asked (`--verbose`).
let level: OrtLogLevel = "fatal";
ort.env.logLevel = level;

/** Sets onnxruntime's log level for the environment (before the first session) and every session made after. */
export function setOrtLogLevel(l: OrtLogLevel): void {
  level = l;
  ort.env.logLevel = l;
}

/** The logging options every session msplit creates carries. */
export function ortLogOptions(): { logSeverityLevel: 0 | 1 | 2 | 3 | 4 } {
  return { logSeverityLevel: SEVERITY[level] };
}
