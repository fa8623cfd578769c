import assert from "node:assert/strict";
import { test } from "node:test";
import { Expr } from "../../src/onnx/symbolic.js";
import { SeededRandom } from "../../src/util/random.js";

const H = Expr.symbol("H");
const W = Expr.symbol("W");
const at = (e: Expr, h: number, w = 1) => e.evaluate(new Map([["H", h], ["W", w]]));

test("canonical text: equal expressions built differently print the same", () => {
  assert.equal(H.add(1).mul(2).sub(2).text, "2*H");
  assert.equal(H.mul(W).add(H).text, W.add(1).mul(H).text);
  assert.equal(H.sub(1).floorDiv(2).add(1).text, "floor((H + 1)/2)");
  assert.equal(H.add(3).floorDiv(2).floorDiv(2).text, H.add(3).floorDiv(4).text, "floor(floor(x/a)/b) = floor(x/(a*b))");
  assert.equal(H.mul(4).add(3).floorDiv(2).text, "2*H + 1", "the exact part of a quotient leaves the floor");
  assert.equal(Expr.symbol("unk 1").text, '"unk 1"', "a name that is not an identifier is quoted, so it cannot read as an expression");
});

test("max and min simplify only where one side provably bounds the other", () => {
  assert.equal(Expr.max([Expr.constant(0), H.sub(1)]).text, "H - 1", "symbols are at least 1");
  assert.equal(Expr.max([Expr.constant(0), H.sub(2)]).text, "max(0, H - 2)");
  assert.equal(Expr.min(Expr.constant(1), H).text, "1");
  assert.equal(Expr.max([H, Expr.max([W, H])]).text, "max(H, W)");
  assert.equal(Expr.symbol("n", 0).lowerBound(), 0);
});

test("exactDiv divides only when the quotient is exact for every value", () => {
  assert.equal(H.mul(W).mul(6).exactDiv(H.mul(3))?.text, "2*W");
  assert.equal(H.mul(2).add(4).exactDiv(H.add(2))?.text, "2");
  assert.equal(H.add(1).exactDiv(Expr.constant(2)), undefined);
  assert.equal(H.mul(W).exactDiv(H.add(1)), undefined);
});

test("every operation evaluates to what the same arithmetic on numbers gives (randomised)", () => {
  const rng = new SeededRandom(7);
  const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
  for (let trial = 0; trial < 300; trial++) {
    let e: Expr = trial % 2 ? H : W;
    let f = (h: number, w: number) => (trial % 2 ? h : w);
    for (let step = 0; step < 6; step++) {
      const g = f;
      const k = int(1, 5);
      const c = int(-6, 6);
      switch (int(0, 5)) {
        case 0: e = e.add(c); f = (h, w) => g(h, w) + c; break;
        case 1: e = e.mul(k); f = (h, w) => g(h, w) * k; break;
        case 2: e = e.floorDiv(k); f = (h, w) => Math.floor(g(h, w) / k); break;
        case 3: e = e.ceilDiv(k); f = (h, w) => Math.ceil(g(h, w) / k); break;
        case 4: e = Expr.max([Expr.constant(c), e]); f = (h, w) => Math.max(c, g(h, w)); break;
        case 5: e = e.add(W); f = (h, w) => g(h, w) + w; break;
      }
    }
    for (let probe = 0; probe < 5; probe++) {
      const h = int(1, 300);
      const w = int(1, 300);
      assert.equal(at(e, h, w)! + 0, f(h, w) + 0, `${e.text} at H=${h}, W=${w}`);
    }
  }
});
