import { decodeModel, encodeModel } from "../../src/onnx/codec.js";
import type { AttributeProto, ModelProto, NodeProto, TensorProto } from "../../src/onnx/proto.js";
import { SeededRandom } from "../../src/util/random.js";

/**
 * Mutated ONNX models for the fuzzer (test/cli/fuzz.test.ts, scripts/fuzz-models.mts): byte-level
 * damage that the protobuf decoder must survive, and structural edits of a decoded model that a
 * decoder accepts but onnxruntime or msplit's own analysis might not (the kind that once made
 * onnxruntime divide by zero): attribute values, tensor dims against payloads, names with control
 * characters, dropped or rewired nodes, opsets, types.
 */
export interface ModelMutant {
  /** What was changed, to reproduce a finding. */
  how: string;
  bytes: Uint8Array;
}

const EXTREME_INTS = [0n, -1n, 1n, 2n, 3n, -2n, 65_536n, 2n ** 31n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 62n, -(2n ** 63n)];
const HOSTILE_NAMES = ["", "a\nb", "\u001b[2J\u001b[31mred", "x".repeat(5000), "\u202eevil", "../../etc/passwd", "\u0000", "name with spaces"];
const OP_TYPES = ["Conv", "MaxPool", "Gemm", "Reshape", "Transpose", "Concat", "Flatten", "Split", "Slice", "Gather", "Loop", "If", "Unknown", ""];

export function* modelMutants(original: Uint8Array, count: number, seed: number): Generator<ModelMutant> {
  const rng = new SeededRandom(seed);
  const int = (n: number) => Math.min(n - 1, Math.floor(rng.next() * n));
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  for (let n = 0; n < count; n++) {
    const kind = int(10);
    if (kind < 3) {
      yield bytesMutant(original, int, pick);
      continue;
    }
    const model = decodeModel(original);
    const how = structural(model, int, pick);
    yield { how, bytes: encodeModel(model) };
  }
}

type Int = (n: number) => number;
type Pick = <T>(xs: readonly T[]) => T;

function bytesMutant(original: Uint8Array, int: Int, pick: Pick): ModelMutant {
  const bytes = Uint8Array.from(original);
  switch (int(3)) {
    case 0: {
      const flips = 1 + int(8);
      const at: number[] = [];
      for (let i = 0; i < flips; i++) {
        const bit = int(bytes.length * 8);
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        at.push(bit);
      }
      return { how: `bit flips at ${at.join(",")}`, bytes };
    }
    case 1: {
      const len = int(bytes.length);
      return { how: `truncated to ${len} bytes`, bytes: bytes.subarray(0, len) };
    }
    default: {
      // Overwrite a run with one byte value: varints and lengths get extreme values.
      const at = int(bytes.length);
      const len = 1 + int(16);
      const value = pick([0x00, 0x7f, 0x80, 0xff]);
      bytes.fill(value, at, Math.min(bytes.length, at + len));
      return { how: `${len} bytes at ${at} set to ${value}`, bytes };
    }
  }
}

