import {
  type AttributeProto,
  AttributeProtoSchema,
  AttributeType,
  create,
  DataType,
  type ModelProto,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  type TensorProto,
  type ValueInfoProto,
} from "./proto.js";
import { valueInfo } from "./value-info.js";
import { VERSION } from "../version.js";

/** Typed attribute constructors: ONNX distinguishes INT from FLOAT, JavaScript numbers do not. */
export const attr = {
  int: (name: string, i: number | bigint): AttributeProto =>
    create(AttributeProtoSchema, { name, type: AttributeType.INT, i: BigInt(i) }),
  ints: (name: string, ints: readonly (number | bigint)[]): AttributeProto =>
    create(AttributeProtoSchema, { name, type: AttributeType.INTS, ints: ints.map((v) => BigInt(v)) }),
  float: (name: string, f: number): AttributeProto => create(AttributeProtoSchema, { name, type: AttributeType.FLOAT, f }),
  floats: (name: string, floats: readonly number[]): AttributeProto =>
    create(AttributeProtoSchema, { name, type: AttributeType.FLOATS, floats: [...floats] }),
  string: (name: string, s: string): AttributeProto =>
    create(AttributeProtoSchema, { name, type: AttributeType.STRING, s: new TextEncoder().encode(s) }),
  tensor: (name: string, t: TensorProto): AttributeProto =>
    create(AttributeProtoSchema, { name, type: AttributeType.TENSOR, t }),
};

export const DEFAULT_OPSET = 17;

/**
 * Assembles an ONNX graph node by node. Output names are generated unless given; nodes are kept in
 * insertion order, which callers make topological.
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  private counter = 0;
  private readonly names = new Set<string>();

  constructor(readonly name: string) {}

  input(name: string, elemType: DataType, dims: readonly (number | string)[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    this.names.add(name);
    return name;
  }

  output(name: string, elemType: DataType, dims: readonly (number | string)[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  initializer(t: TensorProto): string {
    if (this.names.has(t.name)) throw new Error(`duplicate tensor name ${t.name}`);
    this.names.add(t.name);
    this.initializers.push(t);
    return t.name;
  }

  /** Adds a node; returns its output names. `outputs` is a count or explicit names. */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: readonly AttributeProto[] = [],
    options: { outputs?: number | readonly string[]; name?: string; domain?: string } = {},
  ): string[] {
    const id = this.counter++;
    const nodeName = options.name ?? `${opType}_${id}`;
    const outs =
      typeof options.outputs === "object"
        ? [...options.outputs]
        : Array.from({ length: options.outputs ?? 1 }, (_, k) => `${nodeName}_out${k}`);
    for (const o of outs) {
      if (this.names.has(o)) throw new Error(`duplicate tensor name ${o}`);
      this.names.add(o);
    }
    this.nodes.push(
      create(NodeProtoSchema, {
        opType,
        name: nodeName,
        input: [...inputs],
        output: outs,
        attribute: [...attributes],
        domain: options.domain ?? "",
      }),
    );
    return outs;
  }

  /** Single-output shorthand for `node`. */
  op(opType: string, inputs: readonly string[], attributes: readonly AttributeProto[] = [], name?: string): string {
    return this.node(opType, inputs, attributes, { name })[0]!;
  }

  build(options: { opset?: number; producer?: string; docString?: string; metadata?: Record<string, string> } = {}): ModelProto {
    return create(ModelProtoSchema, {
      irVersion: 8n,
      producerName: options.producer ?? "msplit",
      producerVersion: VERSION,
      docString: options.docString ?? "",
      opsetImport: [create(OperatorSetIdProtoSchema, { domain: "", version: BigInt(options.opset ?? DEFAULT_OPSET) })],
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) =>
        create(StringStringEntryProtoSchema, { key, value }),
      ),
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
  }
}
