import type { Graph } from "./graph.js";
import type { GraphProto, NodeProto, TensorProto, ValueInfoProto } from "./proto.js";
import { lit, type SDim } from "./shape-math.js";
import { knownFromTensor, RULES, type Known, type RuleContext, type SType } from "./shape-rules.js";
import { Expr } from "./symbolic.js";
import type { Dim, TensorType } from "./types.js";

/** A tensor whose type inference could not derive: the splitter measures it instead. */
export interface ShapeFallback {
  /** The node as messages name it: `Resize 'up1'`. */
  node: string;
  opType: string;
  tensor: string;
  /** "no rule", "incomplete" (the rule left a dim or the rank unknown), or the rule's error. */
  reason: string;
}

export interface ShapeAnalysis {
  /**
   * Element type and shape of every tensor of the main graph. Dims are numbers where provably
   * static, the canonical text of an exact expression where they follow the inputs' dynamic dims
   * (`floor((height - 1)/2) + 1`), or null where inference could not tell.
   */
  types: Map<string, TensorType>;
  /** Expression text -> expression, to evaluate symbolic dims at concrete sizes. */
  exprs: Map<string, Expr>;
  /** The dynamic dims of the graph inputs: symbol name, input and axis, in input order. */
  inputSymbols: { symbol: string; input: string; axis: number }[];
  /** Tensors left incomplete, and why; empty when inference derived everything. */
  fallbacks: ShapeFallback[];
  /** Values that are not tensors (sequences, maps, optionals): no boundary may carry them. */
  nonTensors: Set<string>;
}

/**
 * Infers the element type and shape of every tensor, symbolically: a dim that depends on an
 * input's dynamic dim stays an exact expression of it, never a guess. A value_info the file
 * declares for a computed tensor is not trusted (exporters write stale or specialised ones): only
 * the graph's inputs and its initializers are taken as given.
 */
export function analyzeShapes(graph: Graph, seeds?: ShapeSeeds): ShapeAnalysis {
  const g = graph.model.graph!;
  const opset = Number(graph.model.opsetImport.find((o) => o.domain === "" || o.domain === "ai.onnx")?.version ?? 0n) || 21;
  const used = new Set<string>();
  for (const t of graph.declaredTypes.values()) for (const d of t.shape ?? []) if (typeof d === "string") used.add(d);
  const engine = new Engine(opset, used, seeds);
  const root = new Scope();
  for (const [name, t] of graph.initializers) engine.defineConstant(root, name, t);
  const inputSymbols: ShapeAnalysis["inputSymbols"] = [];
  for (const v of g.input) {
    if (graph.initializers.has(v.name)) continue;
    const t = engine.typeOfInput(v, (symbol, axis) => inputSymbols.push({ symbol, input: v.name, axis }));
    if (t) root.types.set(v.name, t);
    else root.nonTensor.add(v.name);
  }
  const used0 = new Set<string>(graph.outputs);
  for (const [name, c] of graph.consumers) if (c.length > 0) used0.add(name);
  engine.run(graph.nodes, root, (name) => used0.has(name), "");

  const exprs = new Map<string, Expr>();
  const types = new Map<string, TensorType>();
  for (const [name, t] of root.types) types.set(name, toTensorType(t, exprs));
  return { types, exprs, inputSymbols, fallbacks: engine.fallbacks, nonTensors: root.nonTensor };
}

/**
 * Types established otherwise (measured) for tensors whose producers inference cannot follow: they
 * are taken as those producers' results, so that inference continues from them. A dim is a number,
 * an expression's text from `exprs` (an input dim), or null (dynamic, named by nothing: it becomes
 * a symbol of its own, shared by the tensors inference shows to have the same size).
 */
export interface ShapeSeeds {
  types: ReadonlyMap<string, TensorType>;
  exprs: ReadonlyMap<string, Expr>;
}

/** Element types and shapes only (see analyzeShapes). */
export function inferTypes(graph: Graph): Map<string, TensorType> {
  return analyzeShapes(graph).types;
}

/** Ranks beyond this are taken for a rule's mistake (ONNX sets no limit; real models stay far below). */
const MAX_RANK = 64;

function wellFormed(shape: readonly unknown[]): boolean {
  if (shape.length > MAX_RANK) return false;
  for (let i = 0; i < shape.length; i++) if (shape[i] === undefined) return false;
  return true;
}

function toTensorType(t: SType, exprs: Map<string, Expr>): TensorType {
  return {
    elemType: t.elemType,
    shape: t.shape === null ? null : t.shape.map((d): Dim => {
      if (d === null) return null;
      if (d.value !== undefined) return d.value;
      exprs.set(d.text, d);
      return d.text;
    }),
  };
}

/** Names visible in one (sub)graph; lookups fall through to the enclosing graphs. */
class Scope {
  readonly types = new Map<string, SType>();
  readonly known = new Map<string, Known>();
  readonly nonTensor = new Set<string>();
  constructor(readonly parent?: Scope) {}
  type(name: string): SType | undefined {
    return this.types.get(name) ?? this.parent?.type(name);
  }
  knownValue(name: string): Known | undefined {
    return this.known.get(name) ?? this.parent?.knownValue(name);
  }
  isNonTensor(name: string): boolean {
    return this.nonTensor.has(name) || (this.parent?.isNonTensor(name) ?? false);
  }
}

class Engine {
  readonly fallbacks: ShapeFallback[] = [];

  constructor(
    readonly opset: number,
    /** Symbol names already taken (the file's dim_params), so that fresh ones never collide. */
    private readonly usedNames: Set<string>,
    private readonly seeds?: ShapeSeeds,
  ) {}