function structural(model: ModelProto, int: Int, pick: Pick): string {
  const graph = model.graph!;
  const nodes = graph.node;
  const node = (): NodeProto => pick(nodes);
  const withAttrs = nodes.filter((x) => x.attribute.length > 0);
  // An operator type first, then one of its nodes: a rare operator (one Concat among twenty Convs)
  // gets as many attribute mutations as a common one.
  const opTypes = [...new Set(withAttrs.map((x) => x.opType))];
  const attributed = (): NodeProto => {
    const op = pick(opTypes);
    return pick(withAttrs.filter((x) => x.opType === op));
  };
  switch (int(14)) {
    case 12:
    case 13:
    case 0:
    case 1: {
      if (withAttrs.length === 0) return "no attribute to change";
      const target = attributed();
      const attr: AttributeProto = pick(target.attribute);
      const value = pick(EXTREME_INTS);
      if (attr.ints.length > 0) {
        const i = int(attr.ints.length);
        attr.ints[i] = value;
        return `${target.name}.${attr.name}[${i}] = ${value}`;
      }
      attr.i = value;
      attr.f = pick([0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e30]);
      return `${target.name}.${attr.name}.i = ${value}, .f = ${attr.f}`;
    }
    case 2: {
      // Two nodes' attributes swapped: each is well-formed, neither fits its node.
      if (withAttrs.length < 2) return "fewer than two nodes with attributes";
      const a = pick(withAttrs);
      const b = pick(withAttrs);
      [a.attribute, b.attribute] = [b.attribute, a.attribute];
      return `attributes of ${a.name} and ${b.name} swapped`;
    }
    case 3: {
      const t: TensorProto | undefined = graph.initializer.length ? pick(graph.initializer) : undefined;
      if (!t) return "no initializer";
      if (t.dims.length === 0 || int(3) === 0) {
        t.dataType = pick([0, 2, 7, 8, 9, 11, 16, 99]);
        return `${t.name} data type ${t.dataType}`;
      }
      const i = int(t.dims.length);
      t.dims[i] = pick([0n, -1n, t.dims[i]! * 2n, t.dims[i]! + 1n, 2n ** 40n]);
      return `${t.name}.dims[${i}] = ${t.dims[i]}`;
    }
    case 4: {
      const vi = pick([...graph.input, ...graph.output, ...graph.valueInfo]);
      const dims = vi.type?.value.case === "tensorType" ? vi.type.value.value.shape?.dim : undefined;
      if (!dims?.length) return `${vi.name} has no shape`;
      const d = pick(dims);
      if (int(2) === 0) d.value = { case: "dimValue", value: pick([0n, -5n, 2n ** 40n, 7n]) };
      else d.value = { case: "dimParam", value: pick(HOSTILE_NAMES) };
      return `a dim of ${vi.name} changed`;
    }
    case 5: {
      const target = node();
      const name = pick(HOSTILE_NAMES);
      switch (int(4)) {
        case 0:
          target.name = name;
          break;
        case 1:
          target.domain = name;
          break;
        case 2:
          if (target.attribute.length) pick(target.attribute).name = name;
          break;
        default:
          if (target.output.length) target.output[0] = name;
      }
      return `a name in ${JSON.stringify(target.name.slice(0, 40))} set to ${JSON.stringify(name.slice(0, 40))}`;
    }
    case 6: {
      const i = int(nodes.length);
      nodes.splice(i, 1);
      return `node ${i} removed`;
    }
    case 7: {
      const target = node();
      if (int(2) === 0 && target.input.length) {
        const i = int(target.input.length);
        target.input[i] = int(2) === 0 ? "" : pick(nodes).output[0] ?? "missing";
        return `${target.name}.input[${i}] rewired to ${JSON.stringify(target.input[i])}`;
      }
      target.input.push(pick([...graph.initializer.map((t) => t.name), "missing"]));
      return `${target.name} given an extra input`;
    }
    case 8: {
      const target = node();
      target.opType = pick(OP_TYPES);
      return `${target.name} became ${JSON.stringify(target.opType)}`;
    }
    case 9: {
      const opset = model.opsetImport[0];
      if (opset) opset.version = pick([0n, 1n, 6n, 9n, 99n, -1n]);
      model.irVersion = pick([0n, 1n, 3n, 99n, model.irVersion]);
      return `opset ${opset?.version}, ir ${model.irVersion}`;
    }
    case 10: {
      const i = int(nodes.length);
      nodes.splice(int(nodes.length), 0, nodes[i]!);
      return `node ${i} duplicated`;
    }
    default: {
      const t = graph.initializer.length ? pick(graph.initializer) : undefined;
      if (!t) return "no initializer";
      t.rawData = t.rawData.subarray(0, int(t.rawData.length + 1));
      return `${t.name} payload cut to ${t.rawData.length} bytes`;
    }
  }
}
