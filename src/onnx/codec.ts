import { constants as bufferConstants } from "node:buffer";
import { dirname, isAbsolute, normalize, resolve, sep } from "node:path";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { OnnxInvalid, OnnxUnsupported } from "../errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { openUntrusted, readUntrusted } from "../util/untrusted-file.js";
import { DataLocation, GraphProtoSchema, type ModelProto, ModelProtoSchema, type TensorProto, TensorProtoSchema } from "./proto.js";
import { lazyPayload, type Piece, pieceLength, readRange } from "./payload.js";
import { elementBytes, numElements } from "./tensor.js";
import { validateModel } from "./validate.js";
import { allTensorsOf } from "./walk.js";

const MAX_LENGTH = bufferConstants.MAX_LENGTH;

/**
 * Decodes ModelProto bytes. Unknown fields are kept and re-emitted by `encodeModel`, so a round
 * trip preserves what msplit does not understand. Bytes fields are views into `bytes`.
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  if (bytes.byteLength === 0) throw new OnnxInvalid("not an ONNX model: the input is empty");
  let model: ModelProto;
  try {
    model = fromBinary(ModelProtoSchema, bytes, { readUnknownFields: true });
  } catch (e) {
    throw new OnnxInvalid(`not an ONNX model, or a truncated one: ${(e as Error).message}`, { cause: e });
  }
  checkModelShape(model);
  validateModel(model);
  return model;
}

/** Tensors at least this big are spliced into the output instead of going through the encoder. */
const SPLICE_THRESHOLD = 4096;

/** Encodes a ModelProto into one buffer. See `encodeModelPieces`. */
export function encodeModel(model: ModelProto): Uint8Array {
  const chunks = encodeModelChunks(model);
  if (chunks.length === 1) return chunks[0]!;
  return Buffer.concat(chunks);
}

/** The encoded model as in-memory chunks (lazily loaded weights are read in). */
export function encodeModelChunks(model: ModelProto): Uint8Array[] {
  return encodeModelPieces(model).map((p) => (p instanceof Uint8Array ? p : readRange(p)));
}

/**
 * Encodes a ModelProto as pieces whose concatenation is the encoded model. The protobuf library
 * encodes everything but the payloads of large initializers, which are returned as views of the
 * tensors' own bytes, or as ranges of the file they were lazily loaded from: writing a model
 * copies each weight once, into the file, instead of several times through a growing buffer.
 * Protobuf allows fields in any order, so the graph goes last in the model and the large
 * initializers last in the graph.
 */
export function encodeModelPieces(model: ModelProto): Piece[] {
  const graph = model.graph;
  const payloadOf = (t: TensorProto): Piece => lazyPayload(t) ?? t.rawData;
  const big = graph ? graph.initializer.filter((t) => lazyPayload(t) !== undefined || t.rawData.byteLength >= SPLICE_THRESHOLD) : [];
  if (!graph || big.length === 0) return [toBinary(ModelProtoSchema, model, { writeUnknownFields: true })];
  const bigSet = new Set(big);
  const head = toBinary(ModelProtoSchema, { ...model, graph: undefined }, { writeUnknownFields: true });
  const graphHead = toBinary(GraphProtoSchema, { ...graph, initializer: graph.initializer.filter((t) => !bigSet.has(t)) }, { writeUnknownFields: true });
  const tensorHeads = big.map((t) => toBinary(TensorProtoSchema, { ...t, rawData: new Uint8Array(0) }, { writeUnknownFields: true }));
  // ModelProto.graph is field 7, GraphProto.initializer field 5, TensorProto.raw_data field 9; all length-delimited.
  const payloadLens = big.map((t) => pieceLength(payloadOf(t)));
  const tensorLens = big.map((_, i) => tensorHeads[i]!.byteLength + 1 + varintSize(payloadLens[i]!) + payloadLens[i]!);
  const graphLen = graphHead.byteLength + tensorLens.reduce((s, n) => s + 1 + varintSize(n) + n, 0);
  const pieces: Piece[] = [head, lengthDelimitedKey(7, graphLen), graphHead];
  big.forEach((t, i) => {
    pieces.push(lengthDelimitedKey(5, tensorLens[i]!), tensorHeads[i]!, lengthDelimitedKey(9, payloadLens[i]!), payloadOf(t));
  });
  return pieces;
}

