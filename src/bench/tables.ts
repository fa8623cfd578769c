import { round } from "../util/stats.js";
import type { SummaryRow } from "./matrix.js";

/** A table for the report: header and rows of cells, rendered as HTML and as Markdown. */
export interface Table {
  title: string;
  note?: string;
  header: string[];
  rows: (string | number)[][];
}

const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : NaN);
const mib = (kb: number) => round(kb / 1024, 1);

/** Per model, mode and environment: the whole model (fewest parts) against the most parts. */
export function wholeVsSplit(summary: readonly SummaryRow[]): Table {
  const msplit = summary.filter((r) => r.mode !== "peer");
  const fewest = Math.min(...msplit.map((r) => r.parts));
  const most = Math.max(...msplit.map((r) => r.parts));
  const rows: Table["rows"] = [];
  for (const a of msplit.filter((r) => r.parts === fewest)) {
    const b = msplit.find((r) => r.parts === most && r.model === a.model && r.mode === a.mode && r.env === a.env);
    if (!b || a === b) continue;
    rows.push([
      a.model, a.mode, a.env,
      a.warm_median_ms, b.warm_median_ms, ratio(b.warm_median_ms, a.warm_median_ms),
      a.overhead_ms, b.overhead_ms, ratio(b.overhead_ms, a.overhead_ms),
      a.cold_ms, b.cold_ms,
      mib(a.rss_peak_kb), mib(b.rss_peak_kb),
    ]);
  }
  return {
    title: `Whole (${fewest} part${fewest === 1 ? "" : "s"}) vs ${most} parts`,
    note: "Medians over repetitions (warm: every warm run pooled). Ratios are split / whole, measured in the same run.",
    header: ["model", "mode", "env", `warm ms (${fewest})`, `warm ms (${most})`, "warm ratio", `overhead ms (${fewest})`, `overhead ms (${most})`, "overhead ratio", `cold ms (${fewest})`, `cold ms (${most})`, `peak MiB (${fewest})`, `peak MiB (${most})`],
    rows,
  };
}

/** msplit against the original's method on AlexNet with 12 pieces, when the peer ran. */
export function peerComparison(summary: readonly SummaryRow[]): Table | undefined {
  const peer = summary.find((r) => r.mode === "peer");
  if (!peer) return undefined;
  const mine = summary.filter((r) => r.model === peer.model && r.parts === peer.parts && r.env === peer.env && r.mode !== "peer");
  return {
    title: `msplit vs the original's method (peer): ${peer.model}, ${peer.parts} pieces`,
    note: "Cold = spawn to the end of the first inference (the peer also decodes and preprocesses the photo and writes result.txt). Ratios are msplit / peer.",
    header: ["system", "cold ms", "cold ratio", "overhead ms", "first inference ms", "warm ms", "warm ratio", "peak MiB", "peak ratio"],
    rows: [
      ["peer (PyTorch, AES-CBC to disk)", peer.cold_ms, 1, peer.overhead_ms, peer.first_ms, peer.warm_median_ms, 1, mib(peer.rss_peak_kb), 1],
      ...mine.map((r) => [
        `msplit ${r.mode} (${r.pipeline})`, r.cold_ms, ratio(r.cold_ms, peer.cold_ms), r.overhead_ms, r.first_ms,
        r.warm_median_ms, ratio(r.warm_median_ms, peer.warm_median_ms), mib(r.rss_peak_kb), ratio(r.rss_peak_kb, peer.rss_peak_kb),
      ]),
    ],
  };
}

export function summaryTable(summary: readonly SummaryRow[]): Table {
  return {
    title: "Every configuration",
    note: "Medians over repetitions; p95 beside them; CPU % of one core; energy n/a where RAPL cannot be read.",
    header: ["model", "parts", "made", "mode", "pipeline", "env", "reps", "start-up ms", "overhead ms", "p95", "first ms", "warm ms", "p95", "cold ms", "wall ms", "CPU mean %", "CPU peak %", "RSS mean MiB", "peak MiB", "energy J", "power W"],
    rows: summary.map((r) => [
      r.model, r.parts, r.parts_made, r.mode, r.pipeline, r.env, r.reps, r.startup_ms, r.overhead_ms, r.overhead_p95_ms, r.first_ms,
      r.warm_median_ms, r.warm_p95_ms, r.cold_ms, r.wall_ms, r.cpu_mean_pct, r.cpu_peak_pct, mib(r.rss_mean_kb), mib(r.rss_peak_kb),
      r.energy_j ?? "n/a", r.power_w ?? "n/a",
    ]),
  };
}

export function markdownTable(t: Table): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [`### ${t.title}`, ...(t.note ? ["", t.note] : []), "", line(t.header), line(t.header.map(() => "---")), ...t.rows.map(line)].join("\n");
}
