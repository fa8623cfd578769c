/** onnxruntime-node, loaded only after its telemetry is switched off (ort-privacy.ts). */
import "./ort-privacy.js";
import * as ort from "onnxruntime-node";

export { ort };
