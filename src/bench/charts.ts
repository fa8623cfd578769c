import sharp from "sharp";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { SummaryRow } from "./matrix.js";
import type { MatrixResult } from "./run-matrix.js";

/** A chart of the report: vega-lite spec, rendered to SVG in this process (no browser) and to PNG by sharp. */
export interface Chart {
  name: string;
  title: string;
  /** What the chart shows, in words (the report prints it under the chart). */
  caption: string;
  spec: TopLevelSpec;
}

export interface RenderedChart extends Chart {
  svg: string;
  png: Buffer;
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const COLUMNS = 4;

/** Vega's category10, in order: every chart maps the same series to the same colour. */
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** The colour encoding of a series, over the report's whole set of series (each chart alone would number its own). */
function modeColor(domain: readonly string[]) {
  return { field: "series", type: "nominal", title: "mode", scale: { domain: [...domain], range: domain.map((_, i) => PALETTE[i % PALETTE.length]!) } } as const;
}

/** Summary rows with a `series` label: the mode, plus the environment when there is more than one. */
function seriesRows(rows: readonly SummaryRow[]): (SummaryRow & { series: string; rss_peak_mib: number })[] {
  const envs = new Set(rows.map((r) => r.env));
  return rows.map((r) => ({ ...r, series: envs.size > 1 ? `${r.mode} (${r.env})` : r.mode, rss_peak_mib: Math.round((r.rss_peak_kb / 1024) * 10) / 10 }));
}

function perModelLines(rows: readonly SummaryRow[], domain: readonly string[], field: string, title: string, name: string, chartTitle: string, caption: string, log = false): Chart {
  return {
    name,
    title: chartTitle,
    caption,
    spec: {
      $schema: SCHEMA,
      data: { values: seriesRows(rows) },
      facet: { field: "model", type: "nominal", title: null },
      columns: COLUMNS,
      resolve: { scale: { y: "independent" } },
      spec: {
        width: 180,
        height: 130,
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "parts", type: "quantitative", title: "parts", scale: { zero: false } },
          // Log scale where modes differ by orders of magnitude (a streamed run re-opens every part).
          y: { field, type: "quantitative", title, scale: log ? { type: "log" } : { zero: true } },
          color: modeColor(domain),
          tooltip: [{ field: "model" }, { field: "parts" }, { field: "series" }, { field, type: "quantitative" }],
        },
      },
    },
  };
}

