import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { OnnxInvalid } from "../errors.js";
import { type ChainLayout, PART_METADATA_PREFIX } from "./assemble.js";

/**
 * Resident mode without decoding a weight (docs/bundle-format.md, "Model parts"). Serialised
 * protobuf messages laid end to end parse as their merge: ONNX parts placed one after another in
 * one buffer read as one ModelProto whose graph holds every part's nodes, initializers, inputs and
 * outputs in order. What must not be merged is renamed in place, by rewriting a field's tag (one
 * or two bytes) and nothing else:
 *
 * - graph inputs other than the chain's own, and graph outputs other than its results, become
 *   `value_info` (the same message type under another field number), or are dropped when already
 *   declared;
 * - nodes whose outputs an earlier part already made (copies of constant nodes), initializers
 *   already present, later parts' opset imports, functions and training info, and msplit's part
 *   metadata are dropped.
 *
 * "Dropped" means moved to a field number the reader skips: GraphProto reserves 3; ModelProto
 * fields 13 and 1000 are unused by ONNX. The result is the graph `stitchParts` builds, without a
 * second copy of the weights and without protobuf decoding or encoding them.
 */

/** A part's place in the shared buffer. */
export interface PartRange {
  offset: number;
  length: number;
}

const MODEL_OPSET_IMPORT = 8;
const MODEL_GRAPH = 7;
const MODEL_METADATA = 14;
const MODEL_TRAINING_INFO = 20;
const MODEL_FUNCTIONS = 25;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_SPARSE_INITIALIZER = 15;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const GRAPH_VALUE_INFO = 13;
/** Field numbers a reader skips, with one- and two-byte tags. */
const GRAPH_SKIPPED = 3;
const MODEL_SKIPPED_SHORT = 13;
const MODEL_SKIPPED_LONG = 1000;

interface TagEdit {
  pos: number;
  length: number;
  field: number;
}

interface Field {
  field: number;
  wire: WireType;
  /** Where the tag starts and how many bytes it takes. */
  tagPos: number;
  tagLength: number;
  /** The value of a length-delimited field. */
  value?: Uint8Array;
  valuePos?: number;
}

function* fields(buf: Uint8Array, start: number, end: number): Generator<Field> {
  const r = new BinaryReader(buf.subarray(start, end));
  while (r.pos < r.len) {
    const tagPos = r.pos;
    const [field, wire] = r.tag();
    const tagLength = r.pos - tagPos;
    if (wire === WireType.LengthDelimited) {
      const len = r.uint32();
      const valuePos = r.pos;
      if (valuePos + len > r.len) throw new Error("a field runs past its message");
      r.pos += len;
      yield { field, wire, tagPos: start + tagPos, tagLength, value: buf.subarray(start + valuePos, start + valuePos + len), valuePos: start + valuePos };
    } else {
      r.skip(wire, field);
      yield { field, wire, tagPos: start + tagPos, tagLength };
    }
  }
}

/** The strings of one field of a small message (names of a node's outputs, a tensor's name...). */
function strings(message: Uint8Array, field: number): string[] {
  const out: string[] = [];
  const r = new BinaryReader(message);
  while (r.pos < r.len) {
    const [f, wire] = r.tag();
    if (f === field && wire === WireType.LengthDelimited) out.push(r.string());
    else r.skip(wire, f);
  }
  return out;
}

const nameOf = (message: Uint8Array, field: number): string => strings(message, field)[0] ?? "";

/**
 * The tag edits that turn `parts` (ONNX ModelProto bytes at the given places of `buf`) into one
 * stitched model, or undefined when the parts use something this cannot stitch (sparse
 * initializers, a chain output that no part declares, unusual tag encodings): the caller then
 * stitches by decoding. Throws OnnxInvalid on bytes that are not protobuf.
 */
export function planSplice(buf: Uint8Array, parts: readonly PartRange[], layout: ChainLayout): TagEdit[] | undefined {
  try {
    return plan(buf, parts, layout);
  } catch (e) {
    throw new OnnxInvalid(`a part is not a valid ONNX model: ${(e as Error).message}`, { cause: e });
  }
}

