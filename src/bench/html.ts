import type { RenderedChart } from "./charts.js";
import type { MachineInfo } from "./machine.js";
import type { Table } from "./tables.js";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function table(t: Table): string {
  const cell = (v: string | number, tag: string) => `<${tag}${typeof v === "number" ? ' class="n"' : ""}>${escapeHtml(String(v))}</${tag}>`;
  return [
    `<h3>${escapeHtml(t.title)}</h3>`,
    t.note ? `<p class="note">${escapeHtml(t.note)}</p>` : "",
    `<div class="scroll"><table><thead><tr>${t.header.map((h) => cell(h, "th")).join("")}</tr></thead><tbody>`,
    ...t.rows.map((r) => `<tr>${r.map((v) => cell(v, "td")).join("")}</tr>`),
    "</tbody></table></div>",
  ].join("\n");
}

export interface HtmlReport {
  machine: MachineInfo;
  /** What the reader must know first: environments, energy, peer, load, skipped configurations. */
  notes: string[];
  tables: Table[];
  charts: RenderedChart[];
  method: string[];
}

/** One self-contained page: charts inline as SVG, no script, no external resource. */
export function renderHtml(r: HtmlReport): string {
  const m = r.machine;
  const machineRows: [string, string][] = [
    ["CPU", `${m.cpu} (${m.cores} logical cores)`],
    ["memory", `${m.memory_gib} GiB`],
    ["kernel", m.kernel],
    ["Node.js", m.node],
    ["onnxruntime-node", m.onnxruntime],
    ["msplit", m.msplit],
    ["date", m.date],
    ["load average at start (1, 5, 15 min)", m.load_start.join(", ")],
    ["load average at end", m.load_end?.join(", ") ?? "n/a"],
    ["command", m.command],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>msplit benchmark report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; white-space: nowrap; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
.note, figcaption { color: #555; font-size: 0.9em; }
figure { margin: 1.5em 0; }
figure svg { max-width: 100%; height: auto; }
code { background: #f4f4f4; padding: 0 0.2em; }
</style>
</head>
<body>
<h1>msplit benchmark report</h1>
<p class="note">${escapeHtml(m.date)} &middot; <code>${escapeHtml(m.command)}</code></p>
<h2>Read this first</h2>
<ul>
${r.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("\n")}
</ul>
<h2>Results</h2>
${r.tables.slice(0, -1).map(table).join("\n")}
<h2>Charts</h2>
${r.charts
  .map((c) => `<figure id="chart-${escapeHtml(c.name)}"><h3>${escapeHtml(c.title)}</h3>\n${c.svg}\n<figcaption>${escapeHtml(c.caption)} (also ${escapeHtml(c.name)}.svg and ${escapeHtml(c.name)}.png)</figcaption></figure>`)
  .join("\n")}
<h2>All configurations</h2>
${r.tables.slice(-1).map(table).join("\n")}
<h2>Machine</h2>
<table><tbody>
${machineRows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("\n")}
</tbody></table>
<h2>Method</h2>
<ul>
${r.method.map((n) => `<li>${escapeHtml(n)}</li>`).join("\n")}
</ul>
</body>
</html>
`;
}