/** The report's charts, in the original's spirit (time and memory against the number of pieces, native vs enclave). */
export function reportCharts(summary: readonly SummaryRow[], series: MatrixResult["series"]): Chart[] {
  const msplitRows = summary.filter((r) => r.mode !== "peer");
  const envs = [...new Set(summary.map((r) => r.env))];
  const maxParts = Math.max(...msplitRows.map((r) => r.parts));
  const domain = [...new Set(seriesRows(summary).map((r) => r.series))].sort();
  const charts: Chart[] = [
    perModelLines(summary, domain, "warm_median_ms", "warm inference, median ms", "inference", "Warm inference time vs number of parts",
      "Median of every warm run (all repetitions pooled), per model, one line per mode; log scale.", true),
    perModelLines(msplitRows, domain, "overhead_ms", "overhead ms (read+decrypt+sessions)", "overhead", "Overhead vs number of parts",
      "Read + decrypt + session creation, median over repetitions. Streamed bundles create their sessions during each run, so their overhead is only opening the bundle. Log scale.", true),
    perModelLines(summary, domain, "rss_peak_mib", "peak RSS, MiB", "memory", "Peak memory vs number of parts",
      "The kernel's peak resident set size of each child process (VmHWM read before it exits), median over repetitions."),
  ];
  const phases = summary
    .filter((r) => (r.mode === "sealed" && r.parts === maxParts) || r.mode === "peer")
    .flatMap((r) => {
      const x = r.mode === "peer" ? `${r.model} (peer)` : r.model;
      return [
        { model: x, env: r.env, phase: "1 start-up", ms: r.startup_ms },
        { model: x, env: r.env, phase: "2 overhead", ms: r.overhead_ms },
        { model: x, env: r.env, phase: "3 first inference", ms: r.first_ms },
      ];
    });
  charts.push({
    name: "phases",
    title: envs.length > 1 ? `Cold run, ${envs.join(" vs ")}: where the time goes (sealed, ${maxParts} parts)` : `Cold run: where the time goes (sealed, ${maxParts} parts; native only, no --runner given)`,
    caption: "Start-up (process, runtime and modules), overhead (read + decrypt + sessions) and the first inference, stacked: their sum is the cold run, spawn to first result. Medians over repetitions.",
    spec: {
      $schema: SCHEMA,
      data: { values: phases },
      width: { step: 28 },
      height: 260,
      mark: "bar",
      encoding: {
        x: { field: "model", type: "nominal", title: null, axis: { labelAngle: -35 } },
        xOffset: { field: "env", type: "nominal" },
        y: { aggregate: "sum", field: "ms", type: "quantitative", title: "ms", stack: "zero" },
        color: { field: "phase", type: "nominal", title: "phase" },
        // Start-up at the bottom, as the phases happen.
        order: { field: "phase", type: "nominal", sort: "ascending" },
        opacity: envs.length > 1 ? { field: "env", type: "nominal", scale: { range: [1, 0.55] }, title: "environment" } : { value: 1 },
        tooltip: [{ field: "model" }, { field: "env" }, { field: "phase" }, { field: "ms", type: "quantitative" }],
      },
    },
  });
  const focusModel = summary.some((r) => r.model === "alexnet") ? "alexnet" : summary[0]?.model;
  const points = series
    .filter((s) => s.model === focusModel && s.parts === maxParts)
    .flatMap((s) => s.samples.map((p) => ({ series: envs.length > 1 ? `${s.mode} (${s.env})` : s.mode, t_s: Math.round(p.t) / 1000, cpu_pct: Math.round(p.cpuPct), rss_mib: Math.round(p.rssKiB / 102.4) / 10 })));
  charts.push({
    name: "resources",
    title: `CPU and memory over one run (${focusModel}, ${maxParts} parts, first repetition)`,
    caption: "Sampled from outside the measured process (/proc, every --sample-ms): CPU % of the process tree (100 % = one core) and its resident memory, from spawn to result.",
    spec: {
      $schema: SCHEMA,
      data: { values: points },
      vconcat: [
        { width: 560, height: 140, mark: { type: "line", interpolate: "step-after" }, encoding: { x: { field: "t_s", type: "quantitative", title: "seconds since spawn" }, y: { field: "cpu_pct", type: "quantitative", title: "CPU %" }, color: modeColor(domain) } },
        { width: 560, height: 140, mark: "line", encoding: { x: { field: "t_s", type: "quantitative", title: "seconds since spawn" }, y: { field: "rss_mib", type: "quantitative", title: "RSS MiB" }, color: modeColor(domain) } },
      ],
    },
  });
  const peer = seriesRows(summary).filter((r) => r.model === "alexnet" && r.parts === 12 && r.env === "native");
  if (peer.some((r) => r.mode === "peer")) {
    const bars = peer.flatMap((r) => {
      const system = r.mode === "peer" ? "peer (original)" : `msplit ${r.mode}`;
      return [
        { system, series: r.series, metric: "cold run, spawn to first result", ms: r.cold_ms },
        { system, series: r.series, metric: "warm inference (median)", ms: r.warm_median_ms },
      ];
    });
    charts.push({
      name: "peer",
      title: "msplit vs the original's method: AlexNet, 12 pieces",
      caption: "Cold run (spawn to first result) and warm inference, medians; the peer decrypts to disk, torch.loads pickled pieces and preprocesses the photo.",
      spec: {
        $schema: SCHEMA,
        data: { values: bars },
        facet: { field: "metric", type: "nominal", title: null },
        resolve: { scale: { y: "independent" } },
        spec: { width: 220, height: 200, mark: "bar", encoding: { x: { field: "system", type: "nominal", title: null, axis: { labelAngle: -30 } }, y: { field: "ms", type: "quantitative" }, color: { ...modeColor(domain), legend: null } } },
      },
    });
  }
  return charts;
}

/** SVG in Node through vega's headless renderer; PNG from that SVG through sharp (librsvg). */
export async function renderChart(chart: Chart): Promise<RenderedChart> {
  const view = new vega.View(vega.parse(compile(chart.spec).spec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    const png = await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
    return { ...chart, svg, png };
  } finally {
    view.finalize();
  }
}
