// `npm run fuzz:models [-- --count N --seed S --workers W --models two_heads,inception_tiny,squeezenet1_1]`:
// N mutants of each model through msplit inspect, split and run (test/helpers/model-fuzz.ts). Prints
// the outcome counts and every finding (a signal, a hang, an exit code other than 0/1/2, a failure
// that is not one clean `msplit: ERR_X:` line or that leaves output behind, ERR_INTERNAL).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fuzzModels, type FuzzModel } from "../test/helpers/model-fuzz.js";

const fixtures = join(import.meta.dirname, "..", "test", "fixtures");
const known: Record<string, FuzzModel> = {
  two_heads: { name: "two_heads", path: join(fixtures, "graphs", "two_heads.onnx"), input: join(fixtures, "graphs", "two_heads.input.npy") },
  inception_tiny: { name: "inception_tiny", path: join(fixtures, "graphs", "inception_tiny.onnx"), input: join(fixtures, "graphs", "inception_tiny.input.npy") },
  squeezenet1_1: { name: "squeezenet1_1", path: join(fixtures, "torch", "squeezenet1_1.onnx"), input: join(fixtures, "torch", "squeezenet1_1.input.npy") },
};
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const models = arg("--models", "two_heads,inception_tiny,squeezenet1_1").split(",").map((n) => {
  const m = known[n];
  if (!m) throw new Error(`unknown model ${n}; known: ${Object.keys(known).join(", ")}`);
  return m;
});
const count = Number(arg("--count", "1000"));
const seed = Number(arg("--seed", "1"));
const dir = mkdtempSync(join(tmpdir(), "msplit-fuzz-"));
const t0 = performance.now();
try {
  const report = await fuzzModels({ models, count, seed, dir, workers: Number(arg("--workers", "2")), timeoutMs: Number(arg("--timeout-ms", "60000")) });
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${report.mutants} mutants (${models.map((m) => m.name).join(", ")}; seed ${seed}), ${report.commands} commands in ${seconds.toFixed(0)} s`);
  for (const [code, n] of Object.entries(report.outcomes).sort((a, b) => b[1] - a[1])) console.log(`  ${code.padEnd(28)} ${n}`);
  console.log(`${report.findings.length} findings`);
  for (const f of report.findings) console.log(`  FINDING ${f.how}: ${f.problem}`);
  process.exitCode = report.findings.length === 0 ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
