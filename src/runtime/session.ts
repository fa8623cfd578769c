import { ort, ortLogOptions } from "../ort.js";
import { RuntimeFailure } from "../errors.js";
import { firstLine } from "../onnx/probe.js";

/** Session settings msplit exposes; everything else keeps onnxruntime's defaults. */
export interface SessionSettings {
  /** Threads inside one operator (default: onnxruntime's choice; benchmarks use 1). */
  intraOpThreads?: number;
  /** Graph optimisation level (default "all"). */
  optimization?: "disabled" | "basic" | "extended" | "all";
  /** onnxruntime session config entries, e.g. { "session.use_ort_model_bytes_directly": "1" }. */
  configEntries?: Record<string, string>;
}

export function sessionOptions(s: SessionSettings = {}): ort.InferenceSession.SessionOptions {
  const options: ort.InferenceSession.SessionOptions = {
    ...ortLogOptions(),
    graphOptimizationLevel: s.optimization ?? "all",
    executionMode: "sequential",
    interOpNumThreads: 1,
  };
  if (s.intraOpThreads !== undefined) options.intraOpNumThreads = s.intraOpThreads;
  if (s.configEntries) {
    const session: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.configEntries)) session[k.replace(/^session\./, "")] = v;
    options.extra = { session };
  }
  return options;
}

/** Creates a session from model bytes in memory; engine errors become RuntimeFailure. */
export async function createSession(bytes: Uint8Array, settings: SessionSettings = {}, label = "model"): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, sessionOptions(settings));
  } catch (e) {
    throw new RuntimeFailure(`onnxruntime cannot load ${label}: ${firstLine(e)}`, { cause: e });
  }
}

export async function runSession(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  label = "model",
): Promise<Record<string, ort.Tensor>> {
  try {
    return await session.run(feeds);
  } catch (e) {
    throw new RuntimeFailure(`onnxruntime failed running ${label}: ${firstLine(e)}`, { cause: e });
  }
}