/** The tag of a length-delimited field followed by the length varint. */
function lengthDelimitedKey(field: number, length: number): Uint8Array {
  const out = [(field << 3) | 2];
  let v = length;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

/** Structural sanity that protobuf decoding alone cannot give (random bytes often decode). */
export function checkModelShape(model: ModelProto): void {
  const g = model.graph;
  if (!g) throw new OnnxInvalid("not an ONNX model: it has no graph");
  if (model.irVersion <= 0n || model.irVersion > 100n)
    throw new OnnxInvalid(`not an ONNX model: implausible IR version ${model.irVersion}`);
  if (g.node.length === 0) throw new OnnxInvalid("the ONNX graph has no nodes");
  if (g.output.length === 0) throw new OnnxInvalid("the ONNX graph declares no outputs");
  for (const n of g.node) {
    if (!n.opType) throw new OnnxInvalid(`node '${n.name}' has no operator type`);
  }
}

export interface LoadOptions {
  /** Load tensors stored in external data files next to the model (default true). */
  externalData?: boolean;
}

/** Reads a model file; tensors kept in external data files are read into memory. */
export async function loadModel(path: string, options: LoadOptions = {}): Promise<ModelProto> {
  const model = decodeModel(await readUntrusted(path, "model"));
  if (options.externalData ?? true) await resolveExternalData(model, dirname(path));
  return model;
}

/** Writes a model file atomically (no partial file on failure); refuses to replace one unless `overwrite`. */
export async function saveModel(path: string, model: ModelProto, options: { overwrite?: boolean } = {}): Promise<void> {
  await writeFileAtomic(path, encodeModelChunks(model), options);
}

function externalInfo(t: TensorProto): { location: string; offset: number; length?: number } {
  const kv = new Map(t.externalData.map((e) => [e.key, e.value]));
  const location = kv.get("location");
  if (!location) throw new OnnxInvalid(`tensor '${t.name}' has external data without a location`);
  const offset = Number(kv.get("offset") ?? "0");
  const lengthText = kv.get("length");
  const length = lengthText === undefined ? undefined : Number(lengthText);
  if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length < 0)))
    throw new OnnxInvalid(`tensor '${t.name}' has an invalid external data offset or length`);
  return { location, offset, length };
}

/**
 * Replaces external-data references by the bytes they name, so the model is self-contained in
 * memory. Locations must stay inside the model's directory (no absolute paths, no `..` escapes).
 */
export async function resolveExternalData(model: ModelProto, baseDir: string): Promise<void> {
  const root = resolve(baseDir);
  for (const t of allTensorsOf(model)) {
    if (t.dataLocation !== DataLocation.EXTERNAL) continue;
    const { location, offset, length } = externalInfo(t);
    const full = resolve(root, normalize(location));
    if (isAbsolute(location) || !(full === root || full.startsWith(root + sep)))
      throw new OnnxInvalid(`tensor '${t.name}' points outside the model directory: ${location}`);
    const expected = numElements(t.dims) * elementBytes(t.dataType);
    if (length !== undefined && length !== expected)
      throw new OnnxInvalid(`tensor '${t.name}': external data length ${length} does not match its shape (${expected} bytes)`);
    if (expected > MAX_LENGTH) throw new OnnxUnsupported(`tensor '${t.name}' holds ${expected} bytes, more than one buffer can hold`);
    let file;
    try {
      file = await openUntrusted(full, "external-data");
    } catch (e) {
      throw new OnnxInvalid(`tensor '${t.name}': external data ${location}: ${(e as Error).message}`, { cause: e });
    }
    const { fh, size } = file;
    try {
      if (offset > size || expected > size - offset)
        throw new OnnxInvalid(`tensor '${t.name}': external data ${location} is shorter than declared`);
      const buf = Buffer.alloc(expected);
      let got = 0;
      while (got < expected) {
        const { bytesRead } = await fh.read(buf, got, expected - got, offset + got);
        if (bytesRead === 0) throw new OnnxInvalid(`tensor '${t.name}': short read from ${location}`);
        got += bytesRead;
      }
      t.rawData = buf;
      t.externalData = [];
      t.dataLocation = DataLocation.DEFAULT;
    } finally {
      await fh.close();
    }
  }
}
