import { SplitInvalidParts } from "../errors.js";

/**
 * Chooses where to cut a sequence of m weighted positions into `parts` non-empty segments.
 *
 * Two goals, in order: the heaviest segment should be as light as possible (balance), and among
 * the cuts that keep every segment within `slack` of that optimum, the bytes that cross the
 * boundaries should be as few as possible (each crossing is a copy between sessions and memory
 * held across parts).
 *
 * A `limit` (weight bytes per position and the most a part may hold) is a hard constraint on top:
 * both goals are pursued only among the cuts that keep every part within it.
 *
 * Returns the boundaries, ascending: a boundary j splits positions j-1 and j.
 */
export function choosePartition(
  weights: readonly number[],
  boundaryBytes: readonly number[],
  parts: number,
  slack = 0.1,
  limit?: PartLimit,
): number[] {
  const m = weights.length;
  if (!Number.isInteger(parts) || parts < 1) throw new SplitInvalidParts(`the number of parts must be a positive integer, got ${parts}`);
  if (parts > m) throw new SplitInvalidParts(`this graph can be cut into at most ${m} parts (it has ${m} schedulable nodes); asked for ${parts}`);
  const limited = limit ? prefixSums(limit.bytes) : undefined;
  if (limit) {
    const needed = minimumParts(limit.bytes, limit.max);
    if (!Number.isFinite(needed)) throw new SplitInvalidParts(`a single node holds more than ${limit.max} bytes of weights: no split keeps every part within that`);
    if (needed > parts)
      throw new SplitInvalidParts(`keeping every part's weights within ${limit.max} bytes needs at least ${needed} parts; asked for ${parts}`);
  }
  if (parts === 1) return [];
  const prefix = prefixSums(weights);
  const segment = (a: number, b: number) => prefix[b]! - prefix[a]!;
  // The weight limit is hard: segments over it are never considered, whatever the balance.
  const fits = limited ? (a: number, b: number) => limited[b]! - limited[a]! <= limit!.max : () => true;

  const best = minimalBottleneck(weights, prefix, parts, limit);
  const cap = best * (1 + slack) + 1e-9 * (prefix[m]! + 1);
  return minimalCrossing(m, (a, b) => segment(a, b) <= cap && fits(a, b), boundaryBytes, parts);
}

/**
 * choosePartition where some boundaries may not be cut (`blocked`: a value that is not a tensor
 * crosses them). Positions between blocked boundaries are glued into blocks, the blocks are
 * partitioned, and the result is mapped back to positions.
 */
export function choosePartitionAvoiding(
  weights: readonly number[],
  boundaryBytes: readonly number[],
  parts: number,
  slack: number,
  limit: PartLimit | undefined,
  blocked: ReadonlySet<number>,
): number[] {
  if (blocked.size === 0) return choosePartition(weights, boundaryBytes, parts, slack, limit);
  const starts = [0];
  for (let j = 1; j < weights.length; j++) if (!blocked.has(j)) starts.push(j);
  const sum = (values: readonly number[]) => starts.map((a, k) => values.slice(a, starts[k + 1] ?? weights.length).reduce((s, v) => s + v, 0));
  if (parts > starts.length)
    throw new SplitInvalidParts(`this graph can be cut into at most ${starts.length} parts (values that are not tensors, such as sequences, cannot cross a boundary); asked for ${parts}`);
  const blockBytes = starts.map((a) => boundaryBytes[a] ?? 0);
  const cuts = choosePartition(sum(weights), blockBytes, parts, slack, limit && { bytes: sum(limit.bytes), max: limit.max });
  return cuts.map((k) => starts[k]!);
}

/** A hard cap on a per-position quantity summed over each segment (weight bytes per part). */
export interface PartLimit {
  bytes: readonly number[];
  max: number;
}

/**
 * The fewest segments that keep each one's summed `bytes` within `max` (greedy is optimal for a
 * sum cap); Infinity when a single position is already over it.
 */
export function minimumParts(bytes: readonly number[], max: number): number {
  return segmentsNeeded(bytes.map(() => 0), Number.POSITIVE_INFINITY, { bytes, max });
}

function prefixSums(values: readonly number[]): Float64Array {
  const prefix = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) prefix[i + 1] = prefix[i]! + Math.max(0, values[i]!);
  return prefix;
}

/** Greedy segment count under a weight cap and an optional byte limit (both are sums, so greedy is optimal). */
function segmentsNeeded(weights: readonly number[], cap: number, limit?: PartLimit): number {
  let count = 1;
  let acc = 0;
  let accBytes = 0;
  let length = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    const b = limit ? Math.max(0, limit.bytes[i]!) : 0;
    if (limit && b > limit.max) return Number.POSITIVE_INFINITY;
    const overWeight = acc + w > cap && acc > 0;
    const overBytes = limit !== undefined && accBytes + b > limit.max && length > 0;
    if (overWeight || overBytes) {
      count++;
      acc = 0;
      accBytes = 0;
      length = 0;
    }
    acc += w;
    accBytes += b;
    length++;
  }
  return count;
}

/** The smallest achievable heaviest-segment weight: binary search over a greedy feasibility check. */
function minimalBottleneck(weights: readonly number[], prefix: Float64Array, parts: number, limit?: PartLimit): number {
  const m = weights.length;
  let lo = Math.max(0, ...weights);
  let hi = prefix[m]!;
  for (let iter = 0; iter < 100 && hi - lo > 1e-9 * (hi + 1); iter++) {
    const mid = (lo + hi) / 2;
    if (segmentsNeeded(weights, mid, limit) <= parts) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Exactly `parts` segments, each `allowed`, minimising the summed boundary bytes (ties go to
 * the better-balanced choice implicitly through the cap). Dynamic programming over
 * (segments used, positions covered).
 */
function minimalCrossing(
  m: number,
  allowed: (a: number, b: number) => boolean,
  boundaryBytes: readonly number[],
  parts: number,
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
        // Both limits are sums: once [i, j) is over one, every longer segment is too.
        if (!allowed(i, j)) break;
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
