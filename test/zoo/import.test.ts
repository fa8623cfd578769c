import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { encodeModel } from "../../src/onnx/codec.js";
import { Pipeline } from "../../src/runtime/pipeline.js";
import { readNpy } from "../../src/runtime/npy.js";
import { compareOutputs, toOrtTensor } from "../../src/runtime/tensors.js";
import { importTorchWeights } from "../../src/zoo/index.js";
import { fixturesDir, runCli, tempDir } from "../helpers/index.js";

const torchDir = join(fixturesDir, "torch");
const dir = tempDir();
after(() => dir.cleanup());

/** Checkpoints with PyTorch's logits on squeezenet1_1.input.npy (mobilenet's weights are float16: see test/fixtures/torch/README.md). */
const checkpoints = [
  { arch: "squeezenet1_1", file: "squeezenet1_1.pth", kind: "state_dict", logits: "squeezenet1_1.logits.npy" },
  { arch: "squeezenet1_1", file: "squeezenet1_1.pt", kind: "module", logits: "squeezenet1_1.logits.npy" },
  { arch: "mobilenet_v3_small", file: "mobilenet_v3_small.half.pt", kind: "module", logits: "mobilenet_v3_small.half.logits.npy" },
];

for (const { arch: name, file, kind, logits } of checkpoints) {
  test(`${file} imported into the zoo reproduces PyTorch's logits`, async () => {
    const { model, arch, checkpoint } = await importTorchWeights(join(torchDir, file));
    assert.equal(arch, name);
    assert.equal(checkpoint.kind, kind);
    const input = await readNpy(join(torchDir, "squeezenet1_1.input.npy"));
    const want = await readNpy(join(torchDir, logits));
    const p = await Pipeline.fromParts([{ name, bytes: encodeModel(model) }], { intraOpThreads: 1 });
    try {
      const got = (await p.run({ input: toOrtTensor(input) })).logits!;
      assert.deepEqual([...got.dims], want.shape);
      const d = compareOutputs(want.data, got.data as Float32Array);
      assert.ok(d.relative <= 1e-4, `relative difference ${d.relative}`);
    } finally {
      await p.release();
    }
  });
}

test("msplit import and zoo --weights write the model; a wrong architecture is refused", () => {
  const out = join(dir.path, "m.onnx");
  const r = runCli(["import", join(torchDir, "squeezenet1_1.pt"), "-o", out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /squeezenet1_1/);
  const out2 = join(dir.path, "m2.onnx");
  const z = runCli(["zoo", "mobilenet_v3_small", "--weights", join(torchDir, "mobilenet_v3_small.half.pt"), "-o", out2]);
  assert.equal(z.status, 0, z.stderr);
  const bad = join(dir.path, "bad.onnx");
  const w = runCli(["zoo", "alexnet", "--weights", join(torchDir, "squeezenet1_1.pth"), "-o", bad]);
  assert.equal(w.status, 1);
  assert.match(w.stderr.trim(), /^msplit: ERR_WEIGHTS_MISMATCH: [^\n]*missing/);
  const m = runCli(["import", join(torchDir, "squeezenet1_1.pt"), "--arch", "resnet50", "-o", bad]);
  assert.equal(m.status, 1);
  assert.match(m.stderr.trim(), /^msplit: ERR_WEIGHTS_MISMATCH: .*SqueezeNet/);
  assert.ok(!existsSync(bad));
});

test("hostile pickles are refused by the CLI before anything is written", () => {
  const out = join(dir.path, "evil.onnx");
  for (const f of ["os_system.pt", "builtins_eval.pt", "subprocess_popen.pt"]) {
    const r = runCli(["import", join(fixturesDir, "torch-hostile", f), "-o", out]);
    assert.equal(r.status, 1, f);
    assert.match(r.stderr.trim(), /^msplit: ERR_UNSAFE_PICKLE: [^\n]+$/, f);
    assert.ok(!existsSync(out));
  }
});
