import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { expectCliFailure, fixturesDir, runCli, tempDir } from "../helpers/index.js";

/** Bad input: one line on stderr with a stable code, a non-zero exit, nothing left behind. */
const dir = tempDir();
const model = join(fixturesDir, "torch", "squeezenet1_1.onnx");

before(() => {
  writeFileSync(join(dir.path, "not-onnx.onnx"), "this is not a model\n");
  const bytes = readFileSync(model);
  writeFileSync(join(dir.path, "truncated.onnx"), bytes.subarray(0, bytes.length >> 1));
});
after(() => dir.cleanup());

function expectFailure(args: string[], code: string, exit: number) {
  const out = join(dir.path, "out");
  expectCliFailure([...args, "-o", out], code, { exit, outputs: [out] });
  assert.deepEqual(readdirSync(dir.path).filter((f) => f.startsWith(".")), [], "no temporary files left behind");
}

test("a non-ONNX file", () => expectFailure(["split", join(dir.path, "not-onnx.onnx")], "ERR_ONNX_INVALID", 1));
test("a truncated model", () => expectFailure(["split", join(dir.path, "truncated.onnx")], "ERR_ONNX_INVALID", 1));
test("a missing file", () => expectFailure(["split", join(dir.path, "nope.onnx")], "ERR_IO", 1));
test("--parts 0", () => expectFailure(["split", model, "--parts", "0"], "ERR_SPLIT_INVALID_PARTS", 2));
test("--parts 100000", () => expectFailure(["split", model, "--parts", "100000"], "ERR_SPLIT_INVALID_PARTS", 2));
test("--parts not a number", () => expectFailure(["split", model, "--parts", "many"], "ERR_USAGE", 2));
test("an invalid cut", () => expectFailure(["split", model, "--cuts", "no_such_tensor"], "ERR_SPLIT_INVALID_CUT", 2));
test("a cut on a weight", () => expectFailure(["split", model, "--cuts", "features.0.weight"], "ERR_SPLIT_INVALID_CUT", 2));
test("an unknown zoo model", () => expectFailure(["zoo", "resnet9000"], "ERR_ZOO_UNKNOWN_MODEL", 2));
test("an unknown option", () => expectFailure(["split", model, "--bogus"], "ERR_USAGE", 2));
test("an unknown balance", () => expectFailure(["split", model, "--balance", "vibes"], "ERR_USAGE", 2));

test("split refuses a non-empty output directory and leaves it alone", () => {
  const out = join(dir.path, "occupied");
  const r1 = runCli(["split", model, "--parts", "2", "-o", out]);
  assert.equal(r1.status, 0, r1.stderr);
  const before = readdirSync(out).sort();
  const r2 = runCli(["split", model, "--parts", "3", "-o", out]);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /^msplit: ERR_OUTPUT_EXISTS: /);
  assert.deepEqual(readdirSync(out).sort(), before);
});

test("infer on a file that is not an image", () => {
  const r = runCli(["infer", model, "--image", join(dir.path, "not-onnx.onnx")]);
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^msplit: ERR_IMAGE_INVALID: [^\n]+$/);
});

test("run with a malformed .npy", () => {
  const r = runCli(["run", model, "--input", join(dir.path, "not-onnx.onnx"), "--output", join(dir.path, "o.npy")]);
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^msplit: ERR_NPY_INVALID: [^\n]+$/);
  assert.ok(!existsSync(join(dir.path, "o.npy")));
});
