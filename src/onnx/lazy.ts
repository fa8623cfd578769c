import { dirname } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { OnnxInvalid } from "../errors.js";
import { openUntrusted } from "../util/untrusted-file.js";
import { checkModelShape, resolveExternalData } from "./codec.js";
import { type FileRange, setLazyPayload } from "./payload.js";
import { validateModel } from "./validate.js";
import { GraphProtoSchema, type ModelProto, ModelProtoSchema, type TensorProto, TensorProtoSchema } from "./proto.js";

/** Initializers at least this big stay in the file. */
const LAZY_THRESHOLD = 64 * 1024;

/**
 * Reads a model's structure, leaving the payloads of large initializers in the file. Splitting
 * needs only names, shapes and types; the parts' weights are then copied from this file into the
 * part files in bounded memory. The result decodes exactly as `loadModel` would; only where the
 * large payloads live differs (`lazyPayload`).
 */
export async function loadModelLazy(path: string): Promise<ModelProto> {
  const { fh, size } = await openUntrusted(path, "model");
  try {
    if (size === 0) throw new OnnxInvalid("not an ONNX model: the input is empty");
    const read = async (pos: number, len: number): Promise<Buffer> => {
      if (pos + len > size) throw new OnnxInvalid("not an ONNX model, or a truncated one: a field runs past the end of the file");
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(buf, 0, len, pos);
      if (bytesRead !== len) throw new OnnxInvalid("short read of the model file");
      return buf;
    };
    const walker = new Walker(read);
    const modelRest: Buffer[] = [];
    const graphRest: Buffer[] = [];
    const lazy: TensorProto[] = [];
    let sawGraph = false;
    for await (const f of walker.fields(0, size)) {
      if (f.field === 7 && f.wire === 2) {
        sawGraph = true;
        for await (const g of walker.fields(f.valueStart, f.end)) {
          if (g.field === 5 && g.wire === 2 && g.end - g.valueStart >= LAZY_THRESHOLD) lazy.push(await lazyTensor(walker, read, path, g.valueStart, g.end));
          else graphRest.push(await read(g.start, g.end - g.start));
        }
      } else modelRest.push(await read(f.start, f.end - f.start));
    }
    let model: ModelProto;
    try {
      model = fromBinary(ModelProtoSchema, Buffer.concat(modelRest), { readUnknownFields: true });
      if (sawGraph) {
        model.graph = fromBinary(GraphProtoSchema, Buffer.concat(graphRest), { readUnknownFields: true });
        model.graph.initializer.push(...lazy);
      }
    } catch (e) {
      throw new OnnxInvalid(`not an ONNX model, or a truncated one: ${(e as Error).message}`, { cause: e });
    }
    checkModelShape(model);
    validateModel(model);
    await resolveExternalData(model, dirname(path));
    return model;
  } finally {
    await fh.close();
  }
}

async function lazyTensor(walker: Walker, read: (pos: number, len: number) => Promise<Buffer>, path: string, start: number, end: number): Promise<TensorProto> {
  const rest: Buffer[] = [];
  let range: FileRange | undefined;
  for await (const f of walker.fields(start, end)) {
    if (f.field === 9 && f.wire === 2) range = { path, offset: f.valueStart, length: f.end - f.valueStart };
    else rest.push(await read(f.start, f.end - f.start));
  }
  let t: TensorProto;
  try {
    t = fromBinary(TensorProtoSchema, Buffer.concat(rest), { readUnknownFields: true });
  } catch (e) {
    throw new OnnxInvalid(`a malformed initializer: ${(e as Error).message}`, { cause: e });
  }
  if (range) setLazyPayload(t, range);
  return t;
}

interface Field {
  field: number;
  wire: number;
  /** Offset of the tag. */
  start: number;
  /** Offset of the value (after the length prefix for length-delimited fields). */
  valueStart: number;
  end: number;
}

/** Walks protobuf fields in a file region reading only tags and length prefixes. */
class Walker {
  constructor(private readonly read: (pos: number, len: number) => Promise<Buffer>) {}

  async *fields(start: number, end: number): AsyncGenerator<Field> {
    let pos = start;
    while (pos < end) {
      const head = await this.read(pos, Math.min(20, end - pos));
      let p = 0;
      const varint = (): number => {
        let v = 0;
        let mul = 1;
        for (;;) {
          if (p >= head.length) throw new OnnxInvalid("not an ONNX model: a malformed field header");
          const b = head[p++]!;
          v += (b & 0x7f) * mul;
          if (b < 0x80) return v;
          mul *= 128;
          if (mul > 2 ** 63) throw new OnnxInvalid("not an ONNX model: an overlong varint");
        }
      };
      const tag = varint();
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      let valueStart: number;
      let fieldEnd: number;
      switch (wire) {
        case 0:
          varint();
          valueStart = fieldEnd = pos + p;
          break;
        case 1:
          valueStart = pos + p;
          fieldEnd = valueStart + 8;
          break;
        case 2: {
          const len = varint();
          valueStart = pos + p;
          fieldEnd = valueStart + len;
          break;
        }
        case 5:
          valueStart = pos + p;
          fieldEnd = valueStart + 4;
          break;
        default:
          throw new OnnxInvalid(`not an ONNX model: unsupported wire type ${wire}`);
      }
      if (field === 0 || fieldEnd > end) throw new OnnxInvalid("not an ONNX model, or a truncated one: a field runs past its message");
      yield { field, wire, start: pos, valueStart, end: fieldEnd };
      pos = fieldEnd;
    }
  }
}
