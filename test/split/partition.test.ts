import assert from "node:assert/strict";
import { test } from "node:test";
import { choosePartition } from "../../src/split/partition.js";

const segments = (w: number[], cuts: number[]) => [0, ...cuts, w.length].slice(1).map((b, i, all) => w.slice(i === 0 ? 0 : all[i - 1], b).reduce((s, x) => s + x, 0));

test("balances the heaviest part optimally", () => {
  const w = [5, 1, 1, 1, 5, 1, 1, 1, 5];
  const cuts = choosePartition(w, new Array(w.length + 1).fill(0), 3, 0);
  assert.equal(cuts.length, 2);
  assert.equal(Math.max(...segments(w, cuts)), 7);
});

test("among balanced cuts, prefers the ones with few live bytes", () => {
  const w = [1, 1, 1, 1, 1, 1, 1, 1];
  const bytes = [0, 100, 100, 100, 1, 100, 100, 100, 0];
  // Cutting at 4 gives parts 4+4; with 10% slack nothing else is allowed anyway, and it is cheapest.
  assert.deepEqual(choosePartition(w, bytes, 2, 0.1), [4]);
  // With more slack a cheap but slightly unbalanced boundary wins over an expensive balanced one.
  const bytes2 = [0, 100, 100, 1, 100, 100, 100, 100, 0];
  assert.deepEqual(choosePartition(w, bytes2, 2, 0.1), [4]);
  assert.deepEqual(choosePartition(w, bytes2, 2, 0.7), [3]);
});

test("every part is non-empty and the count is exact", () => {
  const w = [100, 0, 0, 0, 0, 0];
  for (let parts = 1; parts <= 6; parts++) {
    const cuts = choosePartition(w, new Array(7).fill(0), parts);
    assert.equal(cuts.length, parts - 1);
    const edges = [0, ...cuts, 6];
    for (let i = 1; i < edges.length; i++) assert.ok(edges[i]! > edges[i - 1]!);
  }
});

test("impossible part counts are ERR_SPLIT_INVALID_PARTS", () => {
  assert.throws(() => choosePartition([1, 2, 3], [0, 0, 0, 0], 4), { code: "ERR_SPLIT_INVALID_PARTS" });
  assert.throws(() => choosePartition([1, 2, 3], [0, 0, 0, 0], 0), { code: "ERR_SPLIT_INVALID_PARTS" });
  assert.throws(() => choosePartition([1, 2, 3], [0, 0, 0, 0], 1.5), { code: "ERR_SPLIT_INVALID_PARTS" });
});
