/**
 * Symbolic dimensions: exact integer expressions over a model's dynamic dims (its inputs' dim
 * names, and fresh names for sizes that depend on data, such as NonZero's count).
 *
 * An expression is a polynomial with integer coefficients over atoms: a symbol, floor(p / d) for a
 * positive integer d, or max(p, q, ...). That is enough to follow a size through convolutions and
 * pools (floor((H + pads - k) / s) + 1), crops (max(0, H - 2)), broadcasting (max(A, B)), flattens
 * (C * H * W) and shape arithmetic, exactly, for every value of the symbols (each at least its
 * `min`: 1 for input dims, 0 for data-dependent ones).
 *
 * The printed form is canonical: two expressions that print the same are equal for every value of
 * the symbols, so the text serves as an ONNX dim_param that parts can share. (Equal values may print
 * differently; that only loses sharing, never correctness.)
 */

type Atom =
  | { kind: "sym"; name: string; min: number; key: string }
  | { kind: "floor"; num: Expr; den: number; key: string }
  | { kind: "max"; args: Expr[]; key: string };

interface Term {
  coef: number;
  /** Atoms of the monomial, sorted by key; empty for the constant term. */
  atoms: Atom[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** Constants are by far the most common dims: one object per value, made once. */
const CONSTANTS = new Map<number, Expr>();

export class Expr {
  /** The value when the expression is a constant. */
  readonly value: number | undefined;

  private constructor(
    /** Monomial key ("" for the constant) -> term; never holds a zero coefficient. */
    private readonly terms: ReadonlyMap<string, Term>,
    readonly text: string,
  ) {
    this.value = terms.size === 0 ? 0 : terms.size === 1 ? terms.get("")?.coef : undefined;
  }

  static constant(n: number): Expr {
    let e = CONSTANTS.get(n);
    if (e) return e;
    if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`);
    e = Expr.of(new Map(n === 0 ? [] : [["", { coef: n, atoms: [] }]]));
    if (CONSTANTS.size < 100_000) CONSTANTS.set(n, e);
    return e;
  }

  /** A symbol; `min` is the least value it takes (1 for an input's dim, 0 for a data-dependent size). */
  static symbol(name: string, min = 1): Expr {
    const key = IDENTIFIER.test(name) ? name : JSON.stringify(name);
    return Expr.atom({ kind: "sym", name, min, key });
  }

  private static atom(a: Atom): Expr {
    return Expr.of(new Map([[a.key, { coef: 1, atoms: [a] }]]));
  }

  private static of(terms: Map<string, Term>): Expr {
    return new Expr(terms, format(terms));
  }

  isConstant(): boolean {
    return this.value !== undefined;
  }

  equals(other: Expr): boolean {
    return this.text === other.text;
  }

  add(other: Expr | number): Expr {
    const o = typeof other === "number" ? Expr.constant(other) : other;
    if (this.value !== undefined && o.value !== undefined) return Expr.constant(this.value + o.value);
    const out = new Map(this.terms);
    for (const [key, t] of o.terms) {
      const coef = (out.get(key)?.coef ?? 0) + t.coef;
      checkSafe(coef);
      if (coef === 0) out.delete(key);
      else out.set(key, { coef, atoms: t.atoms });
    }
    return Expr.of(out);
  }

  sub(other: Expr | number): Expr {
    return this.add(typeof other === "number" ? Expr.constant(-other) : other.scale(-1));
  }

  scale(k: number): Expr {
    if (k === 0) return Expr.constant(0);
    if (this.value !== undefined) return Expr.constant(this.value * k);
    const out = new Map<string, Term>();
    for (const [key, t] of this.terms) {
      const coef = t.coef * k;
      checkSafe(coef);
      out.set(key, { coef, atoms: t.atoms });
    }
    return Expr.of(out);
  }

  mul(other: Expr | number): Expr {
    if (typeof other === "number") return this.scale(other);
    if (other.value !== undefined) return this.scale(other.value);
    if (this.value !== undefined) return other.scale(this.value);
    let out = Expr.constant(0);
    for (const a of this.terms.values()) {
      for (const b of other.terms.values()) {
        const atoms = [...a.atoms, ...b.atoms].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
        const coef = a.coef * b.coef;
        checkSafe(coef);
        out = out.add(Expr.of(new Map([[monomialKey(atoms), { coef, atoms }]])));
      }
    }
    return out;
  }

  /** floor(this / d) for a positive integer d, simplified where the division is (partly) exact. */
  floorDiv(d: number): Expr {
    if (!Number.isSafeInteger(d) || d <= 0) throw new RangeError(`floorDiv by ${d}`);
    if (d === 1) return this;
    if (this.value !== undefined) return Expr.constant(Math.floor(this.value / d));
    // this = d * q + r with every coefficient of r in [0, d): floor(this / d) = q + floor(r / d).
    const q = new Map<string, Term>();
    const r = new Map<string, Term>();
    for (const [key, t] of this.terms) {
      const rem = ((t.coef % d) + d) % d;
      const quo = (t.coef - rem) / d;
      if (quo !== 0) q.set(key, { coef: quo, atoms: t.atoms });
      if (rem !== 0) r.set(key, { coef: rem, atoms: t.atoms });
    }
    const quotient = Expr.of(q);
    const rest = Expr.of(r);
    if (rest.isConstant()) return quotient; // 0 <= r < d
    // floor((floor(p / a) + c) / d) = floor((p + c * a) / (a * d)).
    const inner = rest.singleAtom();
    if (inner?.atom.kind === "floor" && inner.coef === 1) return quotient.add(inner.atom.num.add(inner.constant * inner.atom.den).floorDiv(inner.atom.den * d));
    return quotient.add(Expr.atom({ kind: "floor", num: rest, den: d, key: `floor(${wrap(rest)}/${d})` }));
  }

  /** ceil(this / d) for a positive integer d. */
  ceilDiv(d: number): Expr {
    return this.add(d - 1).floorDiv(d);
  }

  /** this / other when it is exact for every value of the symbols (a monomial or constant divisor), else undefined. */
  exactDiv(other: Expr): Expr | undefined {
    if (other.terms.size === 0) return undefined;
    if (other.terms.size === 1) {
      const [dt] = other.terms.values();
      const out = new Map<string, Term>();
      for (const t of this.terms.values()) {
        const atoms = removeAtoms(t.atoms, dt!.atoms);
        if (!atoms || t.coef % dt!.coef !== 0) return undefined;
        out.set(monomialKey(atoms), { coef: t.coef / dt!.coef, atoms });
      }
      return Expr.of(out);
    }
    // A constant multiple of a polynomial divisor.
    let ratio: number | undefined;
    if (this.terms.size !== other.terms.size) return undefined;
    for (const [key, t] of other.terms) {
      const mine = this.terms.get(key);
      if (!mine || mine.coef % t.coef !== 0) return undefined;
      const r = mine.coef / t.coef;
      if (ratio !== undefined && r !== ratio) return undefined;
      ratio = r;
    }
    return ratio === undefined ? undefined : Expr.constant(ratio);
  }

  /** A lower bound valid for every value of the symbols (-Infinity when none is known). */
  lowerBound(): number {
    let lb = 0;
    for (const t of this.terms.values()) {
      if (t.atoms.length === 0) {
        lb += t.coef;
        continue;
      }
      if (t.coef < 0) return Number.NEGATIVE_INFINITY;
      let p = t.coef;
      for (const a of t.atoms) {
        const b = atomLowerBound(a);
        if (!(b >= 0)) return Number.NEGATIVE_INFINITY;
        p *= b;
      }
      lb += p;
    }
    return lb;
  }

  /** The value for concrete symbol values; undefined when a symbol has none. */
  evaluate(values: ReadonlyMap<string, number>): number | undefined {
    let sum = 0;
    for (const t of this.terms.values()) {
      let p = t.coef;
      for (const a of t.atoms) {
        const v = evaluateAtom(a, values);
        if (v === undefined) return undefined;
        p *= v;
      }
      sum += p;
    }
    return sum;
  }

  /** Names of the symbols it depends on. */
  symbols(out = new Set<string>()): Set<string> {
    for (const t of this.terms.values()) for (const a of t.atoms) atomSymbols(a, out);
    return out;
  }

  toString(): string {
    return this.text;
  }

  /** The expression as coef * atom + constant, when it has exactly one non-constant term of one atom. */
  private singleAtom(): { coef: number; atom: Atom; constant: number } | undefined {
    let found: Term | undefined;
    let constant = 0;
    for (const t of this.terms.values()) {
      if (t.atoms.length === 0) constant = t.coef;
      else if (found || t.atoms.length !== 1) return undefined;
      else found = t;
    }
    return found ? { coef: found.coef, atom: found.atoms[0]!, constant } : undefined;
  }

  /** The atoms of a lone max(...) term, for flattening nested maxima. */
  maxArgs(): Expr[] | undefined {
    const s = this.singleAtom();
    return s && s.coef === 1 && s.constant === 0 && s.atom.kind === "max" ? s.atom.args : undefined;
  }

  static max(args: readonly Expr[]): Expr {
    const flat: Expr[] = [];
    for (const a of args) flat.push(...(a.maxArgs() ?? [a]));
    const unique = new Map<string, Expr>();
    for (const a of flat) unique.set(a.text, a);
    let list = [...unique.values()];
    // Constants fold together; an argument that another provably bounds from above is dropped.
    const constants = list.filter((a) => a.isConstant());
    if (constants.length > 1) {
      const top = Math.max(...constants.map((c) => c.value!));
      list = [...list.filter((a) => !a.isConstant()), Expr.constant(top)];
    }
    // Of two arguments that bound each other (equal values, different texts) the first stays.
    list = list.filter((a, i) => !list.some((b, j) => j !== i && b.sub(a).lowerBound() >= 0 && (a.sub(b).lowerBound() < 0 || j < i)));
    if (list.length === 1) return list[0]!;
    list.sort((x, y) => (x.text < y.text ? -1 : x.text > y.text ? 1 : 0));
    return Expr.atom({ kind: "max", args: list, key: `max(${list.map((a) => a.text).join(", ")})` });
  }

  static min(a: Expr, b: Expr): Expr {
    // min(a, b) = a + b - max(a, b), and the max simplifies when one side bounds the other.
    if (b.sub(a).lowerBound() >= 0) return a;
    if (a.sub(b).lowerBound() >= 0) return b;
    return a.add(b).sub(Expr.max([a, b]));
  }
}

function checkSafe(n: number): void {
  if (!Number.isSafeInteger(n)) throw new RangeError("symbolic coefficient overflow");
}

function monomialKey(atoms: readonly Atom[]): string {
  return atoms.map((a) => a.key).join("*");
}

function removeAtoms(atoms: readonly Atom[], remove: readonly Atom[]): Atom[] | undefined {
  const rest = [...atoms];
  for (const r of remove) {
    const i = rest.findIndex((a) => a.key === r.key);
    if (i < 0) return undefined;
    rest.splice(i, 1);
  }
  return rest;
}

function atomLowerBound(a: Atom): number {
  switch (a.kind) {
    case "sym":
      return a.min;
    case "floor": {
      const lb = a.num.lowerBound();
      return Number.isFinite(lb) ? Math.floor(lb / a.den) : Number.NEGATIVE_INFINITY;
    }
    case "max":
      return Math.max(...a.args.map((x) => x.lowerBound()));
  }
}

function evaluateAtom(a: Atom, values: ReadonlyMap<string, number>): number | undefined {
  switch (a.kind) {
    case "sym":
      return values.get(a.name);
    case "floor": {
      const v = a.num.evaluate(values);
      return v === undefined ? undefined : Math.floor(v / a.den);
    }
    case "max": {
      let best = Number.NEGATIVE_INFINITY;
      for (const x of a.args) {
        const v = x.evaluate(values);
        if (v === undefined) return undefined;
        best = Math.max(best, v);
      }
      return best;
    }
  }
}

function atomSymbols(a: Atom, out: Set<string>): void {
  if (a.kind === "sym") out.add(a.name);
  else if (a.kind === "floor") a.num.symbols(out);
  else for (const x of a.args) x.symbols(out);
}

function wrap(e: Expr): string {
  return /[ +-]/.test(e.text.replace(/^-/, "")) ? `(${e.text})` : e.text;
}

/** Highest-degree terms first, then by key; the constant last: "2*H*W + floor((H + 1)/2) - 3". */
function format(terms: ReadonlyMap<string, Term>): string {
  const list = [...terms.entries()].sort(([ka, a], [kb, b]) => {
    if (a.atoms.length === 0) return 1;
    if (b.atoms.length === 0) return -1;
    if (a.atoms.length !== b.atoms.length) return b.atoms.length - a.atoms.length;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  if (list.length === 0) return "0";
  let s = "";
  list.forEach(([key, t], i) => {
    const mag = Math.abs(t.coef);
    const body = t.atoms.length === 0 ? String(mag) : mag === 1 ? key : `${mag}*${key}`;
    if (i === 0) s = t.coef < 0 ? `-${body}` : body;
    else s += t.coef < 0 ? ` - ${body}` : ` + ${body}`;
  });
  return s;
}
