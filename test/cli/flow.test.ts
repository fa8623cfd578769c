import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { parseNpy } from "../../src/runtime/npy.js";
import { compareOutputs } from "../../src/runtime/tensors.js";
import { fixturesDir, repoRoot, runCli, tempDir } from "../helpers/index.js";

const dir = tempDir();
after(() => dir.cleanup());
const fixture = (f: string) => join(fixturesDir, "torch", f);

test("split -> inspect -> run -> verify -> infer on a PyTorch export", () => {
  const parts = join(dir.path, "parts");
  const s = runCli(["split", fixture("squeezenet1_1.onnx"), "--parts", "5", "--balance", "params", "-o", parts]);
  assert.equal(s.status, 0, s.stderr);
  assert.deepEqual(readdirSync(parts).sort(), ["part-00.onnx", "part-01.onnx", "part-02.onnx", "part-03.onnx", "part-04.onnx", "plan.json"]);
  const plan = JSON.parse(readFileSync(join(parts, "plan.json"), "utf8"));
  assert.equal(plan.format, "msplit-plan");
  assert.equal(plan.balance, "params");
  assert.equal(plan.parts.length, 5);
  assert.equal(plan.cuts.length, 4);

  const i = runCli(["inspect", parts, "--json"]);
  assert.equal(i.status, 0, i.stderr);
  assert.equal(JSON.parse(i.stdout).parts.length, 5);
  const im = runCli(["inspect", fixture("squeezenet1_1.onnx")]);
  assert.equal(im.status, 0, im.stderr);
  assert.match(im.stdout, /Conv/);

  for (const mode of ["resident", "chained"]) {
    const out = join(dir.path, `out-${mode}.npy`);
    const r = runCli(["run", parts, "--input", fixture("squeezenet1_1.input.npy"), "--output", out, "--mode", mode]);
    assert.equal(r.status, 0, r.stderr);
    const got = parseNpy(readFileSync(out));
    const want = parseNpy(readFileSync(fixture("squeezenet1_1.logits.npy")));
    assert.deepEqual(got.shape, want.shape);
    assert.ok(compareOutputs(want.data, got.data).relative <= 1e-4);
  }

  const v = runCli(["verify", fixture("squeezenet1_1.onnx"), parts, "--json"]);
  assert.equal(v.status, 0, v.stderr);
  const report = JSON.parse(v.stdout);
  assert.equal(report.ok, true);
  assert.ok(report.modes.chained.logits.relative <= 1e-4 && report.modes.resident.logits.relative <= 1e-4);
  assert.ok(report.worst <= 1e-4);

  const result = join(dir.path, "result.txt");
  const inf = runCli(["infer", parts, "--image", join(repoRoot, "assets", "chelsea.jpg"), "-o", result, "--json"]);
  assert.equal(inf.status, 0, inf.stderr);
  const j = JSON.parse(inf.stdout);
  assert.equal(j.top.length, 5);
  const lines = readFileSync(result, "utf8").trim().split("\n");
  assert.equal(lines.length, 5);
  assert.match(lines[0]!, /^\('.+', \d+(\.\d+)?(e-?\d+)?\)$/);
  assert.equal(lines[0], `('${j.top[0].label}', ${j.top[0].percent})`);
});

test("explicit cuts are honoured", () => {
  const parts = join(dir.path, "cut");
  // Tensor names from the PyTorch export: cut after two fire modules' outputs.
  const cuts = ["/features/features.3/Concat_output_0", "/features/features.7/Concat_output_0"];
  const s = runCli(["split", fixture("squeezenet1_1.onnx"), "--cuts", cuts.join(","), "-o", parts]);
  assert.equal(s.status, 0, s.stderr);
  const plan = JSON.parse(readFileSync(join(parts, "plan.json"), "utf8"));
  assert.equal(plan.parts.length, 3);
  assert.deepEqual(plan.parts[0].outputs.map((o: { name: string }) => o.name), [cuts[0]]);
  assert.deepEqual(plan.parts[1].inputs.map((o: { name: string }) => o.name), [cuts[0]]);
  assert.deepEqual(plan.parts[1].outputs.map((o: { name: string }) => o.name), [cuts[1]]);
  const mismatch = runCli(["split", fixture("squeezenet1_1.onnx"), "--cuts", cuts.join(","), "--parts", "4", "-o", join(dir.path, "x")]);
  assert.equal(mismatch.status, 2);
  assert.ok(!existsSync(join(dir.path, "x")));
});

test("zoo writes a model with torchvision-named weights and the help texts exist", () => {
  const out = join(dir.path, "sq.onnx");
  const z = runCli(["zoo", "squeezenet1_1", "--seed", "3", "-o", out]);
  assert.equal(z.status, 0, z.stderr);
  assert.ok(existsSync(out));
  for (const cmd of ["zoo", "split", "run", "infer", "inspect", "verify", "bench"]) {
    const h = runCli([cmd, "--help"]);
    assert.equal(h.status, 0, `${cmd} --help`);
    assert.match(h.stdout, /Usage: msplit/);
  }
});

test("split --max-part-mib --seal, then run --stream: bounded parts give PyTorch's logits", async () => {
  const key = join(dir.path, "stream.key");
  assert.equal(runCli(["keygen", "-o", key]).status, 0);
  const bundle = join(dir.path, "stream-bundle");
  const s = runCli(["split", fixture("squeezenet1_1.onnx"), "--parts", "6", "--max-part-mib", "1", "--seal", "--key", key, "-o", bundle]);
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stderr, /sliced .* into \d+ slices/);
  const out = join(dir.path, "stream-out.npy");
  const r = runCli(["run", bundle, "--key", key, "--stream", "--input", fixture("squeezenet1_1.input.npy"), "--output", out]);
  assert.equal(r.status, 0, r.stderr);
  const got = parseNpy(readFileSync(out));
  const want = parseNpy(readFileSync(fixture("squeezenet1_1.logits.npy")));
  assert.ok(compareOutputs(want.data, got.data).relative <= 1e-4);
  const bad = runCli(["split", fixture("squeezenet1_1.onnx"), "--parts", "2", "--max-part-mib", "1", "-o", join(dir.path, "too-few")]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr.trim(), /^msplit: ERR_SPLIT_INVALID_PARTS: .*at least \d+ parts/);
});
