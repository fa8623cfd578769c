import type { GraphProto, ModelProto, TensorProto } from "./proto.js";

/** Every subgraph held in node attributes of `g` (If/Loop/Scan bodies), recursively. */
export function* subgraphsOf(g: GraphProto): Generator<GraphProto> {
  for (const n of g.node) {
    for (const a of n.attribute) {
      const gs = a.g ? [a.g, ...a.graphs] : a.graphs;
      for (const sub of gs) {
        yield sub;
        yield* subgraphsOf(sub);
      }
    }
  }
}

function* tensorsOfGraph(g: GraphProto): Generator<TensorProto> {
  yield* g.initializer;
  for (const s of g.sparseInitializer) {
    if (s.values) yield s.values;
    if (s.indices) yield s.indices;
  }
  for (const n of g.node) {
    for (const a of n.attribute) {
      if (a.t) yield a.t;
      yield* a.tensors;
    }
  }
}

/** Every TensorProto of a model: initializers and attribute tensors, in all (sub)graphs. */
export function* allTensorsOf(model: ModelProto): Generator<TensorProto> {
  if (!model.graph) return;
  yield* tensorsOfGraph(model.graph);
  for (const sub of subgraphsOf(model.graph)) yield* tensorsOfGraph(sub);
  for (const f of model.functions) {
    for (const n of f.node) {
      for (const a of n.attribute) {
        if (a.t) yield a.t;
        yield* a.tensors;
        for (const sub of a.graphs.concat(a.g ? [a.g] : [])) {
          yield* tensorsOfGraph(sub);
          for (const s2 of subgraphsOf(sub)) yield* tensorsOfGraph(s2);
        }
      }
    }
  }
}

/**
 * Names a subgraph reads from its enclosing scopes: used by a node, not defined inside the
 * subgraph (inputs, initializers, node outputs), recursively through nested subgraphs.
 */
export function outerScopeNames(g: GraphProto): Set<string> {
  const defined = new Set<string>([...g.input.map((v) => v.name), ...g.initializer.map((t) => t.name)]);
  for (const s of g.sparseInitializer) if (s.values) defined.add(s.values.name);
  for (const n of g.node) for (const o of n.output) defined.add(o);
  const outer = new Set<string>();
  for (const n of g.node) {
    for (const i of n.input) if (i && !defined.has(i)) outer.add(i);
    for (const a of n.attribute) {
      for (const sub of a.g ? [a.g, ...a.graphs] : a.graphs) {
        for (const name of outerScopeNames(sub)) if (!defined.has(name)) outer.add(name);
      }
    }
  }
  for (const o of g.output) if (!defined.has(o.name)) outer.add(o.name);
  return outer;
}
