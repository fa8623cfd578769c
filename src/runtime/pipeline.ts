import type * as ort from "onnxruntime-node";
import { PartsMismatch, UsageError } from "../errors.js";
import type { ModelProto } from "../onnx/proto.js";
import type { SplitPlan } from "../split/plan.js";
import { phase, phaseSync } from "../util/profile.js";
import { type ChainLayout, checkChain, signatureOfModel, type PartSignature } from "./assemble.js";
import type { PartRange } from "./splice.js";
import { createSession, runSession, type SessionSettings } from "./session.js";

export type PipelineMode = "resident" | "chained" | "stream";

/** Serialisation of a part: an ONNX model, or onnxruntime's own ORT format (made at seal time). */
export type PartFormat = "onnx" | "ort";

/** A part in memory: read from a file, or decrypted from a bundle (never written anywhere). */
export interface PartSource {
  name: string;
  bytes: Uint8Array;
  format?: PartFormat;
  /** Known inputs and outputs (required for ORT-format parts, which msplit does not parse). */
  signature?: PartSignature;
  /** Plaintext of a sealed part: zeroed as soon as nothing uses it any more. */
  sensitive?: boolean;
}

/** Parts loaded on demand, one at a time (streaming under a memory budget). */
export interface PartProvider {
  readonly signatures: readonly PartSignature[];
  load(index: number): Promise<PartSource>;
  /** The parts' format and plaintext sizes, when known: resident mode then loads them all into one buffer. */
  readonly format?: PartFormat;
  readonly sizes?: readonly number[];
  /** Loads part `index` into `target`, exactly its size (with `sizes`). */
  loadInto?(index: number, target: Buffer): Promise<void>;
  /** Forgets any key material the provider holds. */
  close?(): void;
}

export interface PipelineOptions extends SessionSettings {
  /**
   * `resident` (default): parts are checked, stitched into one graph in memory and run as one
   * session, so splitting costs nothing at inference time. `chained`: one session per part,
   * tensors routed between them by name. `stream`: like chained, but each part is loaded,
   * run and released in turn, so at most one part is in memory.
   */
  mode?: PipelineMode;
  /** The split's plan, when known: fixes the chain's inputs and outputs. */
  plan?: SplitPlan;
  /** Without a plan: the names the chain returns (the whole model's outputs, when known). */
  outputs?: readonly string[];
  /** Called after each part is loaded (for progress bars). */
  onPartLoaded?: (index: number, count: number) => void;
}

export type Feeds = Record<string, ort.Tensor>;

/** Timing of one chained or streamed run, per part, in milliseconds (load included when streaming). */
export interface RunTrace {
  partMs: number[];
}

const ORT_BYTES_IN_PLACE = {
  "session.use_ort_model_bytes_directly": "1",
  "session.use_ort_model_bytes_for_initializers": "1",
};

function wipe(source: PartSource): void {
  if (source.sensitive) source.bytes.fill(0);
}

async function sessionFor(source: PartSource, settings: SessionSettings): Promise<ort.InferenceSession> {
  // An ORT-format part is used in place: its buffer must outlive the session (wiped after
  // release). Packing weights would copy the very bytes used in place, so it is off.
  const s = source.format === "ort" ? { ...settings, prepack: false, configEntries: { ...ORT_BYTES_IN_PLACE, ...settings.configEntries } } : settings;
  return phase("session", () => createSession(source.bytes, s, source.name));
}

