import { ort, ortLogOptions } from "../ort.js";
import { RuntimeFailure } from "../errors.js";
import { firstLine } from "../util/text.js";

/** Session settings msplit exposes; everything else keeps onnxruntime's defaults. */
export interface SessionSettings {
  /** Threads inside one operator (default: onnxruntime's choice; benchmarks use 1). */
  intraOpThreads?: number;
  /** Graph optimisation level (default "all"). */
  optimization?: "disabled" | "basic" | "extended" | "all";
  /**
   * Pack constant weights into onnxruntime's faster layout at session creation (onnxruntime's
   * default, true). Packing copies them: one-shot runs skip it (measured: no difference in warm
   * inference on the zoo models at batch 1, and a copy of every fully-connected weight less).
   */
  prepack?: boolean;
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
  const entries = { ...(s.prepack === false && { "session.disable_prepacking": "1" }), ...s.configEntries };
  if (Object.keys(entries).length > 0) {
    const session: Record<string, string> = {};
    for (const [k, v] of Object.entries(entries)) session[k.replace(/^session\./, "")] = v;
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
