import type * as ort from "onnxruntime-node";
import { PartsMismatch } from "../errors.js";
import { decodeModel, encodeModel } from "../onnx/codec.js";
import type { ModelProto } from "../onnx/proto.js";
import type { SplitPlan } from "../split/plan.js";
import { type ChainLayout, checkChain, stitchParts } from "./assemble.js";
import { createSession, runSession, type SessionSettings } from "./session.js";

export type PipelineMode = "resident" | "chained";

/** A part given to the pipeline: its bytes in memory (from a file, or decrypted from a bundle). */
export interface PartSource {
  name: string;
  bytes: Uint8Array;
}

export interface PipelineOptions extends SessionSettings {
  /**
   * `resident` (default): parts are checked, stitched into one graph in memory and run as one
   * session, so splitting costs nothing at inference time. `chained`: one session per part,
   * tensors routed between them by name.
   */
  mode?: PipelineMode;
  /** The split's plan, when known: fixes the chain's inputs and outputs. */
  plan?: SplitPlan;
  /** Called after each part is loaded (for progress bars). */
  onPartLoaded?: (index: number, count: number) => void;
}

export type Feeds = Record<string, ort.Tensor>;

/** Timing of one chained run, per part, in milliseconds. */
export interface RunTrace {
  partMs: number[];
}

/** Runs a chain of parts as if it were the original model. */
export class Pipeline {
  private constructor(
    readonly mode: PipelineMode,
    readonly layout: ChainLayout,
    private readonly sessions: ort.InferenceSession[],
  ) {}

  get inputNames(): readonly string[] {
    return this.layout.inputs;
  }

  get outputNames(): readonly string[] {
    return this.layout.outputs;
  }

  get partCount(): number {
    return this.layout.partInputs.length;
  }

  /** Loads parts (decoded from bytes, never written anywhere) and checks that they fit. */
  static async fromParts(sources: readonly PartSource[], options: PipelineOptions = {}): Promise<Pipeline> {
    const models = sources.map((s) => decodeModel(s.bytes));
    return Pipeline.fromModels(models, options, sources.map((s) => s.name), sources);
  }

  static async fromModels(
    models: readonly ModelProto[],
    options: PipelineOptions = {},
    labels?: readonly string[],
    sources?: readonly PartSource[],
  ): Promise<Pipeline> {
    const mode = options.mode ?? "resident";
    const layout = checkChain(models, options.plan, labels);
    const sessions: ort.InferenceSession[] = [];
    try {
      if (mode === "resident") {
        const whole = models.length === 1 && sources ? sources[0]!.bytes : encodeModel(stitchParts(models, layout));
        sessions.push(await createSession(whole, options, "the stitched parts"));
        options.onPartLoaded?.(models.length - 1, models.length);
      } else {
        for (let k = 0; k < models.length; k++) {
          const bytes = sources ? sources[k]!.bytes : encodeModel(models[k]!);
          sessions.push(await createSession(bytes, options, labels?.[k] ?? `part ${k}`));
          options.onPartLoaded?.(k, models.length);
        }
      }
    } catch (e) {
      await Promise.all(sessions.map((s) => s.release()));
      throw e;
    }
    return new Pipeline(mode, layout, sessions);
  }

  /** Runs the chain; returns the model's outputs. `trace` receives per-part times when chained. */
  async run(feeds: Feeds, trace?: RunTrace): Promise<Feeds> {
    for (const name of this.layout.inputs) {
      if (!(name in feeds)) throw new PartsMismatch(`missing input '${name}'`);
    }
    if (this.mode === "resident") return runSession(this.sessions[0]!, pick(feeds, this.layout.inputs));
    const store = new Map<string, ort.Tensor>(Object.entries(feeds));
    for (let k = 0; k < this.sessions.length; k++) {
      const t0 = trace ? performance.now() : 0;
      const out = await runSession(this.sessions[k]!, pick(Object.fromEntries(store), this.layout.partInputs[k]!), `part ${k}`);
      if (trace) trace.partMs[k] = performance.now() - t0;
      for (const [name, t] of Object.entries(out)) store.set(name, t);
      for (const name of this.layout.releaseAfter[k]!) store.delete(name);
    }
    return pick(Object.fromEntries(store), this.layout.outputs);
  }

  async release(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.release()));
    this.sessions.length = 0;
  }
}

function pick(feeds: Feeds, names: readonly string[]): Feeds {
  const out: Feeds = {};
  for (const n of names) {
    const t = feeds[n];
    if (!t) throw new PartsMismatch(`tensor '${n}' is not available at this point of the chain`);
    out[n] = t;
  }
  return out;
}
