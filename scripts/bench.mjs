#!/usr/bin/env node
// `npm run bench`: the overhead benchmark for the eight zoo models, each in its own process,
// then the split time and peak memory of vgg19. `npm run bench -- <suite>` runs one suite:
// overhead | split | seal.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist", "cli", "main.js");
const ZOO = ["alexnet", "mobilenet_v3_large", "mobilenet_v3_small", "resnet50", "resnet101", "squeezenet1_1", "vgg16", "vgg19"];
const runs = process.env.MSPLIT_BENCH_RUNS ?? "30";

function msplit(args, env = {}) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
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

if (!existsSync(cli)) {
  console.error("dist/ is missing: run `npm run build` first");
  process.exit(1);
}
const suite = process.argv[2] ?? "all";
const suites = { overhead, split: splitTime };
if (suite === "all") {
  overhead();
  splitTime();
} else if (suites[suite]) suites[suite]();
else {
  console.error(`unknown suite '${suite}' (overhead, split)`);
  process.exit(2);
}