  /** A seeded (measured) type for a tensor, with unnamed dynamic dims as fresh symbols. */
  private seeded(name: string): SType | undefined {
    const t = this.seeds?.types.get(name);
    if (!t) return undefined;
    const shape = t.shape?.map((d, i): SDim => (typeof d === "number" ? lit(d) : d === null ? this.dataDependent(name, `d${i}`) : this.seeds!.exprs.get(d) ?? null)) ?? null;
    return { elemType: t.elemType, shape };
  }

  defineConstant(scope: Scope, name: string, t: TensorProto): void {
    scope.types.set(name, { elemType: t.dataType, shape: t.dims.map((d) => lit(Number(d))) });
    try {
      const k = knownFromTensor(t);
      if (k) scope.known.set(name, k);
    } catch {
      // A payload that cannot be read here (external data) only leaves its values unknown.
    }
  }

  /** A graph input's declared type; unnamed or negative dims (Paddle writes -1) become fresh symbols. */
  typeOfInput(v: ValueInfoProto, onSymbol?: (symbol: string, axis: number) => void): SType | undefined {
    if (v.type?.value.case !== "tensorType") return undefined;
    const t = v.type.value.value;
    if (!t.shape) return { elemType: t.elemType, shape: null };
    const shape = t.shape.dim.map((d, axis): SDim => {
      if (d.value.case === "dimValue" && d.value.value >= 0n) return lit(Number(d.value.value));
      const name = d.value.case === "dimParam" && d.value.value ? d.value.value : this.freshName(`${v.name}_d${axis}`);
      onSymbol?.(name, axis);
      return Expr.symbol(name, 1);
    });
    return { elemType: t.elemType, shape };
  }

  freshName(base: string): string {
    let name = base.replace(/[^A-Za-z0-9_.]/g, "_");
    if (!/^[A-Za-z_]/.test(name)) name = `d_${name}`;
    let candidate = name;
    for (let k = 1; this.usedNames.has(candidate); k++) candidate = `${name}_${k}`;
    this.usedNames.add(candidate);
    return candidate;
  }

  /** A size that depends on the data (NonZero's count, a Loop's trip count): a symbol of its own. */
  dataDependent(tensor: string, what: string): Expr {
    return Expr.symbol(this.freshName(`${tensor}_${what}`), 0);
  }

  run(nodes: readonly NodeProto[], scope: Scope, isUsed: (name: string) => boolean, path: string): void {
    for (const node of nodes) {
      const label = `${path}${node.opType} '${node.name || node.output[0] || "?"}'`;
      let outs: (SType | undefined)[] = [];
      let reason = "incomplete";
      const rule = node.domain === "" || node.domain === "ai.onnx" ? RULES[node.opType] : undefined;
      const seeded = path === "" && node.output.every((o) => !o || this.seeds?.types.has(o)) ? node.output.map((o) => this.seeded(o)) : undefined;
      if (seeded) outs = seeded;
      else if (!rule) reason = "no rule";
      else {
        try {
          outs = rule(node, this.context(node, scope, label));
          // A rule fed hostile attributes can index past a shape's end: a shape with holes, or one
          // longer than any real tensor's rank, is the rule failing, not a result.
          if (outs.some((t) => t?.shape && !wellFormed(t.shape))) throw new Error("it made a shape with missing dims");
        } catch (e) {
          outs = [];
          reason = `rule failed: ${(e as Error).message}`;
        }
      }
      node.output.forEach((o, k) => {
        if (!o) return;
        if (scope.nonTensor.has(o)) return;
        const t = outs[k];
        if (t) scope.types.set(o, t);
        const complete = t !== undefined && t.elemType !== 0 && t.shape !== null && t.shape.every((d) => d !== null);
        // Thrown errors are reported wherever they happen; gaps only where a tensor is used.
        if (!complete && (reason.startsWith("rule failed") || (path === "" && isUsed(o)))) {
          this.fallbacks.push({ node: label, opType: node.opType, tensor: o, reason });
        }
      });
    }
  }

  private context(node: NodeProto, scope: Scope, label: string): RuleContext {
    const input = (k: number): string | undefined => (node.input[k] ? node.input[k] : undefined);
    return {
      opset: this.opset,
      type: (k) => {
        const n = input(k);
        return n ? scope.type(n) : undefined;
      },
      known: (k) => {
        const n = input(k);
        return n ? scope.knownValue(n) : undefined;
      },
      setKnown: (k, value) => {
        const o = node.output[k];
        if (o) scope.known.set(o, value);
      },
      markNonTensor: (k) => {
        const o = node.output[k];
        if (o) scope.nonTensor.add(o);
      },
      isNonTensor: (k) => {
        const n = input(k);
        return n ? scope.isNonTensor(n) : false;
      },
      dataDependent: (k, what) => this.dataDependent(node.output[k] || node.name || node.opType, what),
      subgraph: (g, inputs) => this.subgraph(g, inputs, scope, `${label} > `),
    };
  }

  /**
   * Infers a subgraph (If branch, Loop or Scan body) with the given input types, in a scope that
   * sees the enclosing graphs' tensors. Returns its outputs' types (undefined where unknown).
   */
  private subgraph(g: GraphProto, inputs: readonly (SType | undefined)[], outer: Scope, path: string): (SType | undefined)[] {
    const scope = new Scope(outer);
    for (const t of g.initializer) this.defineConstant(scope, t.name, t);
    g.input.forEach((v, k) => {
      if (scope.types.has(v.name)) return;
      const t = inputs[k] ?? this.typeOfInput(v);
      if (t) scope.types.set(v.name, t);
    });
    this.run(g.node, scope, () => true, path);
    return g.output.map((v) => scope.type(v.name));
  }
}
