import { mean, median, quantile, round } from "../util/stats.js";

/** How a configuration's parts are kept: plain files, a sealed bundle, or a sealed bundle streamed part by part. */
export const BENCH_MODES = ["plain", "sealed", "sealed+stream"] as const;
export type BenchMode = (typeof BENCH_MODES)[number];

/** The original's piece counts. */
export const DEFAULT_PART_COUNTS = [1, 2, 4, 6, 8, 10, 12];

/** What names a configuration, in both CSVs. */
interface Configuration {
  model: string;
  /** Part count asked for, and what the split made (fewer when the graph has fewer cut points). */
  parts: number;
  parts_made: number;
  /** plain | sealed | sealed+stream, or `peer` (the original's method, scripts/peer/original.py). */
  mode: string;
  /** The pipeline that ran: resident | chained | stream, or `torch` for the peer. */
  pipeline: string;
  /** native, or the --runner's label (e.g. gramine-sgx). */
  env: string;
}

/** One configuration x repetition: a row of raw.csv. */
export interface RawRow extends Configuration {
  rep: number;
  startup_ms: number;
  overhead_ms: number;
  first_ms: number;
  warm_median_ms: number;
  warm_p95_ms: number;
  warm_runs: number;
  /** Spawn to the end of the first inference: what one cold classification costs. */
  cold_ms: number;
  /** Spawn to the result line (the whole measured child). */
  wall_ms: number;
  cpu_ms: number;
  cpu_mean_pct: number;
  cpu_peak_pct: number;
  rss_mean_kb: number;
  /** The kernel's peak RSS of the child (VmHWM before exit; ru_maxrss for the peer). */
  rss_peak_kb: number;
  rss_peak_sampled_kb: number;
  /** Package energy over the child (RAPL), or undefined where it cannot be read. */
  energy_j?: number;
  power_w?: number;
  samples: number;
  /** 1-minute load average when the child started: how busy the machine was. */
  load1: number;
  /** Every warm run's time, for pooled statistics (not written to the CSV). */
  warm_all_ms: number[];
}

export const RAW_COLUMNS = [
  "model", "parts", "parts_made", "mode", "pipeline", "env", "rep",
  "startup_ms", "overhead_ms", "first_ms", "warm_median_ms", "warm_p95_ms", "warm_runs", "cold_ms", "wall_ms",
  "cpu_ms", "cpu_mean_pct", "cpu_peak_pct", "rss_mean_kb", "rss_peak_kb", "rss_peak_sampled_kb", "energy_j", "power_w", "samples", "load1",
] as const satisfies readonly (keyof RawRow)[];

/** One configuration over its repetitions: a row of summary.csv. */
export interface SummaryRow extends Configuration {
  reps: number;
  startup_ms: number;
  overhead_ms: number;
  overhead_p95_ms: number;
  first_ms: number;
  first_p95_ms: number;
  /** Median and p95 of every warm run of every repetition, pooled. */
  warm_median_ms: number;
  warm_p95_ms: number;
  cold_ms: number;
  cold_p95_ms: number;
  wall_ms: number;
  wall_p95_ms: number;
  cpu_mean_pct: number;
  cpu_peak_pct: number;
  rss_mean_kb: number;
  rss_peak_kb: number;
  rss_peak_max_kb: number;
  energy_j?: number;
  power_w?: number;
}

export const SUMMARY_COLUMNS = [
  "model", "parts", "parts_made", "mode", "pipeline", "env", "reps",
  "startup_ms", "overhead_ms", "overhead_p95_ms", "first_ms", "first_p95_ms", "warm_median_ms", "warm_p95_ms",
  "cold_ms", "cold_p95_ms", "wall_ms", "wall_p95_ms", "cpu_mean_pct", "cpu_peak_pct", "rss_mean_kb", "rss_peak_kb", "rss_peak_max_kb", "energy_j", "power_w",
] as const satisfies readonly (keyof SummaryRow)[];

const key = (r: RawRow) => JSON.stringify([r.model, r.parts, r.mode, r.env]);

/** Medians over repetitions (p95 where a spread matters); means for CPU and RSS means; the worst peak. */
export function summarize(rows: readonly RawRow[]): SummaryRow[] {
  const groups = new Map<string, RawRow[]>();
  for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  return [...groups.values()].map((g) => {
    const col = (f: (r: RawRow) => number) => g.map(f);
    const warm = g.flatMap((r) => r.warm_all_ms);
    const energy = g.every((r) => r.energy_j !== undefined) ? median(col((r) => r.energy_j!)) : undefined;
    const { model, parts, parts_made, mode, pipeline, env } = g[0]!;
    return {
      model,
      parts,
      parts_made,
      mode,
      pipeline,
      env,
      reps: g.length,
      startup_ms: round(median(col((r) => r.startup_ms))),
      overhead_ms: round(median(col((r) => r.overhead_ms))),
      overhead_p95_ms: round(quantile(col((r) => r.overhead_ms), 0.95)),
      first_ms: round(median(col((r) => r.first_ms))),
      first_p95_ms: round(quantile(col((r) => r.first_ms), 0.95)),
      warm_median_ms: round(median(warm)),
      warm_p95_ms: round(quantile(warm, 0.95)),
      cold_ms: round(median(col((r) => r.cold_ms))),
      cold_p95_ms: round(quantile(col((r) => r.cold_ms), 0.95)),
      wall_ms: round(median(col((r) => r.wall_ms))),
      wall_p95_ms: round(quantile(col((r) => r.wall_ms), 0.95)),
      cpu_mean_pct: round(mean(col((r) => r.cpu_mean_pct)), 1),
      cpu_peak_pct: round(Math.max(...col((r) => r.cpu_peak_pct)), 1),
      rss_mean_kb: Math.round(mean(col((r) => r.rss_mean_kb))),
      rss_peak_kb: Math.round(median(col((r) => r.rss_peak_kb))),
      rss_peak_max_kb: Math.max(...col((r) => r.rss_peak_kb)),
      energy_j: energy === undefined ? undefined : round(energy),
      power_w: energy === undefined ? undefined : round(median(col((r) => r.power_w!)), 2),
    };
  });
}

/** Configurations in one round, rotated by `round` so that none always runs first or right after another. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const k = items.length === 0 ? 0 : round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
