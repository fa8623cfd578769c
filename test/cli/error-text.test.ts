import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { attr } from "../../src/onnx/builder.js";
import { decodeModel, encodeModel } from "../../src/onnx/codec.js";
import { floatTensor } from "../../src/onnx/tensor.js";
import { expectCliFailure, fixturesDir, runCli, tempDir } from "../helpers/index.js";

/**
 * Error text is one safe line (issue 7, defect 4): names from a model are escaped and capped,
 * onnxruntime's logger is quiet unless --verbose, --debug adds frames, an enclave gets codes only.
 */
const dir = tempDir();
const p = (name: string) => join(dir.path, name);
const squeezenet = readFileSync(join(fixturesDir, "torch", "squeezenet1_1.onnx"));
const npy = join(fixturesDir, "torch", "squeezenet1_1.input.npy");
const HOSTILE = "evil\n\u001b[2J\u001b[31mmsplit: ok: forged line\r\u0007\u009b31m\u202e" + "x".repeat(5000);

before(() => {
  // A model whose broken node carries a hostile name: refused by the attribute checks.
  const m = decodeModel(Buffer.from(squeezenet));
  const conv = m.graph!.node.find((n) => n.opType === "Conv")!;
  conv.name = HOSTILE;
  conv.attribute = conv.attribute.filter((a) => a.name !== "strides").concat(attr.ints("strides", [0, 0]));
  writeFileSync(p("hostile-attr.onnx"), encodeModel(m));
  // The same name in a graph error that msplit's graph analysis raises (a tensor defined twice).
  const m2 = decodeModel(Buffer.from(squeezenet));
  const [a, b] = m2.graph!.node.filter((n) => n.opType === "Relu");
  a!.output[0] = HOSTILE;
  b!.output[0] = HOSTILE;
  writeFileSync(p("hostile-graph.onnx"), encodeModel(m2));
  // A valid model with hostile node names, for inspect's text output.
  const m3 = decodeModel(Buffer.from(squeezenet));
  m3.graph!.node.forEach((n) => (n.name = HOSTILE));
  writeFileSync(p("hostile-names.onnx"), encodeModel(m3));
  // A model onnxruntime warns about (an unused initializer) but runs.
  const m4 = decodeModel(Buffer.from(squeezenet));
  m4.graph!.initializer.push(floatTensor("unused_weight", [3], new Float32Array(3)));
  writeFileSync(p("warns.onnx"), encodeModel(m4));
});
after(() => dir.cleanup());

function assertSafe(text: string): void {
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, "no control character reaches the terminal");
}

test("a hostile node name in an attribute error: one escaped, capped line", () => {
  const r = expectCliFailure(["inspect", p("hostile-attr.onnx")], "ERR_ONNX_INVALID");
  assertSafe(r.stderr);
  assert.match(r.stderr, /evil\\n\\u001b\[2J/);
  assert.ok(r.stderr.length < 600, `capped, got ${r.stderr.length} characters`);
  assert.doesNotMatch(r.stderr, /^msplit: ok/m);
});

test("a hostile tensor name in any other error is escaped too (in the error class itself)", () => {
  const r = expectCliFailure(["split", p("hostile-graph.onnx"), "-o", p("parts")], "ERR_ONNX_INVALID", { outputs: [p("parts")] });
  assertSafe(r.stderr);
  assert.ok(r.stderr.length < 2200, `capped, got ${r.stderr.length} characters`);
});

test("inspect's text output escapes names from the model", () => {
  const r = runCli(["inspect", p("hostile-names.onnx")]);
  assert.equal(r.status, 0, r.stderr);
  assertSafe(r.stdout);
  const nodes = decodeModel(Buffer.from(squeezenet)).graph!.node.length;
  assert.equal(r.stdout.trim().split("\n").length, 1 + 1 + 1 + nodes, "one line per node, no line forged");
  const j = runCli(["inspect", p("hostile-names.onnx"), "--json"]);
  assertSafe(j.stdout);
  assert.equal(JSON.parse(j.stdout).nodes[0].name, HOSTILE, "JSON keeps the name exact");
});

test("onnxruntime's own logger is silent by default; --verbose shows it", () => {
  const quiet = runCli(["run", p("warns.onnx"), "--input", npy, "--output", p("q.npy")]);
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /onnxruntime/);
  // Only msplit's own report: what it wrote, and how it ran.
  assert.ok(quiet.stderr.trim().split("\n").every((l) => /^(wrote |\()/.test(l)), quiet.stderr);
  const loud = runCli(["--verbose", "run", p("warns.onnx"), "--input", npy, "--output", p("v.npy")]);
  assert.equal(loud.status, 0, loud.stderr);
  assert.match(loud.stderr, /\[W:onnxruntime:.*unused_weight/);
});

test("--debug adds the stack's frames after the one line, themselves escaped", () => {
  const r = runCli(["inspect", p("hostile-attr.onnx"), "--debug"]);
  assert.equal(r.status, 1);
  const [first, ...rest] = r.stderr.trim().split("\n");
  assert.match(first!, /^msplit: ERR_ONNX_INVALID: /);
  assert.ok(rest.length > 0 && rest.every((l) => /^\s+at /.test(l)), r.stderr);
  assertSafe(r.stderr);
});

test("inside an enclave an error prints its code only", () => {
  // The plain model sits in the directory named as the enclave's encrypted mount, so it is admitted.
  for (const env of [{ MSPLIT_ENCLAVE: "1", MSPLIT_ENCRYPTED_MOUNT: dir.path }]) {
    const r = runCli(["inspect", p("hostile-attr.onnx"), "--debug"], { env });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "msplit: ERR_ONNX_INVALID\n");
    const u = runCli(["inspect", "--bogus"], { env });
    assert.equal(u.status, 2);
    assert.equal(u.stderr, "msplit: ERR_USAGE\n");
  }
});
