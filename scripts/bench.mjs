#!/usr/bin/env node
// `npm run bench`: the overhead benchmark for the eight zoo models, each in its own process,
// then the split time and peak memory of vgg19, then the sealing suite, then the Gramine
// protected-files suite, then the cold-start comparison with the original's method, then the
// key broker suite. `npm run bench -- <suite>` runs one suite: overhead | split | seal | pf | cold | kbs.
// `npm run bench -- cold --help` lists the cold suite's options. `npm run bench -- report [flags]`
// runs the experiment matrix (`msplit bench report`) into bench-out/report-<time>/ unless -o is given.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// Every suite runs msplit as users do, bin/msplit (node with huge pages: README), on this node.
const bin = join(root, "bin", "msplit");
const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`;
const ZOO = ["alexnet", "mobilenet_v3_large", "mobilenet_v3_small", "resnet50", "resnet101", "squeezenet1_1", "vgg16", "vgg19"];
const runs = process.env.MSPLIT_BENCH_RUNS ?? "30";

function msplit(args, env = {}) {
  const t0 = performance.now();
  const r = spawnSync(bin, args, { cwd: root, encoding: "utf8", env: { ...process.env, PATH, ...env }, maxBuffer: 1 << 26 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`msplit ${args.join(" ")} failed`);
  }
  const rusage = /msplit-rusage (.*)/.exec(r.stderr ?? "");
  return { stdout: r.stdout, wallMs, rusage: rusage ? JSON.parse(rusage[1]) : undefined };
}

function overhead() {
  const rows = [];
  for (const name of ZOO) {
    process.stderr.write(`bench overhead ${name} ...\n`);
    rows.push(JSON.parse(msplit(["bench", "overhead", name, "--parts", "12", "--runs", runs, "--json"]).stdout));
  }
  console.log(`\nmsplit bench overhead <zoo model> --parts 12 --runs ${runs} --json  (1 intra-op thread, interleaved medians)\n`);
  console.log("| model | whole ms | resident ms | chained ms | resident/whole | chained/whole | ms per boundary | KiB across boundaries |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    console.log(`| ${r.model} | ${r.whole_ms} | ${r.resident_ms} | ${r.chained_ms} | ${r.resident_ratio} | ${r.chained_ratio} | ${r.per_boundary_ms} | ${r.boundary_kib} |`);
  }
}

function splitTime() {
  const dir = mkdtempSync(join(tmpdir(), "msplit-bench-"));
  try {
    const model = join(dir, "vgg19.onnx");
    msplit(["zoo", "vgg19", "-o", model]);
    const r = msplit(["split", model, "--parts", "12", "-o", join(dir, "parts")], { MSPLIT_REPORT_RUSAGE: "1" });
    console.log(`\nmsplit split vgg19.onnx --parts 12 -o parts  (read 548 MB, plan, write 12 parts)`);
    console.log(`wall ${(r.wallMs / 1000).toFixed(2)} s (target <= 3 s), peak RSS ${(r.rusage.maxRssKiB / 1024).toFixed(0)} MiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (kib) => (kib / 1024).toFixed(0);

