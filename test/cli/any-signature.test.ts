import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { attr, GraphBuilder } from "../../src/onnx/builder.js";
import { encodeModel } from "../../src/onnx/codec.js";
import { create, DataType, OperatorSetIdProtoSchema } from "../../src/onnx/proto.js";
import { valueInfo } from "../../src/onnx/value-info.js";
import { encodeNpy, parseNpy } from "../../src/runtime/npy.js";
import { fixturesDir, runCli, tempDir } from "../helpers/index.js";

/**
 * The command line on a model with two inputs (float image with dynamic height and width, int64
 * ids) and three outputs (float logits, int64 labels, bool flags): split with --input-shape,
 * inspect by dim name, run with named inputs to a directory of outputs, verify every output.
 */
const dir = tempDir();
after(() => dir.cleanup());
const model = join(fixturesDir, "anymodel", "torch_int64_input.onnx");
const parts = join(dir.path, "parts");

function npy(name: string, dtype: "float32" | "int64", shape: number[], values: (i: number) => number): string {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === "int64" ? BigInt64Array.from({ length: n }, (_, i) => BigInt(values(i))) : Float32Array.from({ length: n }, (_, i) => values(i));
  const path = join(dir.path, name);
  writeFileSync(path, encodeNpy({ dtype, shape, data }));
  return path;
}

test("split --input-shape records the sizes in plan.json (version 2); inspect shows dynamic dims by name", () => {
  const s = runCli(["split", model, "--parts", "3", "--input-shape", "image=2,3,64,96", "-o", parts]);
  assert.equal(s.status, 0, s.stderr);
  const plan = JSON.parse(readFileSync(join(parts, "plan.json"), "utf8"));
  assert.equal(plan.version, 2);
  assert.deepEqual(plan.sizes, { batch: { value: 2, from: "input-shape" }, height: { value: 64, from: "input-shape" }, width: { value: 96, from: "input-shape" } });
  const live = plan.cuts.flatMap((c: { live: { shape: unknown[]; bytes: number }[] }) => c.live);
  assert.ok(live.some((t: { shape: unknown[] }) => t.shape.includes("floor((height + 1)/2)")), JSON.stringify(live.map((t: { shape: unknown }) => t.shape)));
  const conv = live.find((t: { shape: unknown[] }) => t.shape[2] === "floor((height + 1)/2)");
  assert.equal(conv.bytes, 2 * 8 * 32 * 48 * 4, "boundary bytes at the given sizes");

  const assumed = runCli(["split", model, "--parts", "2", "-o", join(dir.path, "assumed")]);
  assert.equal(assumed.status, 0, assumed.stderr);
  assert.match(assumed.stderr, /costs assume batch=1, height=224, width=224/);

  const im = runCli(["inspect", model]);
  assert.equal(im.status, 0, im.stderr);
  assert.match(im.stdout, /input {2}image float\[batch, 3, height, width\]/);
  assert.match(im.stdout, /-> \[batch, 8, floor\(\(height \+ 1\)\/2\), floor\(\(width \+ 1\)\/2\)\]/);
  const ip = runCli(["inspect", parts]);
  assert.equal(ip.status, 0, ip.stderr);
  assert.match(ip.stdout, /floor\(\(height \+ 1\)\/2\)/);
});

