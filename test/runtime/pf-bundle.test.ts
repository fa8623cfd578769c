import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cpSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { encodeModel, loadModel } from "../../src/onnx/codec.js";
import { admitSource } from "../../src/runtime/admit.js";
import { openPipeline, readSources } from "../../src/runtime/load.js";
import { openPfParts, sealPartsPf } from "../../src/runtime/pf-bundle.js";
import { readNpy } from "../../src/runtime/npy.js";
import { Pipeline } from "../../src/runtime/pipeline.js";
import { toOrtTensor } from "../../src/runtime/tensors.js";
import { readProtectedFile } from "../../src/seal/gramine-pf/index.js";
import { split } from "../../src/split/split.js";
import { fixturesDir, rejectsWith, tempDir } from "../helpers/index.js";

/** Gramine-PF bundles: parts and plan.json as protected files for an encrypted mount. */
const dir = tempDir("msplit-pfb-");
const torch = join(fixturesDir, "torch");
const wrapKey = randomBytes(16);
const wrapKeyFile = join(dir.path, "wrap.key");
const bundle = join(dir.path, "models", "sq");
let plainBytes: Uint8Array[];
let expected: Float32Array;
let input: ReturnType<typeof toOrtTensor>;

before(async () => {
  writeFileSync(wrapKeyFile, wrapKey, { mode: 0o600 });
  const model = await loadModel(join(torch, "squeezenet1_1.onnx"));
  input = toOrtTensor(await readNpy(join(torch, "squeezenet1_1.input.npy")));
  const result = await split(model, { parts: 4 });
  plainBytes = result.parts.map((p) => encodeModel(p));
  const whole = await Pipeline.fromParts([{ name: "whole", bytes: encodeModel(model) }], { intraOpThreads: 1 });
  try {
    expected = (await whole.run({ input }))["logits"]!.data as Float32Array;
  } finally {
    await whole.release();
  }
  await sealPartsPf(bundle, plainBytes.map((bytes, i) => ({ name: `p${i}`, bytes })), wrapKey, { plan: result.plan, mountPath: "models/sq" });
});
after(() => dir.cleanup());

test("every file is a protected file bound to <mount path>/<its name>; names are random, order only in plan.json", async () => {
  const files = readdirSync(bundle).sort();
  assert.equal(files.length, 5);
  assert.ok(files.includes("plan.json"));
  for (const f of files) {
    if (f !== "plan.json") assert.match(f, /^[0-9a-f]{32}$/);
    const { pf } = await readProtectedFile(join(bundle, f), wrapKey, `models/sq/${f}`);
    assert.equal(pf.version, 1);
  }
  const opened = await openPfParts(bundle, wrapKey);
  assert.equal(opened.mountPath, "models/sq");
  assert.deepEqual(opened.sources.map((s) => Buffer.from(s.bytes)), plainBytes.map((b) => Buffer.from(b)));
  assert.ok(opened.sources.every((s) => s.sensitive));
});

test("the runtime recognises the directory and runs it with the wrap key: the whole model's logits", async () => {
  const { kind, sources } = await readSources(bundle, undefined, { wrapKey: wrapKeyFile });
  assert.equal(kind, "gramine-pf");
  assert.equal(sources.length, 4);
  for (const mode of ["resident", "chained", "stream"] as const) {
    const p = await openPipeline(bundle, { wrapKey: wrapKeyFile, mode, intraOpThreads: 1 });
    try {
      assert.deepEqual((await p.run({ input }))["logits"]!.data, expected, mode);
    } finally {
      await p.release();
    }
  }
});

test("a wrap key admits only encrypted input; a Gramine-PF bundle counts as sealed", async () => {
  assert.equal(await admitSource(bundle, { requireSealed: true }), "gramine-pf");
  const plain = join(dir.path, "plain");
  await rejectsWith(readSources(join(torch, "squeezenet1_1.onnx"), undefined, { wrapKey: wrapKeyFile }), "ERR_UNSEALED_MODEL");
  cpSync(bundle, plain, { recursive: true });
  writeFileSync(join(plain, "plan.json"), "{}");
  await rejectsWith(readSources(plain, undefined, { wrapKey: wrapKeyFile }), "ERR_UNSEALED_PARTS");
  await rejectsWith(readSources(bundle), "ERR_USAGE", /--wrap-key/);
});

test("swapped part files, a wrong key, a missing part: each refused", async () => {
  const copy = join(dir.path, "models", "swapped");
  cpSync(bundle, copy, { recursive: true });
  const parts = readdirSync(copy).filter((f) => f !== "plan.json");
  renameSync(join(copy, parts[0]!), join(copy, "tmp"));
  renameSync(join(copy, parts[1]!), join(copy, parts[0]!));
  renameSync(join(copy, "tmp"), join(copy, parts[1]!));
  await rejectsWith(openPfParts(copy, wrapKey), "ERR_PF_PATH_MISMATCH");
  await rejectsWith(openPfParts(bundle, randomBytes(16)), "ERR_PF_KEY_MISMATCH");
  const missing = join(dir.path, "models", "missing");
  cpSync(bundle, missing, { recursive: true });
  writeFileSync(join(missing, parts[2]!), readFileSync(join(bundle, parts[2]!)).subarray(0, 4096));
  await rejectsWith(openPfParts(missing, wrapKey), "ERR_PF_TRUNCATED");
});

test("a moved bundle still opens (its mount path comes from plan.json), unless another mount path is demanded", async () => {
  const moved = join(dir.path, "elsewhere");
  cpSync(bundle, moved, { recursive: true });
  assert.equal((await openPfParts(moved, wrapKey)).mountPath, "models/sq");
  await rejectsWith(openPfParts(moved, wrapKey, { mountPath: "elsewhere" }), "ERR_PF_PATH_MISMATCH");
});

test("sealing needs the plan and refuses an occupied output", async () => {
  await rejectsWith(sealPartsPf(join(dir.path, "noplan"), [{ name: "a", bytes: plainBytes[0]! }], wrapKey), "ERR_USAGE", /plan\.json/);
  const all = plainBytes.map((bytes, i) => ({ name: `p${i}`, bytes }));
  const { plan } = await openPfParts(bundle, wrapKey);
  await rejectsWith(sealPartsPf(join(dir.path, "short"), all.slice(1), wrapKey, { plan }), "ERR_PARTS_MISMATCH");
  await rejectsWith(sealPartsPf(bundle, all, wrapKey, { plan }), "ERR_OUTPUT_EXISTS");
});
