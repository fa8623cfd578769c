import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse } from "csv-parse/sync";
import { RAW_COLUMNS, SUMMARY_COLUMNS } from "../../src/bench/matrix.js";
import { fixturesDir, runCli, tempDir } from "../helpers/index.js";

// One quick matrix (squeezenet1_1, 1 and 2 parts, three modes, one repetition) serves every check here.
const dir = tempDir("msplit-bench-report-");
const out = join(dir.path, "report");
let cli: ReturnType<typeof runCli>;
before(() => {
  cli = runCli(["bench", "report", "--quick", "-o", out]);
});
after(() => dir.cleanup());

const CHARTS = ["inference", "overhead", "memory", "phases", "resources"];

function csv(name: string): Record<string, string>[] {
  return parse<Record<string, string>>(readFileSync(join(out, name), "utf8"), { columns: true });
}

function header(name: string): string[] {
  return readFileSync(join(out, name), "utf8").split("\n")[0]!.split(",");
}

/** Columns that must hold a finite number > 0 in every row (energy may be n/a; p95 >= median etc. checked apart). */
const POSITIVE_RAW = ["parts", "parts_made", "rep", "startup_ms", "overhead_ms", "first_ms", "warm_median_ms", "warm_p95_ms", "warm_runs", "cold_ms", "wall_ms", "cpu_ms", "cpu_mean_pct", "cpu_peak_pct", "rss_mean_kb", "rss_peak_kb", "rss_peak_sampled_kb", "samples"];
const POSITIVE_SUMMARY = ["parts", "parts_made", "reps", "startup_ms", "overhead_ms", "first_ms", "warm_median_ms", "warm_p95_ms", "cold_ms", "wall_ms", "cpu_mean_pct", "cpu_peak_pct", "rss_mean_kb", "rss_peak_kb", "rss_peak_max_kb"];

function positive(row: Record<string, string>, columns: readonly string[], where: string): void {
  for (const c of columns) {
    const v = Number(row[c]);
    assert.ok(Number.isFinite(v) && v > 0, `${where}: ${c} = '${row[c]}' is not a finite positive number`);
  }
  for (const c of ["energy_j", "power_w"]) {
    if (row[c] === "n/a") continue;
    assert.ok(Number.isFinite(Number(row[c])) && Number(row[c]) >= 0, `${where}: ${c} = '${row[c]}'`);
  }
  assert.ok(Number.isFinite(Number(row.load1 ?? 0)), `${where}: load1`);
}

