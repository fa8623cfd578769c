import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { encodeModel, loadModel } from "../../src/onnx/codec.js";
import { sealParts } from "../../src/runtime/bundle.js";
import { openPipeline } from "../../src/runtime/load.js";
import { readNpy } from "../../src/runtime/npy.js";
import { ORT_FORMAT_OPTIMIZATION } from "../../src/runtime/ort-format.js";
import { Pipeline } from "../../src/runtime/pipeline.js";
import type { SessionSettings } from "../../src/runtime/session.js";
import { toOrtTensor } from "../../src/runtime/tensors.js";
import { generateKey, loadKey } from "../../src/seal/index.js";
import { split } from "../../src/split/split.js";
import { expectCliFailure, fixturesDir, repoRoot, runCli, tempDir } from "../helpers/index.js";

const dir = tempDir();
const torch = join(fixturesDir, "torch");
const keyFile = join(dir.path, "model.key");
const bundle = join(dir.path, "bundle");

before(async () => {
  await generateKey(keyFile);
  const r = runCli(["split", join(torch, "squeezenet1_1.onnx"), "--parts", "5", "--seal", "--key", keyFile, "-o", bundle]);
  assert.equal(r.status, 0, r.stderr);
});
after(() => dir.cleanup());

function listTree(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const e of readdirSync(root, { withFileTypes: true, recursive: true })) {
    const p = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    out.push(`${p}:${e.isFile() ? statSync(p).size : "dir"}`);
  }
  return out.sort();
}

// squeezenet: a torch export; mobilenet_v3_tiny: Gemm layers, whose results change with weight packing.
for (const [name, onnx, npy] of [
  ["squeezenet1_1", join(torch, "squeezenet1_1.onnx"), join(torch, "squeezenet1_1.input.npy")],
  ["mobilenet_v3_tiny", join(fixturesDir, "graphs", "mobilenet_v3_tiny.onnx"), join(fixturesDir, "graphs", "mobilenet_v3_tiny.input.npy")],
] as const) {
  test(`${name}: sealed parts give exactly the plain chain's output, in every mode and part format`, async () => {
    const model = await loadModel(onnx);
    const input = toOrtTensor(await readNpy(npy));
    const result = await split(model, { parts: 5 });
    const inputName = result.plan.model.inputs[0]!.name;
    const outputName = result.plan.model.outputs[0]!.name;
    // The reference is the plain parts run the same way: same mode (resident runs the stitched
    // graph, which onnxruntime may fuse across former boundaries), same weight packing (off for
    // streamed and in-place ORT sessions), and for ORT-format parts the optimisation level they
    // were saved at (onnxruntime applies no more to an ORT-format model).
    const sources = () => result.parts.map((p, i) => ({ name: `part ${i}`, bytes: encodeModel(p) }));
    const plainRun = async (mode: "resident" | "chained" | "stream", settings: SessionSettings) => {
      const plain = await Pipeline.fromParts(sources(), { mode, plan: result.plan, intraOpThreads: 1, ...settings });
      const out = (await plain.run({ [inputName]: input }))[outputName]!.data as Float32Array;
      await plain.release();
      return Array.from(out);
    };
    const key = await loadKey({ kind: "file", path: keyFile });
    for (const partFormat of ["onnx", "ort"] as const) {
      const b = join(dir.path, `${name}-${partFormat}`);
      await sealParts(b, sources(), key, { plan: result.plan, partFormat });
      const modes = partFormat === "onnx" ? (["resident", "chained", "stream"] as const) : (["chained", "stream"] as const);
      for (const mode of modes) {
        for (const prepack of [true, false]) {
          const p = await openPipeline(b, { mode, key: { kind: "file", path: keyFile }, intraOpThreads: 1, prepack });
          const got = Array.from((await p.run({ [inputName]: input }))[outputName]!.data as Float32Array);
          await p.release();
          const packs = prepack && mode !== "stream" && partFormat === "onnx";
          const want = await plainRun(mode, { prepack: packs, ...(partFormat === "ort" && { optimization: ORT_FORMAT_OPTIMIZATION }) });
          assert.deepEqual(got, want, `${partFormat} parts, ${mode}, prepack ${prepack}: bit for bit`);
        }
      }
    }
  });
}