/** Runs a chain of parts as if it were the original model. */
export class Pipeline {
  private constructor(
    readonly mode: PipelineMode,
    readonly layout: ChainLayout,
    private readonly sessions: ort.InferenceSession[],
    /** Buffers the sessions still use (ORT format), wiped on release. */
    private readonly pinned: PartSource[],
    private readonly provider: PartProvider | undefined,
    private readonly settings: SessionSettings,
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

  /** Loads parts from memory and checks that they fit together. */
  static async fromParts(sources: readonly PartSource[], options: PipelineOptions = {}): Promise<Pipeline> {
    const mode = options.mode ?? "resident";
    const tools = sources.some((s) => !s.signature) || (mode === "resident" && sources.length > 1) ? await onnxTools() : undefined;
    const models: (ModelProto | undefined)[] = [];
    const model = (k: number): ModelProto => (models[k] ??= phaseSync("decode", () => tools!.decodeModel(requireOnnx(sources[k]!).bytes)));
    const signatures = sources.map((s, k) => s.signature ?? signatureOfModel(model(k), s.name));
    const layout = checkChain(signatures, options.plan, options.outputs);
    if (mode === "stream") {
      const provider: PartProvider = { signatures, load: async (i) => sources[i]! };
      return new Pipeline(mode, layout, [], [], provider, options);
    }
    const sessions: ort.InferenceSession[] = [];
    const pinned: PartSource[] = [];
    try {
      if (mode === "resident") {
        const whole = sources.length === 1 ? sources[0]! : phaseSync("stitch", () => stitched(sources, layout, model, tools!));
        sessions.push(await sessionFor(whole, options));
        if (whole.format === "ort") pinned.push(whole);
        else if (whole !== sources[0]) wipe(whole);
        options.onPartLoaded?.(sources.length - 1, sources.length);
      } else {
        for (let k = 0; k < sources.length; k++) {
          sessions.push(await sessionFor(sources[k]!, options));
          if (sources[k]!.format === "ort") pinned.push(sources[k]!);
          options.onPartLoaded?.(k, sources.length);
        }
      }
    } catch (e) {
      await Promise.all(sessions.map((s) => s.release()));
      for (const s of sources) wipe(s);
      throw e;
    }
    // onnxruntime copied what it needs from ONNX bytes; only ORT-format buffers stay in use.
    for (const s of sources) if (!pinned.includes(s)) wipe(s);
    return new Pipeline(mode, layout, sessions, pinned, undefined, options);
  }

  /**
   * A pipeline over parts loaded on demand. `stream` (default here): at most one part is in
   * memory at a time. `chained`: sessions are created part by part, each plaintext buffer wiped
   * and dropped once its session holds the model. `resident`: all parts are loaded, stitched,
   * and wiped.
   */
  static async fromProvider(provider: PartProvider, options: PipelineOptions = {}): Promise<Pipeline> {
    const mode = options.mode ?? "stream";
    const layout = checkChain(provider.signatures, options.plan, options.outputs);
    if (mode === "stream") return new Pipeline(mode, layout, [], [], provider, options);
    const n = provider.signatures.length;
    if (mode === "resident") {
      let sources: PartSource[];
      try {
        sources = provider.sizes && provider.loadInto ? await loadJoined(provider, provider.sizes, provider.loadInto) : await loadEach(provider);
      } finally {
        provider.close?.();
      }
      return Pipeline.fromParts(sources, options);
    }
    const sessions: ort.InferenceSession[] = [];
    const pinned: PartSource[] = [];
    try {
      for (let k = 0; k < n; k++) {
        const source = await provider.load(k);
        try {
          sessions.push(await sessionFor(source, options));
        } finally {
          if (source.format === "ort") pinned.push(source);
          else wipe(source);
        }
        options.onPartLoaded?.(k, n);
      }
    } catch (e) {
      await Promise.all(sessions.map((s) => s.release()));
      for (const p of pinned) wipe(p);
      provider.close?.();
      throw e;
    }
    provider.close?.();
    return new Pipeline(mode, layout, sessions, pinned, undefined, options);
  }

  static async fromModels(models: readonly ModelProto[], options: PipelineOptions = {}): Promise<Pipeline> {
    const { encodeModel } = await onnxTools();
    return Pipeline.fromParts(models.map((m, k) => ({ name: `part ${k}`, bytes: encodeModel(m) })), options);
  }

  /** Runs the chain; returns the model's outputs. `trace` receives per-part times when chained. */
  async run(feeds: Feeds, trace?: RunTrace): Promise<Feeds> {
    for (const name of this.layout.inputs) {
      if (!(name in feeds)) throw new PartsMismatch(`missing input '${name}'`);
    }
    if (this.mode === "resident") return runSession(this.sessions[0]!, pick(new Map(Object.entries(feeds)), this.layout.inputs));
    const store = new Map<string, ort.Tensor>(Object.entries(feeds));
    for (let k = 0; k < this.partCount; k++) {
      const t0 = trace ? performance.now() : 0;
      const out = this.provider ? await this.runStreamed(k, store) : await runSession(this.sessions[k]!, pick(store, this.layout.partInputs[k]!), `part ${k}`);
      if (trace) trace.partMs[k] = performance.now() - t0;
      for (const [name, t] of Object.entries(out)) store.set(name, t);
      for (const name of this.layout.releaseAfter[k]!) store.delete(name);
    }
    return pick(store, this.layout.outputs);
  }

  private async runStreamed(k: number, store: Map<string, ort.Tensor>): Promise<Feeds> {
    let source: PartSource | undefined = await this.provider!.load(k);
    const name = source.name;
    let session: ort.InferenceSession;
    try {
      // A streamed session runs once: packing its weights into a second, faster layout costs a
      // copy of them in memory (~60 MiB per 64 MiB part) for no repeated use.
      session = await sessionFor(source, { ...this.settings, prepack: false });
    } catch (e) {
      wipe(source);
      throw e;
    }
    // onnxruntime holds its own copy of an ONNX part: wipe and drop ours before running, so the
    // plaintext and the activations are never in memory together. ORT-format bytes stay in use.
    const inPlace = source.format === "ort" ? source : undefined;
    if (!inPlace) wipe(source);
    source = undefined;
    try {
      return await runSession(session, pick(store, this.layout.partInputs[k]!), name);
    } finally {
      await session.release();
      if (inPlace) wipe(inPlace);
    }
  }

  async release(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.release()));
    this.sessions.length = 0;
    for (const p of this.pinned) wipe(p);
    this.pinned.length = 0;
    this.provider?.close?.();
  }
}

