import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { fixturesDir, runCli, tempDir } from "../helpers/index.js";
import { fuzzModels } from "../helpers/model-fuzz.js";

/**
 * Issue 7's fuzz test: mutants of two small models through inspect, split and run. Every command
 * ends with 0, 1 or 2; a failure prints exactly one clean `msplit: ERR_X: ...` line and leaves no
 * output; no signal, no hang, nothing from native code on stderr. Longer runs: `npm run fuzz:models`.
 */
const dir = tempDir("msplit-fuzz-");
after(() => dir.cleanup());
const graph = (name: string) => ({ name, path: join(fixturesDir, "graphs", `${name}.onnx`), input: join(fixturesDir, "graphs", `${name}.input.npy`) });
const models = [graph("two_heads"), graph("inception_tiny")];

test("300 mutated models through inspect, split and run: clean refusals only", async () => {
  const report = await fuzzModels({ models, count: 150, seed: 7, dir: join(dir.path, "a"), timeoutMs: 30_000 });
  assert.deepEqual(report.findings, [], JSON.stringify(report.findings.slice(0, 5), null, 2));
  assert.equal(report.mutants, 300);
  assert.equal(report.commands, 3 * 300);
  // The mutants reach past the decoder: some still run, and refusals come from several checks.
  assert.ok((report.outcomes.ok ?? 0) > 0, JSON.stringify(report.outcomes));
  assert.ok((report.outcomes.ERR_ONNX_INVALID ?? 0) > 0, JSON.stringify(report.outcomes));
  assert.ok(Object.keys(report.outcomes).length >= 3, JSON.stringify(report.outcomes));
});

test("the fuzzer's in-process commands end as the msplit binary does", async () => {
  const report = await fuzzModels({ models: [models[1]!], count: 8, seed: 11, dir: join(dir.path, "b"), workers: 1 });
  assert.equal(report.runs.length, 8);
  for (const { mutant, outcomes } of report.runs) {
    const inspect = outcomes[0]!;
    const r = runCli(["inspect", mutant, "--json"]);
    assert.equal(r.status, inspect.exitCode, `${mutant}: ${r.stderr}`);
    assert.deepEqual(r.stderr.split("\n").filter((l) => l.startsWith("msplit:")), inspect.errorLines);
  }
});
