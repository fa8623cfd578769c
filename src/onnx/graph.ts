import { OnnxInvalid } from "../errors.js";
import type { ModelProto, NodeProto, TensorProto } from "./proto.js";
import { type TensorType, typeOfValueInfo } from "./types.js";
import { outerScopeNames } from "./walk.js";

/**
 * A read-only view of a model's main graph: nodes in topological order, who produces and who
 * consumes each tensor, and the declared types. Built once; the model must not change under it.
 */
export interface Graph {
  readonly model: ModelProto;
  /** Nodes in a topological order (the file's own order when it already is one). */
  readonly nodes: readonly NodeProto[];
  /** Inputs of each node, including names its subgraphs read from the enclosing scope. */
  readonly nodeInputs: readonly (readonly string[])[];
  /** Tensor name -> index of the node producing it. Graph inputs and initializers have none. */
  readonly producer: ReadonlyMap<string, number>;
  /** Tensor name -> indices of nodes consuming it, ascending. */
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  readonly initializers: ReadonlyMap<string, TensorProto>;
  /** Graph inputs that are not initializers: what a caller feeds. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Types declared in the file (inputs, outputs, value_info). Inferred types are in shapes.ts. */
  readonly declaredTypes: ReadonlyMap<string, TensorType>;
}

export function analyzeGraph(model: ModelProto): Graph {
  const g = model.graph;
  if (!g) throw new OnnxInvalid("the model has no graph");
  const initializers = new Map<string, TensorProto>();
  for (const t of g.initializer) initializers.set(t.name, t);
  for (const s of g.sparseInitializer) if (s.values) initializers.set(s.values.name, s.values);
  const inputs = g.input.map((v) => v.name).filter((n) => !initializers.has(n));
  const outputs = g.output.map((v) => v.name);

  const nodeInputsInFileOrder = g.node.map((n) => {
    const names = n.input.filter((i) => i !== "");
    for (const a of n.attribute) {
      for (const sub of a.g ? [a.g, ...a.graphs] : a.graphs) {
        for (const name of outerScopeNames(sub)) if (!names.includes(name)) names.push(name);
      }
    }
    return names;
  });

  const producedBy = new Map<string, number>();
  g.node.forEach((n, i) => {
    for (const o of n.output) {
      if (o === "") continue;
      if (producedBy.has(o) || initializers.has(o) || inputs.includes(o))
        throw new OnnxInvalid(`tensor '${o}' is defined more than once`);
      producedBy.set(o, i);
    }
  });
  const available = new Set<string>([...inputs, ...initializers.keys()]);
  nodeInputsInFileOrder.forEach((ins, i) => {
    for (const name of ins) {
      if (!available.has(name) && !producedBy.has(name))
        throw new OnnxInvalid(`node '${g.node[i]!.name || g.node[i]!.opType}' reads '${name}', which nothing defines`);
    }
  });
  for (const o of outputs) {
    if (!available.has(o) && !producedBy.has(o)) throw new OnnxInvalid(`graph output '${o}' is never produced`);
  }

  const order = topologicalOrder(nodeInputsInFileOrder, producedBy, g.node.length);
  const nodes = order.map((i) => g.node[i]!);
  const nodeInputs = order.map((i) => nodeInputsInFileOrder[i]!);
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.output.forEach((o) => o && producer.set(o, i)));
  const consumers = new Map<string, number[]>();
  nodeInputs.forEach((ins, i) => {
    for (const name of ins) {
      const list = consumers.get(name);
      if (list === undefined) consumers.set(name, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    }
  });

  const declaredTypes = new Map<string, TensorType>();
  for (const v of [...g.input, ...g.valueInfo, ...g.output]) {
    const t = typeOfValueInfo(v);
    if (t) declaredTypes.set(v.name, t);
  }
  return { model, nodes, nodeInputs, producer, consumers, initializers, inputs, outputs, declaredTypes };
}

/** Kahn's algorithm, always taking the earliest ready node in file order (stable). */
function topologicalOrder(nodeInputs: string[][], producedBy: Map<string, number>, n: number): number[] {
  const pending = new Array<number>(n).fill(0);
  const dependents: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    const deps = new Set<number>();
    for (const name of nodeInputs[i]!) {
      const p = producedBy.get(name);
      if (p !== undefined && p !== i) deps.add(p);
      if (p === i) throw new OnnxInvalid(`node ${i} reads its own output '${name}'`);
    }
    pending[i] = deps.size;
    for (const d of deps) dependents[d]!.push(i);
  }
  // Binary min-heap of ready node indices.
  const heap: number[] = [];
  const push = (v: number) => {
    heap.push(v);
    let k = heap.length - 1;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (heap[p]! <= heap[k]!) break;
      [heap[p], heap[k]] = [heap[k]!, heap[p]!];
      k = p;
    }
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let k = 0;
      for (;;) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < heap.length && heap[l]! < heap[m]!) m = l;
        if (r < heap.length && heap[r]! < heap[m]!) m = r;
        if (m === k) break;
        [heap[m], heap[k]] = [heap[k]!, heap[m]!];
        k = m;
      }
    }
    return top;
  };
  for (let i = 0; i < n; i++) if (pending[i] === 0) push(i);
  const order: number[] = [];
  while (heap.length > 0) {
    const i = pop();
    order.push(i);
    for (const d of dependents[i]!) if (--pending[d]! === 0) push(d);
  }
  if (order.length !== n) throw new OnnxInvalid("the graph has a cycle");
  return order;
}