function seal() {
  const dir = mkdtempSync(join(tmpdir(), "msplit-bench-seal-"));
  try {
    const key = join(dir, "model.key");
    msplit(["keygen", "-o", key]);

    // 1. Decryption throughput against raw AES-256-GCM, from memory.
    const d = JSON.parse(msplit(["bench", "decrypt", "--mib", "96", "--runs", "5"]).stdout);
    console.log(`\n1. msplit bench decrypt --mib 96 --runs 5  (one 96 MiB part, from memory, medians)`);
    console.log(`   raw AES-256-GCM ${d.rawGBps.toFixed(2)} GB/s, bundle STREAM ${d.streamGBps.toFixed(2)} GB/s (+SHA-256 ${d.streamHashGBps.toFixed(2)}, chunk by chunk ${d.streamBoundedGBps.toFixed(2)}): ratio ${d.ratio.toFixed(2)} (target >= 0.5)`);

    // 2. Cold start of a 12-part AlexNet: plain parts vs sealed ones, fresh processes, alternating.
    const model = join(dir, "alexnet.onnx");
    msplit(["zoo", "alexnet", "-o", model]);
    msplit(["split", model, "--parts", "12", "-o", join(dir, "plain")]);
    msplit(["split", model, "--parts", "12", "--seal", "--part-format", "onnx", "--key", key, "-o", join(dir, "sealed")]);
    msplit(["split", model, "--parts", "12", "--seal", "--part-format", "ort", "--key", key, "-o", join(dir, "sealed-ort")]);
    const variants = [
      ["plain parts", join(dir, "plain"), []],
      ["sealed, onnx parts", join(dir, "sealed"), ["--key", key]],
      ["sealed, ort parts", join(dir, "sealed-ort"), ["--key", key]],
    ];
    const cold = Object.fromEntries(variants.map(([name]) => [name, []]));
    const rss = Object.fromEntries(variants.map(([name]) => [name, []]));
    const rounds = Number(process.env.MSPLIT_BENCH_COLD_ROUNDS ?? 5);
    for (let r = 0; r < rounds; r++) {
      for (const [name, path, extra] of variants) {
        const out = msplit(["bench", "cold", path, "--mode", "chained", ...extra], { MSPLIT_REPORT_RUSAGE: "1" });
        cold[name].push(JSON.parse(out.stdout).total_ms);
        rss[name].push(out.rusage.maxRssKiB);
      }
    }
    const base = median(cold["plain parts"]);
    console.log(`\n2. msplit bench cold <parts|bundle> --mode chained  (12-part AlexNet, ${rounds} fresh processes each, alternating; read + decrypt + 12 sessions + first run)`);
    for (const [name] of variants) {
      const m = median(cold[name]);
      console.log(`   ${name.padEnd(20)} ${m.toFixed(0).padStart(6)} ms  x${(m / base).toFixed(3)} of plain (target <= 1.15), x${(m / 1180).toFixed(2)} of the original's 1.18 s; peak RSS ${mib(median(rss[name]))} MiB`);
    }

    // 3. vgg16 under a memory budget: sealed parts resident, chained or streamed vs unsplit.
    const vgg = join(dir, "vgg16.onnx");
    msplit(["zoo", "vgg16", "-o", vgg]);
    const bundle = join(dir, "vgg16-64");
    const bundleOnnx = join(dir, "vgg16-64-onnx");
    msplit(["split", vgg, "--parts", "12", "--max-part-mib", "64", "--seal", "--key", key, "-o", bundle]);
    msplit(["split", vgg, "--parts", "12", "--max-part-mib", "64", "--seal", "--part-format", "onnx", "--key", key, "-o", bundleOnnx]);
    const input = join(dir, "input.npy");
    const n = 3 * 224 * 224;
    writeFileSync(input, encodeNpy({ shape: [1, 3, 224, 224], data: Float32Array.from({ length: n }, (_, i) => Math.sin(i / 97)) }));
    const runs = [
      ["unsplit, one session", [vgg]],
      ["onnx parts, resident", [bundleOnnx, "--key", key, "--mode", "resident"]],
      ["onnx parts, streamed", [bundleOnnx, "--key", key, "--stream"]],
      ["ort parts, chained", [bundle, "--key", key, "--mode", "chained"]],
      ["ort parts, streamed", [bundle, "--key", key, "--stream"]],
    ];
    const mem = {};
    const wall = {};
    for (let r = 0; r < 3; r++) {
      for (const [name, args] of runs) {
        const out = msplit(["run", ...args, "--input", input, "--output", join(dir, "out.npy"), "--threads", "1", "--force"], { MSPLIT_REPORT_RUSAGE: "1" });
        (mem[name] ??= []).push(out.rusage.maxRssKiB);
        (wall[name] ??= []).push(out.wallMs);
      }
    }
    const m = (name) => median(mem[name]);
    console.log(`\n3. msplit run <vgg16 | bundle> --input x.npy [--mode m | --stream]  (vgg16, split --parts 12 --max-part-mib 64 --seal [--part-format onnx]; peak RSS = the process's getrusage ru_maxrss, what /usr/bin/time -v reports; medians of 3, runs alternating)`);
    const unsplit = m("unsplit, one session");
    for (const [name] of runs) console.log(`   ${name.padEnd(24)} peak ${mib(m(name)).padStart(5)} MiB (x${(m(name) / unsplit).toFixed(3)} of unsplit), wall ${(median(wall[name]) / 1000).toFixed(2)} s`);
    console.log(`   targets: onnx parts resident <= 1.0x unsplit, streamed <= 0.25x unsplit (default ort parts: x${(m("ort parts, streamed") / unsplit).toFixed(3)}), streamed / resident <= 0.45 (x${(m("onnx parts, streamed") / m("onnx parts, resident")).toFixed(3)})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pf() {
  const r = JSON.parse(msplit(["bench", "pf", "--mb", "100", "--runs", process.env.MSPLIT_BENCH_PF_RUNS ?? "5"]).stdout);
  const f = (x) => x.toFixed(0).padStart(5);
  console.log(`\nmsplit bench pf --mb 100 --runs ${r.runs}  (Gramine protected files, 100 MB, alternating medians, MB = 10^6 bytes; target >= 300 MB/s)`);
  console.log(`   raw AES-128-GCM (one key)    encrypt ${f(r.rawEncryptMBps)} MB/s   decrypt ${f(r.rawDecryptMBps)} MB/s`);
  console.log(`   protected files, in memory   encrypt ${f(r.encryptMBps)} MB/s   decrypt ${f(r.decryptMBps)} MB/s   (x${r.encryptRatio.toFixed(2)} / x${r.decryptRatio.toFixed(2)} of raw)`);
  console.log(`   protected files, file->file  encrypt ${f(r.fileEncryptMBps)} MB/s   decrypt ${f(r.fileDecryptMBps)} MB/s`);
}

if (!existsSync(join(root, "dist", "cli", "main.js"))) {
  console.error("dist/ is missing: run `npm run build` first");
  process.exit(1);
}
// The built library's own helpers, so the numbers are computed as msplit computes them.
const { median } = await import("../dist/util/stats.js");
const { encodeNpy } = await import("../dist/runtime/npy.js");
function kbs() {
  const dcap = join(root, "test", "fixtures", "dcap");
  const args = ["bench", "kbs", "--flows", "1000", "--concurrency", "50", "--quote", join(dcap, "phala_sgx_quote.dat"), "--collateral", join(dcap, "phala_sgx_quote_collateral.json"), "--now", "2025-07-01T00:00:00Z", "--json"];
  const r = JSON.parse(msplit(args).stdout);
  console.log(`\nmsplit bench kbs --flows 1000 --concurrency 50  (loopback, broker and clients in one process, sample evidence; rate limiter on)`);
  console.log(`   ${r.errors} errors, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ${r.flows_per_s} flows/s (${r.wall_s} s); SGX quote verification with collateral ${r.quote_verify_ms} ms per quote`);
  if (r.errors !== 0) process.exitCode = 1;
}

const { cold } = await import("./bench-cold.mjs");
const suite = process.argv[2] ?? "all";
if (suite === "report") {
  const args = process.argv.slice(3);
  if (!args.some((a) => a === "-o" || a === "--output" || a.startsWith("--output="))) {
    args.push("-o", join(root, "bench-out", `report-${new Date().toISOString().replace(/[:.]/g, "-")}`));
  }
  const r = spawnSync(bin, ["bench", "report", ...args], { cwd: root, stdio: "inherit", env: { ...process.env, PATH } });
  process.exit(r.status ?? 1);
}
const suites = { overhead, split: splitTime, seal, pf, cold: () => cold(process.argv.slice(3)), kbs };
if (suite === "all") {
  overhead();
  splitTime();
  seal();
  pf();
  cold([]);
  kbs();
} else if (suites[suite]) suites[suite]();
else {
  console.error(`unknown suite '${suite}' (overhead, split, seal, pf, cold, kbs, report)`);
  process.exit(2);
}
