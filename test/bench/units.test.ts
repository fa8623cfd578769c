import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { RESULT_MARK, runChild } from "../../src/bench/child.js";
import { joulesBetween, probeEnergy, readEnergy } from "../../src/bench/energy.js";
import { makeFeeds, parseShapeFlag, resolveInputs } from "../../src/bench/inputs.js";
import { type RawRow, rotate, summarize } from "../../src/bench/matrix.js";
import { readTree } from "../../src/bench/proc.js";
import { autoJobs } from "../../src/bench/report.js";
import { UsageError } from "../../src/errors.js";
import { quantile } from "../../src/util/stats.js";
import { rejectsWith, tempDir } from "../helpers/index.js";

const dir = tempDir("msplit-bench-units-");
after(() => dir.cleanup());

test("quantile interpolates between order statistics (numpy's default)", () => {
  assert.equal(quantile([5, 1, 3, 2, 4], 0.95), 4.8);
  assert.equal(quantile([5, 1, 3, 2, 4], 0.5), 3);
  assert.equal(quantile([7], 0.95), 7);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

function row(over: Partial<RawRow>): RawRow {
  const base: RawRow = {
    model: "m", parts: 2, parts_made: 2, mode: "sealed", pipeline: "resident", env: "native", rep: 1, startup_ms: 100, overhead_ms: 10, first_ms: 5,
    warm_median_ms: 2, warm_p95_ms: 3, warm_runs: 3, cold_ms: 115, wall_ms: 130, cpu_ms: 120, cpu_mean_pct: 90, cpu_peak_pct: 100,
    rss_mean_kb: 1000, rss_peak_kb: 2000, rss_peak_sampled_kb: 1900, energy_j: undefined, power_w: undefined, samples: 2, load1: 0.5, warm_all_ms: [1, 2, 3],
  };
  return { ...base, ...over };
}

test("summarize: medians over repetitions, warm runs pooled, the worst peak, n/a energy stays n/a", () => {
  const s = summarize([
    row({ rep: 1, overhead_ms: 10, warm_all_ms: [1, 2, 3], rss_peak_kb: 2000, cpu_peak_pct: 80 }),
    row({ rep: 2, overhead_ms: 30, warm_all_ms: [4, 5, 6], rss_peak_kb: 3000, cpu_peak_pct: 120 }),
    row({ rep: 3, overhead_ms: 20, warm_all_ms: [7, 8, 9], rss_peak_kb: 2500, cpu_peak_pct: 90 }),
    row({ mode: "plain", warm_all_ms: [100] }),
  ]);
  assert.equal(s.length, 2);
  const sealed = s.find((r) => r.mode === "sealed")!;
  assert.equal(sealed.reps, 3);
  assert.equal(sealed.overhead_ms, 20);
  assert.equal(sealed.overhead_p95_ms, 29);
  assert.equal(sealed.warm_median_ms, 5);
  assert.equal(sealed.warm_p95_ms, 8.6);
  assert.equal(sealed.rss_peak_kb, 2500);
  assert.equal(sealed.rss_peak_max_kb, 3000);
  assert.equal(sealed.cpu_peak_pct, 120);
  assert.equal(sealed.energy_j, undefined);
  const withEnergy = summarize([row({ energy_j: 2, power_w: 10 }), row({ energy_j: 4, power_w: 20 })])[0]!;
  assert.equal(withEnergy.energy_j, 3);
  assert.equal(withEnergy.power_w, 15);
});

test("rotate: each round starts one configuration later", () => {
  assert.deepEqual(rotate([1, 2, 3], 0), [1, 2, 3]);
  assert.deepEqual(rotate([1, 2, 3], 1), [2, 3, 1]);
  assert.deepEqual(rotate([1, 2, 3], 4), [2, 3, 1]);
});

test("inputs: a leading symbolic dim is the batch; other symbolic dims need --shape, which must fit the model", () => {
  const sig = [{ name: "x", dtype: "float", shape: ["N", 3, "H", "W"], bytes: null }, { name: "ids", dtype: "int64", shape: ["N", 4], bytes: null }];
  assert.throws(() => resolveInputs(sig), (e: unknown) => e instanceof UsageError && /'x' has symbolic dims 2 \(H\), 3 \(W\)/.test(e.message));
  const specs = resolveInputs(sig, new Map([parseShapeFlag("x=1,3,64,48")]));
  assert.deepEqual(specs, [{ name: "x", dtype: "float", dims: [1, 3, 64, 48] }, { name: "ids", dtype: "int64", dims: [1, 4] }]);
  assert.throws(() => resolveInputs(sig, new Map([parseShapeFlag("x=1,4,64,48")])), /dim 1 is fixed at 3/);
  assert.throws(() => resolveInputs(sig, new Map([parseShapeFlag("y=1")])), /no input 'y'/);
  assert.throws(() => parseShapeFlag("x=1,-3"), UsageError);
  const feeds = makeFeeds(specs);
  assert.ok(feeds.ids!.data instanceof BigInt64Array);
  assert.equal(feeds.x!.data.length, 3 * 64 * 48);
  assert.deepEqual(makeFeeds(specs).x!.data, feeds.x!.data, "seeded: the same values in every process");
  assert.throws(() => makeFeeds([{ name: "s", dtype: "string", dims: [1] }]), /cannot fill/);
});

test("energy: RAPL package zones read from powercap, counter wrap counted; no powercap is n/a with a reason", () => {
  const root = join(dir.path, "powercap");
  const zone = join(root, "intel-rapl:0");
  mkdirSync(join(root, "intel-rapl:0:0"), { recursive: true });
  mkdirSync(zone, { recursive: true });
  writeFileSync(join(zone, "name"), "package-0\n");
  writeFileSync(join(zone, "max_energy_range_uj"), "1000000\n");
  writeFileSync(join(zone, "energy_uj"), "900000\n");
  const probe = probeEnergy(root);
  assert.equal(probe.available, true);
  assert.equal(probe.zones.length, 1, "sub-zones are inside the package: not counted twice");
  const before = readEnergy(probe);
  writeFileSync(join(zone, "energy_uj"), "100000\n");
  assert.equal(joulesBetween(probe, before, readEnergy(probe)), 0.2);
  const none = probeEnergy(join(dir.path, "missing"));
  assert.equal(none.available, false);
  assert.match(none.reason!, /does not exist/);
});

test("--jobs auto: one child where RAPL is readable, else one per `threads` cores, at most two", () => {
  assert.equal(autoJobs(true, 64, 1).jobs, 1);
  assert.match(autoJobs(true, 64, 1).why, /RAPL/);
  assert.equal(autoJobs(false, 2, 1).jobs, 2);
  assert.equal(autoJobs(false, 64, 1).jobs, 2);
  assert.equal(autoJobs(false, 1, 1).jobs, 1);
  assert.equal(autoJobs(false, 2, 2).jobs, 1);
  assert.equal(autoJobs(false, 8, 4).jobs, 2);
});

test("readTree: this process's CPU time and memory from /proc", () => {
  const u = readTree(process.pid)!;
  assert.ok(u.pids.includes(process.pid));
  assert.ok(u.cpuMs > 0 && u.rssKiB > 10_000 && u.hwmKiB >= u.rssKiB);
  assert.equal(readTree(2 ** 22 + 12345), undefined);
});

// A child that touches 200 MiB, burns 300 ms of CPU time (by its own clock, whatever the machine's load), reports, and holds.
const HEAVY = `
const b = Buffer.alloc(200 * 2 ** 20, 1);
const start = process.cpuUsage();
while (true) { const c = process.cpuUsage(start); if (c.user + c.system > 300_000) break; }
const own = process.cpuUsage();
process.stdout.write("noise from a runner\\n${RESULT_MARK}" + JSON.stringify({ ok: b.length, cpuMs: (own.user + own.system) / 1000 }) + "\\n");
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
`;

test("runChild watches from outside: the kernel's peak RSS of the live child, its CPU time, samples", async () => {
  const r = await runChild({ file: process.execPath, args: ["-e", HEAVY] }, { sampleMs: 20, energy: { available: false, zones: [] }, hold: true, timeoutMs: 120_000 });
  const own = r.result as { ok: number; cpuMs: number };
  assert.equal(own.ok, 200 * 2 ** 20);
  assert.ok(r.hwmKiB! >= 200 * 1024, `peak ${r.hwmKiB} KiB`);
  // /proc counts in clock ticks (10 ms, user and system apart); the child idles after its report.
  assert.ok(own.cpuMs >= 300 && Math.abs(r.cpuMs - own.cpuMs) < 60 + 0.05 * own.cpuMs, `cpu seen from outside ${r.cpuMs} ms, by the child ${own.cpuMs} ms`);
  assert.ok(r.samples.length > 0 && r.meanCpuPct > 0 && r.peakRssSampledKiB > 0);
  assert.equal(r.energyJ, undefined);
});

test("runChild: a failing child, one without a result line, and one past its deadline are errors", async () => {
  const opts = { sampleMs: 50, energy: { available: false, zones: [] }, hold: false, timeoutMs: 60_000 };
  await rejectsWith(runChild({ file: process.execPath, args: ["-e", "console.error('boom'); process.exit(3)"] }, opts), "ERR_BENCH_CHILD", /exit status 3: boom/);
  await rejectsWith(runChild({ file: process.execPath, args: ["-e", "console.log('{}')"] }, opts), "ERR_BENCH_CHILD", /no result line/);
  await rejectsWith(runChild({ file: process.execPath, args: ["-e", "setTimeout(() => {}, 60000)"] }, { ...opts, timeoutMs: 500 }), "ERR_BENCH_CHILD", /timed out/);
});
