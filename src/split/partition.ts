import { SplitInvalidParts } from "../errors.js";

/**
 * Chooses where to cut a sequence of m weighted positions into `parts` non-empty segments.
 *
 * Two goals, in order: the heaviest segment should be as light as possible (balance), and among
 * the cuts that keep every segment within `slack` of that optimum, the bytes that cross the
 * boundaries should be as few as possible (each crossing is a copy between sessions and memory
 * held across parts).
 *
 * Returns the boundaries, ascending: a boundary j splits positions j-1 and j.
 */
export function choosePartition(
  weights: readonly number[],
  boundaryBytes: readonly number[],
  parts: number,
  slack = 0.1,
): number[] {
  const m = weights.length;
  if (!Number.isInteger(parts) || parts < 1) throw new SplitInvalidParts(`the number of parts must be a positive integer, got ${parts}`);
  if (parts > m) throw new SplitInvalidParts(`this graph can be cut into at most ${m} parts (it has ${m} schedulable nodes); asked for ${parts}`);
  if (parts === 1) return [];
  const prefix = new Float64Array(m + 1);
  for (let i = 0; i < m; i++) prefix[i + 1] = prefix[i]! + Math.max(0, weights[i]!);
  const segment = (a: number, b: number) => prefix[b]! - prefix[a]!;

  const best = minimalBottleneck(weights, prefix, parts);
  const cap = best * (1 + slack) + 1e-9 * (prefix[m]! + 1);
  return minimalCrossing(m, segment, boundaryBytes, parts, cap);
}

/** The smallest achievable heaviest-segment weight: binary search over a greedy feasibility check. */
function minimalBottleneck(weights: readonly number[], prefix: Float64Array, parts: number): number {
  const m = weights.length;
  let lo = Math.max(0, ...weights);
  let hi = prefix[m]!;
  const segmentsNeeded = (cap: number) => {
    let count = 1;
    let acc = 0;
    for (const w of weights) {
      if (acc + w > cap && acc > 0) {
        count++;
        acc = 0;
      }
      acc += w;
    }
    return count;
  };
  for (let iter = 0; iter < 100 && hi - lo > 1e-9 * (hi + 1); iter++) {
    const mid = (lo + hi) / 2;
    if (segmentsNeeded(mid) <= parts) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Exactly `parts` segments, each within `cap`, minimising the summed boundary bytes (ties go to
 * the better-balanced choice implicitly through the cap). Dynamic programming over
 * (segments used, positions covered).
 */
function minimalCrossing(
  m: number,
  segment: (a: number, b: number) => number,
  boundaryBytes: readonly number[],
  parts: number,
  cap: number,
): number[] {
  const INF = Number.POSITIVE_INFINITY;
  // cost[k][j]: best total for the first j positions in k segments; from[k][j]: the last boundary.
  const cost: Float64Array[] = [];
  const from: Int32Array[] = [];
  for (let k = 0; k <= parts; k++) {
    cost.push(new Float64Array(m + 1).fill(INF));
    from.push(new Int32Array(m + 1).fill(-1));
  }
  cost[0]![0] = 0;
  for (let k = 1; k <= parts; k++) {
    const prev = cost[k - 1]!;
    const cur = cost[k]!;
    const back = from[k]!;
    // Segment k covers positions [i, j): at least k-1 positions before it, parts-k after it.
    for (let j = k; j <= m - (parts - k); j++) {
      const crossing = j < m ? boundaryBytes[j] ?? 0 : 0;
      for (let i = j - 1; i >= k - 1; i--) {
        if (segment(i, j) > cap) break;
        const c = prev[i]!;
        if (c === INF) continue;
        const total = c + crossing;
        if (total < cur[j]!) {
          cur[j] = total;
          back[j] = i;
        }
      }
    }
  }
  if (cost[parts]![m] === INF) throw new SplitInvalidParts(`no way to cut this graph into ${parts} balanced parts`);
  const cuts: number[] = [];
  let j = m;
  for (let k = parts; k > 1; k--) {
    j = from[k]![j]!;
    cuts.push(j);
  }
  return cuts.reverse();
}
