import { SplitInvalidParts } from "../errors.js";
import type { Graph } from "../onnx/graph.js";

/** Operators whose output changes between runs: never treat them as constants. */
const NONDETERMINISTIC = new Set(["RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"]);

/**
 * The nodes a split distributes over parts. Constant nodes (and nodes computing only from
 * constants, like the Identity of a shared initializer that PyTorch's exporter leaves) are not
 * scheduled: each part that needs one gets its own copy, so a constant never crosses a boundary.
 * Nodes that do not contribute to any graph output are dropped.
 */
export interface Schedule {
  /** Graph node indices in topological order, one per position. */
  readonly nodes: readonly number[];
  /** Graph node index -> true when it is a constant node (copied into parts that need it). */
  readonly isConst: readonly boolean[];
  /** Tensor names that are constants: initializers and outputs of constant nodes. */
  readonly constTensors: ReadonlySet<string>;
  /** Graph node index -> position in `nodes`, or -1 for constant and dead nodes. */
  readonly position: readonly number[];
}

export function buildSchedule(graph: Graph): Schedule {
  const n = graph.nodes.length;
  const constTensors = new Set<string>(graph.initializers.keys());
  const isConst = new Array<boolean>(n).fill(false);
  graph.nodes.forEach((node, i) => {
    const hasSubgraph = node.attribute.some((a) => a.g !== undefined || a.graphs.length > 0);
    if (hasSubgraph || NONDETERMINISTIC.has(node.opType)) return;
    if (graph.nodeInputs[i]!.every((name) => constTensors.has(name))) {
      isConst[i] = true;
      for (const o of node.output) if (o) constTensors.add(o);
    }
  });

  // Reverse reachability from the graph outputs.
  const needed = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  for (const o of graph.outputs) {
    const p = graph.producer.get(o);
    if (p !== undefined) stack.push(p);
  }
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (needed[i]) continue;
    needed[i] = true;
    for (const name of graph.nodeInputs[i]!) {
      const p = graph.producer.get(name);
      if (p !== undefined && !needed[p]) stack.push(p);
    }
  }

  const nodes: number[] = [];
  const position = new Array<number>(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (!needed[i] || isConst[i]) continue;
    position[i] = nodes.length;
    nodes.push(i);
  }
  if (nodes.length === 0) throw new SplitInvalidParts("the graph computes nothing from its inputs: there is nothing to split");
  return { nodes, isConst, constTensors, position };
}

/**
 * Lifetimes of the tensors that can cross a boundary, in schedule positions. Boundary j lies
 * between positions j-1 and j; tensor t is live there when birth < j <= lastUse.
 */
export interface Lifetime {
  name: string;
  /** Position of the producer; -1 for graph inputs. */
  birth: number;
  /** Last position that reads it; `nodes.length` for graph outputs. */
  lastUse: number;
}

export function lifetimes(graph: Graph, schedule: Schedule): Lifetime[] {
  const m = schedule.nodes.length;
  const result = new Map<string, Lifetime>();
  const touch = (name: string, birth: number) => {
    if (!result.has(name)) result.set(name, { name, birth, lastUse: birth });
    return result.get(name)!;
  };
  for (const name of graph.inputs) touch(name, -1);
  schedule.nodes.forEach((nodeIndex, pos) => {
    for (const name of graph.nodeInputs[nodeIndex]!) {
      if (schedule.constTensors.has(name)) continue;
      const p = graph.producer.get(name);
      const birth = p === undefined ? -1 : schedule.position[p]!;
      const lt = touch(name, birth);
      lt.lastUse = Math.max(lt.lastUse, pos);
    }
    for (const o of graph.nodes[nodeIndex]!.output) if (o) touch(o, pos);
  });
  for (const o of graph.outputs) {
    if (schedule.constTensors.has(o)) continue;
    const lt = result.get(o);
    if (lt) lt.lastUse = m;
  }
  return [...result.values()];
}

/** Names live at each boundary j = 1..m-1 (index 0 and m are the model's own inputs/outputs). */
export function liveSets(lts: readonly Lifetime[], m: number): string[][] {
  const sets: string[][] = Array.from({ length: m + 1 }, () => []);
  for (const lt of lts) {
    for (let j = Math.max(lt.birth + 1, 0); j <= Math.min(lt.lastUse, m); j++) sets[j]!.push(lt.name);
  }
  return sets;
}