function plan(buf: Uint8Array, parts: readonly PartRange[], layout: ChainLayout): TagEdit[] | undefined {
  const edits: TagEdit[] = [];
  const produced = new Set<string>();
  const initializers = new Set<string>();
  const declared = new Set<string>(); // value_info names
  const inputs = new Set<string>();
  const outputs = new Set<string>();
  const chainInputs = new Set(layout.inputs);
  const chainOutputs = new Set(layout.outputs);
  let unsupported = false;

  const retag = (f: Field, field: number): void => {
    const length = field <= 15 ? 1 : 2;
    if (f.tagLength !== length || f.wire !== WireType.LengthDelimited) unsupported = true;
    edits.push({ pos: f.tagPos, length, field });
  };
  const drop = (f: Field, model: boolean): void => retag(f, model ? (f.tagLength === 1 ? MODEL_SKIPPED_SHORT : MODEL_SKIPPED_LONG) : GRAPH_SKIPPED);
  /** A graph input or output that is not one of the chain's own: keep its type as value_info, once. */
  const declare = (f: Field, name: string): void => {
    if (declared.has(name) || chainOutputs.has(name) || chainInputs.has(name)) drop(f, false);
    else {
      declared.add(name);
      retag(f, GRAPH_VALUE_INFO);
    }
  };

  /** A graph input (output) stays one once if the chain takes (gives) it, else becomes value_info. */
  const chainEnd = (f: Field, chain: ReadonlySet<string>, kept: Set<string>): void => {
    const name = nameOf(f.value!, 1);
    if (!chain.has(name)) declare(f, name);
    else if (kept.has(name)) drop(f, false);
    else kept.add(name);
  };

  parts.forEach((range, k) => {
    for (const m of fields(buf, range.offset, range.offset + range.length)) {
      if (m.field === MODEL_METADATA && m.value) {
        if (k > 0 || nameOf(m.value, 1).startsWith(PART_METADATA_PREFIX)) drop(m, true);
      } else if ((m.field === MODEL_OPSET_IMPORT || m.field === MODEL_FUNCTIONS || m.field === MODEL_TRAINING_INFO) && k > 0) drop(m, true);
      else if (m.field === MODEL_GRAPH && m.value) {
        for (const g of fields(buf, m.valuePos!, m.valuePos! + m.value.length)) {
          if (!g.value) continue;
          switch (g.field) {
            case GRAPH_NODE: {
              const outs = strings(g.value, 2).filter((o) => o !== "");
              if (outs.length > 0 && outs.every((o) => produced.has(o))) drop(g, false);
              else outs.forEach((o) => produced.add(o));
              break;
            }
            case GRAPH_INITIALIZER: {
              const name = nameOf(g.value, 8);
              if (initializers.has(name)) drop(g, false);
              else initializers.add(name);
              break;
            }
            case GRAPH_SPARSE_INITIALIZER:
              unsupported = true;
              break;
            case GRAPH_INPUT:
              chainEnd(g, chainInputs, inputs);
              break;
            case GRAPH_OUTPUT:
              chainEnd(g, chainOutputs, outputs);
              break;
            case GRAPH_VALUE_INFO: {
              const name = nameOf(g.value, 1);
              if (declared.has(name) || chainOutputs.has(name) || chainInputs.has(name)) drop(g, false);
              else declared.add(name);
              break;
            }
          }
        }
      }
    }
  });
  if (unsupported || inputs.size !== chainInputs.size || outputs.size !== chainOutputs.size) return undefined;
  return edits;
}

/** Rewrites the planned tags in place. */
export function applySplice(buf: Uint8Array, edits: readonly TagEdit[]): void {
  for (const e of edits) {
    const tag = (e.field << 3) | WireType.LengthDelimited;
    if (e.length === 1) buf[e.pos] = tag;
    else {
      buf[e.pos] = (tag & 0x7f) | 0x80;
      buf[e.pos + 1] = tag >>> 7;
    }
  }
}
