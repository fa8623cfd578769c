import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { openPipeline } from "../../src/runtime/load.js";
import { ORT_FORMAT_OPTIMIZATION } from "../../src/runtime/ort-format.js";
import { readNpy } from "../../src/runtime/npy.js";
import { compareOutputs, toOrtTensor } from "../../src/runtime/tensors.js";
import { openBundle } from "../../src/seal/index.js";
import { readPartsDir } from "../../src/split/files.js";
import { fixturesDir, tempDir } from "../helpers/index.js";

/**
 * Frozen known-answer vectors (test/fixtures/formats/README.md), as age's testkit: a bundle sealed
 * by format version 1 and the plain parts with their plan.json, committed once. Any change to the
 * KDF labels, nonce layout, header fields, manifest or plan schema that breaks them fails here;
 * a deliberate format change is a new version, and these must still open.
 */
const formats = join(fixturesDir, "formats");
const expected = JSON.parse(readFileSync(join(formats, "bundle-v1.expected.json"), "utf8")) as {
  keyHex: string;
  bundleId: string;
  parts: { index: number; file: string; size: number; sha256: string; plainFile: string }[];
};
const key = Buffer.from(expected.keyHex, "hex");
const dir = tempDir();
after(() => dir.cleanup());
const keyFile = join(dir.path, "vector.key");
writeFileSync(keyFile, key, { mode: 0o600 });

const graphs = join(fixturesDir, "graphs");
const input = () => readNpy(join(graphs, "two_heads.input.npy")).then(toOrtTensor);
const torchOutputs = () => Promise.all(["out0", "out1"].map((o) => readNpy(join(graphs, `two_heads.${o}.npy`))));

test("the frozen version-1 bundle opens to the expected plaintext parts", async () => {
  const bundle = await openBundle(join(formats, "bundle-v1"), key, { expectId: expected.bundleId });
  try {
    assert.equal(bundle.id, expected.bundleId);
    assert.equal(bundle.partCount, expected.parts.length);
    for (const p of expected.parts) {
      assert.equal(bundle.manifest.parts[p.index]!.file, p.file);
      const plain = await bundle.readPart(p.index);
      assert.equal(plain.length, p.size);
      assert.equal(createHash("sha256").update(plain).digest("hex"), p.sha256, `part ${p.index}`);
      assert.ok(plain.equals(readFileSync(join(formats, "parts-v1", p.plainFile))), `part ${p.index} equals the frozen plain part`);
    }
    assert.deepEqual(bundle.manifest.plan, JSON.parse(readFileSync(join(formats, "parts-v1", "plan.json"), "utf8")));
  } finally {
    bundle.close();
  }
});

test("the frozen bundle and the frozen plan.json run and compute PyTorch's outputs", async () => {
  const want = await torchOutputs();
  for (const [what, path, key] of [
    ["bundle", join(formats, "bundle-v1"), { kind: "file" as const, path: keyFile }],
    ["parts", join(formats, "parts-v1"), undefined],
  ] as const) {
    for (const mode of ["resident", "chained", "stream"] as const) {
      const p = await openPipeline(path, { mode, key, intraOpThreads: 1 });
      try {
        const out = await p.run({ input: await input() });
        ["out0", "out1"].forEach((name, k) => {
          const d = compareOutputs(want[k]!.data, out[name]!.data as Float32Array);
          assert.ok(d.relative <= 1e-4, `${what} ${mode} ${name}: relative difference ${d.relative}`);
        });
      } finally {
        await p.release();
      }
    }
  }
});

test("the frozen plan.json parses as version 1 and names the parts in order", async () => {
  const { plan, parts } = await readPartsDir(join(formats, "parts-v1"));
  assert.ok(plan);
  assert.equal(plan.version, 1);
  assert.deepEqual(parts.map((p) => p.name), expected.parts.map((p) => p.plainFile));
});

test("the frozen bundle refuses another key before decrypting anything", async () => {
  const other = Buffer.from(key);
  other[0]! ^= 1;
  await assert.rejects(openBundle(join(formats, "bundle-v1"), other), { code: "ERR_KEY_MISMATCH" });
});

const ortExpected = JSON.parse(readFileSync(join(formats, "bundle-v1-ort.expected.json"), "utf8")) as typeof expected & { partFormat: string };

test("the frozen ORT-format bundle (onnxruntime 1.30) opens, runs chained and streamed, and equals the plain parts run alike", async () => {
  assert.equal(ortExpected.partFormat, "ort");
  const bundle = await openBundle(join(formats, "bundle-v1-ort"), key, { expectId: ortExpected.bundleId });
  try {
    assert.deepEqual({ ...bundle.manifest.meta, model: undefined }, { format: "msplit-parts", partFormat: "ort", model: undefined });
    for (const p of ortExpected.parts) {
      const plain = await bundle.readPart(p.index);
      assert.equal(plain.length, p.size);
      assert.equal(createHash("sha256").update(plain).digest("hex"), p.sha256, `part ${p.index}`);
    }
  } finally {
    bundle.close();
  }
  const want = await torchOutputs();
  for (const mode of ["chained", "stream"] as const) {
    const sealed = await openPipeline(join(formats, "bundle-v1-ort"), { mode, key: { kind: "file", path: keyFile }, intraOpThreads: 1 });
    const plain = await openPipeline(join(formats, "parts-v1"), { mode, intraOpThreads: 1, optimization: ORT_FORMAT_OPTIMIZATION, prepack: false });
    try {
      const got = await sealed.run({ input: await input() });
      const ref = await plain.run({ input: await input() });
      ["out0", "out1"].forEach((name, k) => {
        assert.deepEqual(Array.from(got[name]!.data as Float32Array), Array.from(ref[name]!.data as Float32Array), `${mode} ${name}: bit for bit`);
        assert.ok(compareOutputs(want[k]!.data, got[name]!.data as Float32Array).relative <= 1e-4, `${mode} ${name} against PyTorch`);
      });
    } finally {
      await sealed.release();
      await plain.release();
    }
  }
});