test("infer on a bundle writes nothing but its requested output (decryption in memory only)", () => {
  const tmp = join(dir.path, "tmpdir");
  const home = join(dir.path, "home");
  const out = join(dir.path, "out");
  mkdirSync(tmp);
  mkdirSync(home);
  mkdirSync(out);
  const bundleBefore = listTree(bundle);
  for (const extra of [[], ["--stream"], ["--mode", "chained"]]) {
    const result = join(out, "result.txt");
    const r = runCli(["infer", bundle, "--key", keyFile, "--image", join(repoRoot, "assets", "chelsea.jpg"), "-o", result, "--force", ...extra], { cwd: out, env: { TMPDIR: tmp, TMP: tmp, TEMP: tmp, HOME: home, ORT_DISABLE_TELEMETRY: undefined } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(out), ["result.txt"], `${extra.join(" ")}: only result.txt in the working directory`);
    assert.deepEqual(readdirSync(tmp), [], "nothing in the temporary directory");
    assert.deepEqual(listTree(home), [], "nothing in the home directory (onnxruntime's telemetry stays off)");
    assert.deepEqual(listTree(bundle), bundleBefore, "the bundle is unchanged");
    assert.equal(readFileSync(result, "utf8").trim().split("\n").length, 5);
  }
});

test("infer --profile reports every phase of a sealed cold run and changes nothing in the result", () => {
  const args = ["infer", bundle, "--key", keyFile, "--image", join(repoRoot, "assets", "chelsea.jpg"), "--threads", "1", "--json"];
  const plain = runCli(args);
  const profiled = runCli([...args, "--profile"]);
  assert.equal(profiled.status, 0, profiled.stderr);
  const want = JSON.parse(plain.stdout) as { top: unknown };
  const got = JSON.parse(profiled.stdout) as { top: unknown; profile: { name: string; wallMs: number; cpuMs: number | null; count: number }[] };
  assert.deepEqual(got.top, want.top);
  const names = got.profile.map((p) => p.name);
  for (const n of ["node start", "modules", "key", "open bundle", "read", "decrypt", "session", "preprocess", "first run", "result"])
    assert.ok(names.includes(n), `phase ${n} in ${names.join(", ")}`);
  // The run path leaves the manifest's SHA-256 to verify: the encryption authenticates every byte.
  assert.equal(names.includes("hash"), false, `no hash phase in ${names.join(", ")}`);
  for (const p of got.profile) assert.ok(p.wallMs >= 0 && p.count >= 1, JSON.stringify(p));
  assert.match(profiled.stderr, /^decrypt \(x\d+\)\s+[\d.]+\s+[\d.]+$/m, "a table on stderr");
  assert.equal(plain.stderr.includes("wall ms"), false, "no table without --profile");
});

test("bench warm times repeated runs of a bundle", () => {
  const r = runCli(["bench", "warm", bundle, "--key", keyFile, "--runs", "3", "--warmup", "1"]);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { runs: number; times_ms: number[]; median_ms: number; parts: number };
  assert.equal(j.runs, 3);
  assert.equal(j.times_ms.length, 3);
  assert.equal(j.parts, 5);
  assert.ok(j.median_ms > 0 && j.times_ms.includes(j.median_ms));
});

function expectBundleFailure(b: string, args: string[], code: RegExp) {
  const result = join(dir.path, "r.txt");
  expectCliFailure(["infer", b, "--image", join(repoRoot, "assets", "chelsea.jpg"), "-o", result, ...args], code, { outputs: [result] });
}

test("wrong key, wrong KEK, swapped, dropped, duplicated and truncated parts each fail clearly", async () => {
  const other = join(dir.path, "other.key");
  await generateKey(other);
  expectBundleFailure(bundle, ["--key", other], /ERR_KEY_MISMATCH/);
  const kek = join(dir.path, "kek.key");
  await generateKey(kek);
  const wrapped = join(dir.path, "wrapped.key");
  await generateKey(wrapped, { wrapWith: kek });
  expectBundleFailure(bundle, ["--key", wrapped, "--kek", other], /ERR_KEK_MISMATCH/);

  const parts = readdirSync(bundle).filter((f) => f !== "bundle.msplit").sort();
  const variant = (name: string, edit: (b: string) => void) => {
    const b = join(dir.path, name);
    cpSync(bundle, b, { recursive: true });
    edit(b);
    return b;
  };
  const swapped = variant("swapped", (b) => {
    renameSync(join(b, parts[0]!), join(b, "tmp"));
    renameSync(join(b, parts[1]!), join(b, parts[0]!));
    renameSync(join(b, "tmp"), join(b, parts[1]!));
  });
  expectBundleFailure(swapped, ["--key", keyFile], /ERR_BUNDLE_TAMPERED/);
  expectBundleFailure(variant("dropped", (b) => renameSync(join(b, parts[2]!), join(dir.path, "dropped-part"))), ["--key", keyFile], /ERR_BUNDLE_INCOMPLETE/);
  expectBundleFailure(variant("duplicated", (b) => cpSync(join(b, parts[0]!), join(b, parts[1]!))), ["--key", keyFile], /ERR_BUNDLE_TAMPERED/);
  expectBundleFailure(
    variant("truncated", (b) => {
      const f = join(b, parts[3]!);
      writeFileSync(f, readFileSync(f).subarray(0, statSync(f).size - 100));
    }),
    ["--key", keyFile],
    /ERR_BUNDLE_(TRUNCATED|TAMPERED)/,
  );
});

test("bit flips anywhere in a bundle stop inference with a bundle error, never a result", () => {
  const files = readdirSync(bundle).map((f) => join(bundle, f));
  const b = join(dir.path, "flip");
  cpSync(bundle, b, { recursive: true });
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  // A light sweep through the CLI (the library's own test flips >= 1000 bits).
  for (let trial = 0; trial < 8; trial++) {
    const src = files[trial % files.length]!;
    const target = join(b, src.slice(bundle.length + 1));
    const bytes = readFileSync(src);
    const pos = rand(bytes.length);
    const flipped = Buffer.from(bytes);
    flipped[pos]! ^= 1 << rand(8);
    writeFileSync(target, flipped);
    expectBundleFailure(b, ["--key", keyFile], /ERR_(BUNDLE_[A-Z]+|KEY_MISMATCH)/);
    writeFileSync(target, bytes);
  }
});