function requireOnnx(source: PartSource): PartSource {
  if (source.format === "ort") throw new UsageError(`${source.name} is in ORT format: it runs chained or streamed, and cannot be stitched (resident mode needs ONNX parts)`);
  return source;
}

type OnnxTools = typeof import("../onnx/codec.js") & typeof import("./splice.js") & typeof import("./stitch.js");

/**
 * The protobuf codec, splicing and stitching, loaded only when parts must be decoded or joined: a
 * chain of parts whose signatures are known (every bundle) runs without them.
 */
async function onnxTools(): Promise<OnnxTools> {
  const [codec, splice, stitch] = await Promise.all([import("../onnx/codec.js"), import("./splice.js"), import("./stitch.js")]);
  return { ...codec, ...splice, ...stitch };
}

/**
 * Resident mode's one model: the parts laid end to end and stitched in place (splice.ts), in the
 * buffer they already share (a bundle decrypts them so) or in one new buffer; by decoding and
 * re-encoding only for parts the splice cannot handle.
 */
function stitched(sources: readonly PartSource[], layout: ChainLayout, model: (k: number) => ModelProto, tools: OnnxTools): PartSource {
  const { planSplice, applySplice, encodeModel, stitchParts } = tools;
  for (const s of sources) requireOnnx(s);
  const sensitive = sources.some((s) => s.sensitive);
  const shared = sharedBuffer(sources);
  const bytes = shared ?? Buffer.concat(sources.map((s) => s.bytes));
  const ranges: PartRange[] = [];
  let offset = 0;
  for (const s of sources) {
    ranges.push({ offset, length: s.bytes.byteLength });
    offset += s.bytes.byteLength;
  }
  const edits = planSplice(bytes, ranges, layout);
  if (edits) {
    applySplice(bytes, edits);
    return { name: "the stitched parts", bytes, sensitive };
  }
  if (!shared) bytes.fill(0);
  return { name: "the stitched parts", bytes: encodeModel(stitchParts(sources.map((_, k) => model(k)), layout)), sensitive };
}

/** The one buffer `sources` fill end to end, in order, if they do. */
function sharedBuffer(sources: readonly PartSource[]): Uint8Array | undefined {
  const first = sources[0]!.bytes;
  let end = first.byteOffset;
  for (const s of sources) {
    if (s.bytes.buffer !== first.buffer || s.bytes.byteOffset !== end) return undefined;
    end += s.bytes.byteLength;
  }
  return new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset);
}

async function loadEach(provider: PartProvider): Promise<PartSource[]> {
  const sources: PartSource[] = [];
  try {
    for (let k = 0; k < provider.signatures.length; k++) sources.push(await provider.load(k));
  } catch (e) {
    for (const s of sources) wipe(s);
    throw e;
  }
  return sources;
}

/** Loads every part into its place in one buffer: views of it, in order (wiped together). */
async function loadJoined(provider: PartProvider, sizes: readonly number[], loadInto: (index: number, target: Buffer) => Promise<void>): Promise<PartSource[]> {
  const joined = Buffer.allocUnsafeSlow(sizes.reduce((a, b) => a + b, 0));
  const sources: PartSource[] = [];
  let offset = 0;
  try {
    for (let k = 0; k < sizes.length; k++) {
      const bytes = joined.subarray(offset, offset + sizes[k]!);
      await loadInto(k, bytes);
      sources.push({ name: `part ${k}`, bytes, signature: provider.signatures[k], format: provider.format, sensitive: true });
      offset += sizes[k]!;
    }
  } catch (e) {
    joined.fill(0);
    throw e;
  }
  return sources;
}

function pick(store: ReadonlyMap<string, ort.Tensor>, names: readonly string[]): Feeds {
  const out: Feeds = {};
  for (const n of names) {
    const t = store.get(n);
    if (!t) throw new PartsMismatch(`tensor '${n}' is not available at this point of the chain`);
    out[n] = t;
  }
  return out;
}