test("run takes one named .npy per input and writes every output, of its own dtype, into a directory", () => {
  const image = npy("image.npy", "float32", [2, 3, 40, 56], (i) => Math.sin(i));
  const ids = npy("ids.npy", "int64", [2], (i) => [4, 1][i]!);
  const outs: Record<string, Record<string, ReturnType<typeof parseNpy>>> = {};
  for (const [label, target, extra] of [["whole", model, []], ["chained", parts, ["--mode", "chained"]], ["stream", parts, ["--stream"]]] as const) {
    const out = join(dir.path, `out-${label}`);
    const r = runCli(["run", target, "--input", `image=${image}`, "--input", `class_id=${ids}`, "--output", out, ...extra]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), ["label.npy", "logits.npy", "positive.npy"]);
    outs[label] = Object.fromEntries(readdirSync(out).map((f) => [f, parseNpy(readFileSync(join(out, f)))]));
  }
  assert.equal(outs.whole!["label.npy"]!.dtype, "int64");
  assert.equal(outs.whole!["positive.npy"]!.dtype, "bool");
  assert.deepEqual(outs.whole!["logits.npy"]!.shape, [2, 9]);
  for (const label of ["chained", "stream"]) {
    for (const f of ["label.npy", "positive.npy"]) assert.deepEqual(Array.from(outs[label]![f]!.data as ArrayLike<unknown>), Array.from(outs.whole![f]!.data as ArrayLike<unknown>), `${label} ${f}`);
  }

  const missing = runCli(["run", parts, "--input", `image=${image}`, "--output", join(dir.path, "o1")]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^msplit: ERR_USAGE: no value for input 'class_id'/);
  const floatIds = npy("float-ids.npy", "float32", [2], () => 1);
  const wrongType = runCli(["run", parts, "--input", `image=${image}`, "--input", `class_id=${floatIds}`, "--output", join(dir.path, "o2")]);
  assert.equal(wrongType.status, 1);
  assert.match(wrongType.stderr, /^msplit: ERR_NPY_INVALID: .*float-ids\.npy holds float32, but input 'class_id' takes int64/);
  const bare = runCli(["run", parts, "--input", image, "--output", join(dir.path, "o3")]);
  assert.equal(bare.status, 2);
  assert.match(bare.stderr, /the model has 2 inputs \(image, class_id\); write --input <name>=<value>/);
});

test("verify compares every output (integers and bools exactly) on random inputs at the plan's sizes or --shape", () => {
  const v = runCli(["verify", model, parts]);
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stderr, /input image: float32\[2, 3, 64, 96\] \(random\)/);
  assert.match(v.stderr, /input class_id: int64\[2\] \(random\)/);
  assert.match(v.stderr, /chained label: identical \(int64, compared exactly\)/);
  assert.match(v.stderr, /chained positive: identical \(bool, compared exactly\)/);
  const shaped = runCli(["verify", model, parts, "--shape", "image=3,3,33,47", "--json"]);
  assert.equal(shaped.status, 0, shaped.stderr);
  const report = JSON.parse(shaped.stdout);
  assert.deepEqual(report.inputs.map((i: { shape: number[] }) => i.shape), [[3, 3, 33, 47], [3]], "the batch given for image is the batch of class_id too");
  assert.deepEqual(Object.keys(report.modes.resident).sort(), ["label", "logits", "positive"]);

  // Without a plan and without --shape there is no size for height and width: the error names them.
  rmSync(join(parts, "plan.json"));
  const unsized = runCli(["verify", model, parts]);
  assert.equal(unsized.status, 2);
  assert.match(unsized.stderr, /^msplit: ERR_USAGE: cannot choose sizes for 'image' \[batch, 3, height, width\]: height, width: give --shape/);
});

test("split measures a tensor no rule derives despite a stale value_info, and onnxruntime does not warn on the terminal", () => {
  const b = new GraphBuilder("stale");
  const x = b.input("x", DataType.FLOAT, ["N", 4, "H", "W"]);
  const g = b.node("Gelu", [b.op("Relu", [x])], [], { domain: "com.microsoft", outputs: ["g"] })[0]!;
  const pooled = b.op("MaxPool", [g], [attr.ints("kernel_shape", [2, 2]), attr.ints("strides", [2, 2])]);
  b.output(b.op("Relu", [pooled], [], "out"), DataType.FLOAT, [1, 4, 1, 1]);
  const m = b.build();
  m.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: "com.microsoft", version: 1n }));
  // What an exporter that traced one input size writes: the map declared at its pooled size.
  m.graph!.valueInfo.push(valueInfo("g", DataType.FLOAT, [1, 4, 1, 1]));
  const file = join(dir.path, "stale.onnx");
  writeFileSync(file, encodeModel(m));
  const s = runCli(["split", file, "--parts", "2", "--cuts", "g", "--input-shape", "x=1,4,20,30", "-o", join(dir.path, "stale-parts")]);
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stderr, /measured 'g' with onnxruntime/);
  assert.doesNotMatch(s.stderr, /\[[WE]:onnxruntime/, "onnxruntime's own log lines");
  const plan = JSON.parse(readFileSync(join(dir.path, "stale-parts", "plan.json"), "utf8"));
  assert.deepEqual(plan.cuts[0].live[0].shape, ["N", 4, "H", "W"]);
});