test("bench report --quick exits 0 and writes every output", () => {
  assert.equal(cli.status, 0, cli.stderr);
  const files = readdirSync(out).sort();
  for (const f of ["raw.csv", "summary.csv", "samples.csv", "report.html", "report.md", ...CHARTS.flatMap((c) => [`${c}.svg`, `${c}.png`])]) assert.ok(files.includes(f), `${f} missing from ${files.join(", ")}`);
  for (const c of CHARTS) {
    const svg = readFileSync(join(out, `${c}.svg`), "utf8");
    assert.match(svg, /^<svg[^>]+width="\d+"/, `${c}.svg`);
    assert.ok((svg.match(/<path/g) ?? []).length > 5, `${c}.svg has no marks`);
    const png = readFileSync(join(out, `${c}.png`));
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], `${c}.png is not a PNG`);
    assert.ok(png.length > 2000, `${c}.png is nearly empty`);
  }
  // The page embeds every chart and names what was not measured.
  const html = readFileSync(join(out, "report.html"), "utf8");
  assert.equal((html.match(/<figure id="chart-/g) ?? []).length, CHARTS.length);
  assert.ok(!/<script|src="http|href="http/.test(html), "report.html must be self-contained");
  assert.match(html, /Native runs only/);
  assert.match(html, /Peer not requested/);
  assert.match(html, /onnxruntime-node<\/th><td>\d+\.\d+\.\d+/);
});

test("raw.csv: one row per configuration x repetition, every measured number finite and positive", () => {
  assert.deepEqual(header("raw.csv"), [...RAW_COLUMNS]);
  const rows = csv("raw.csv");
  assert.equal(rows.length, 2 * 3, "2 part counts x 3 modes x 1 repetition");
  assert.deepEqual(new Set(rows.map((r) => `${r.parts} ${r.mode}`)), new Set(["1 plain", "1 sealed", "1 sealed+stream", "2 plain", "2 sealed", "2 sealed+stream"]));
  for (const r of rows) {
    const where = `${r.parts} parts ${r.mode}`;
    positive(r, POSITIVE_RAW, where);
    assert.equal(r.model, "squeezenet1_1");
    assert.equal(r.env, "native");
    assert.equal(r.parts_made, r.parts, where);
    // Sealed bundles hold ORT-format parts by default, which run chained.
    assert.equal(r.pipeline, r.mode === "sealed+stream" ? "stream" : r.mode === "sealed" ? "chained" : "resident", where);
    // Phases add up: the cold run is start-up + overhead + first inference, and the child went on with warm runs.
    const parts = Number(r.startup_ms) + Number(r.overhead_ms) + Number(r.first_ms);
    assert.ok(Math.abs(Number(r.cold_ms) - parts) < 1, `${where}: cold ${r.cold_ms} != ${parts}`);
    assert.ok(Number(r.wall_ms) >= Number(r.cold_ms) + Number(r.warm_median_ms) * Number(r.warm_runs) * 0.5, `${where}: wall ${r.wall_ms} misses the warm runs`);
    assert.ok(Number(r.warm_p95_ms) >= Number(r.warm_median_ms), where);
    assert.ok(Number(r.rss_peak_kb) >= Number(r.rss_mean_kb), `${where}: peak RSS below mean`);
    // Node + onnxruntime alone hold ~80 MiB: a figure far below is not this process's.
    assert.ok(Number(r.rss_peak_kb) > 40 * 1024, `${where}: peak RSS ${r.rss_peak_kb} KiB`);
    // --quick asks for 3 warm runs; a streamed child runs one (each re-opens every part).
    if (r.mode === "sealed+stream") assert.equal(Number(r.warm_runs), 1, where);
    else assert.equal(Number(r.warm_runs), 3, where);
  }
});

test("summary.csv: one row per configuration, medians and p95", () => {
  assert.deepEqual(header("summary.csv"), [...SUMMARY_COLUMNS]);
  const raw = csv("raw.csv");
  const rows = csv("summary.csv");
  assert.equal(rows.length, 6);
  for (const r of rows) {
    positive(r, POSITIVE_SUMMARY, `${r.parts} parts ${r.mode}`);
    const one = raw.find((x) => x.parts === r.parts && x.mode === r.mode)!;
    // One repetition: the medians are that repetition's numbers.
    for (const c of ["startup_ms", "overhead_ms", "first_ms", "cold_ms", "wall_ms", "rss_peak_kb"]) assert.equal(Number(r[c]), Number(one[c]), `${r.parts} ${r.mode} ${c}`);
    assert.ok(Number(r.overhead_p95_ms) >= Number(r.overhead_ms));
  }
  const samples = csv("samples.csv");
  assert.ok(samples.length >= 6, "a time series for every configuration");
  for (const s of samples) assert.ok(Number(s.rss_kb) > 0 && Number.isFinite(Number(s.cpu_pct)));
});

test("the report refuses a directory that is not empty, before running anything", () => {
  const r = runCli(["bench", "report", "--quick", "-o", out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^msplit: ERR_OUTPUT_EXISTS: /m);
});

test("bad matrix arguments are usage errors", () => {
  const tmp = mkdtempSync(join(tmpdir(), "msplit-bench-args-"));
  try {
    for (const [args, pattern] of [
      [["--models", "lenet"], /unknown zoo model 'lenet'/],
      [["--modes", "plain,encrypted"], /unknown mode 'encrypted'/],
      [["--parts", "2,x"], /expected positive integers/],
    ] as const) {
      const r = runCli(["bench", "report", "-o", join(tmp, "x"), ...args]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^msplit: ERR_USAGE: /m);
      assert.match(r.stderr, pattern);
      assert.ok(!existsSync(join(tmp, "x")));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

const CHROMIUM = "/usr/bin/chromium";

test("report.html renders its charts in headless Chromium, without console errors", async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed (Debian: apt-get install chromium); .ci/run installs it`);
    return;
  }
  assert.equal(cli.status, 0, cli.stderr);
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "msplit-chromium-"));
  // Debian's Chromium, never a downloaded browser; a fresh profile, nothing fetched in the background.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
    await page.goto(`file://${join(out, "report.html")}`, { waitUntil: "load" });
    const charts = await page.$$eval("figure svg", (svgs) =>
      svgs.map((s) => {
        const box = s.getBoundingClientRect();
        return { width: box.width, height: box.height, marks: s.querySelectorAll("path, rect, line").length, visible: [...s.querySelectorAll("path")].filter((p) => p.getBoundingClientRect().width > 0).length };
      }),
    );
    assert.equal(charts.length, CHARTS.length);
    for (const [i, c] of charts.entries()) {
      assert.ok(c.width > 100 && c.height > 100, `chart ${i} is ${c.width}x${c.height}`);
      assert.ok(c.marks > 5 && c.visible > 5, `chart ${i} draws nothing (${c.marks} marks, ${c.visible} visible)`);
    }
    assert.equal(await page.$$eval("table", (ts) => ts.length >= 3), true);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test("--model adds an ONNX file with its own input signature (96x96 here, not the zoo's 224x224)", () => {
  const model = join(fixturesDir, "graphs", "mobilenet_v3_tiny.onnx");
  const dest = join(dir.path, "file-model");
  const r = runCli(["bench", "report", "--models", "none", "--model", model, "--parts", "3", "--modes", "sealed", "--reps", "1", "--warm-runs", "1", "-o", dest]);
  assert.equal(r.status, 0, r.stderr);
  const rows = parse<Record<string, string>>(readFileSync(join(dest, "raw.csv"), "utf8"), { columns: true });
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.model, "mobilenet_v3_tiny");
  assert.equal(rows[0]!.parts_made, "3");
  positive(rows[0]!, POSITIVE_RAW, "mobilenet_v3_tiny");
});

test("--jobs 2 runs children two at a time: every configuration x repetition once, and the report says the machine was shared", () => {
  const model = join(fixturesDir, "graphs", "mobilenet_v3_tiny.onnx");
  const dest = join(dir.path, "jobs");
  const r = runCli(["bench", "report", "--models", "none", "--model", model, "--parts", "2,3", "--modes", "plain,sealed", "--reps", "2", "--warm-runs", "1", "--jobs", "2", "-o", dest]);
  assert.equal(r.status, 0, r.stderr);
  const rows = parse<Record<string, string>>(readFileSync(join(dest, "raw.csv"), "utf8"), { columns: true });
  assert.deepEqual(rows.map((x) => `${x.parts} ${x.mode} ${x.rep}`).sort(), ["2 plain 1", "2 plain 2", "2 sealed 1", "2 sealed 2", "3 plain 1", "3 plain 2", "3 sealed 1", "3 sealed 2"]);
  for (const row of rows) positive(row, POSITIVE_RAW, `${row.parts} ${row.mode} ${row.rep}`);
  assert.match(readFileSync(join(dest, "report.html"), "utf8"), /2 children ran at once \(--jobs 2\)/);
});

test("a --model file that is not ONNX fails with its own code on one line, and no report appears", () => {
  const bad = join(dir.path, "not-a-model.onnx");
  writeFileSync(bad, Buffer.from("this is not a protobuf \u0000\u00ff".repeat(40)));
  const dest = join(dir.path, "bad-model");
  const r = runCli(["bench", "report", "--models", "none", "--model", bad, "--parts", "1,2", "--reps", "1", "-o", dest]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^msplit: ERR_ONNX_INVALID: /m);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(existsSync(dest), false);
});

