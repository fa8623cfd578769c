import assert from "node:assert/strict";
import { copyFileSync, cpSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { encodeModel, loadModel } from "../../src/onnx/codec.js";
import { sealParts } from "../../src/runtime/bundle.js";
import { generateKey, HEADER_FILE, loadKey } from "../../src/seal/index.js";
import { writeSplit } from "../../src/split/files.js";
import { split } from "../../src/split/split.js";
import { expectCliFailure, fixturesDir, repoRoot, runCli, tempDir } from "../helpers/index.js";

/**
 * A key means sealed (issue 7, defect 1): a host that swaps the owner's bundle for plaintext must
 * be refused before anything runs, in every pipeline mode, however the key was given.
 */
const dir = tempDir();
const model = join(fixturesDir, "torch", "squeezenet1_1.onnx");
const image = join(repoRoot, "assets", "chelsea.jpg");
const keyFile = join(dir.path, "model.key");
const bundle = join(dir.path, "bundle");
const parts = join(dir.path, "parts");
const result = join(dir.path, "result.txt");

before(async () => {
  await generateKey(keyFile);
  const s = await split(await loadModel(model), { parts: 3 });
  await writeSplit(parts, s);
  const key = await loadKey({ kind: "file", path: keyFile });
  await sealParts(bundle, s.parts.map((p, i) => ({ name: s.plan.parts[i]!.file, bytes: encodeModel(p) })), key, { plan: s.plan });
});
after(() => dir.cleanup());

/** Builds a substitute for the bundle in a fresh directory and returns the path to hand over. */
const substitutes: Record<string, { code: string; make: (at: string) => string }> = {
  "every file replaced by plain parts and plan.json": {
    code: "ERR_UNSEALED_PARTS",
    make: (at) => (cpSync(parts, at, { recursive: true }), at),
  },
  "header deleted, plain parts dropped beside the sealed ones": {
    code: "ERR_UNSEALED_PARTS",
    make: (at) => {
      cpSync(bundle, at, { recursive: true });
      rmSync(join(at, HEADER_FILE));
      cpSync(parts, at, { recursive: true });
      return at;
    },
  },
  "a single plain .onnx where the bundle was": {
    code: "ERR_UNSEALED_MODEL",
    make: (at) => (copyFileSync(model, at), at),
  },
  "the sealed files without their header": {
    code: "ERR_BUNDLE_NO_HEADER",
    make: (at) => (cpSync(bundle, at, { recursive: true }), rmSync(join(at, HEADER_FILE)), at),
  },
  "a genuine bundle with a plain part added": {
    code: "ERR_BUNDLE_UNEXPECTED_FILE",
    make: (at) => (cpSync(bundle, at, { recursive: true }), copyFileSync(join(parts, "part-00.onnx"), join(at, "part-00.onnx")), at),
  },
};

let n = 0;
for (const [what, { code, make }] of Object.entries(substitutes)) {
  test(`infer --key refuses ${what} with ${code}, in every mode`, () => {
    const path = make(join(dir.path, `sub-${n++}`));
    for (const mode of ["resident", "chained", "stream"]) {
      const r = expectCliFailure(["infer", path, "--key", keyFile, "--image", image, "-o", result, "--mode", mode], code, { outputs: [result] });
      assert.equal(r.stdout, "", "no prediction printed");
    }
  });
}

test("a key from MSPLIT_KEY_FILE means sealed too", () => {
  expectCliFailure(["infer", model, "--image", image, "-o", result], "ERR_UNSEALED_MODEL", { env: { MSPLIT_KEY_FILE: keyFile }, outputs: [result] });
});

test("run, inspect, verify and bench cold refuse plaintext when given a key", () => {
  const out = join(dir.path, "out.npy");
  expectCliFailure(["run", model, "--key", dir.path, "--input", join(fixturesDir, "torch", "squeezenet1_1.input.npy"), "--output", out], "ERR_UNSEALED_MODEL", { outputs: [out] });
  expectCliFailure(["inspect", parts, "--key", keyFile], "ERR_UNSEALED_PARTS");
  expectCliFailure(["verify", model, parts, "--key", keyFile], "ERR_UNSEALED_PARTS");
  expectCliFailure(["bench", "cold", model, "--key", keyFile], "ERR_UNSEALED_MODEL");
});

test("the genuine bundle still runs with its key", () => {
  const r = runCli(["infer", bundle, "--key", keyFile, "--image", image, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).top.length, 5);
});

test("--require-sealed refuses plaintext without a key; inside an enclave it is the default", () => {
  expectCliFailure(["infer", model, "--image", image, "--require-sealed", "-o", result], "ERR_UNSEALED_MODEL", { outputs: [result] });
  expectCliFailure(["infer", parts, "--image", image, "-o", result], "ERR_UNSEALED_PARTS", { env: { MSPLIT_ENCLAVE: "1" }, outputs: [result] });
  expectCliFailure(["inspect", model], "ERR_UNSEALED_MODEL", { env: { MSPLIT_ENCLAVE: "1" } });
  // Without the flag and outside an enclave, plaintext runs as before.
  assert.equal(runCli(["inspect", model, "--json"]).status, 0);
});

test("sealed-only input accepts plain parts inside the encrypted mount the manifest names, nothing outside it", () => {
  const mount = join(dir.path, "enc");
  mkdirSync(mount);
  cpSync(parts, join(mount, "model"), { recursive: true });
  // Same prefix, outside the mount; and a symlink from inside the mount to plaintext outside it.
  cpSync(parts, join(dir.path, "enc-evil"), { recursive: true });
  symlinkSync(parts, join(mount, "link"));
  const env = { MSPLIT_ENCLAVE: "1", MSPLIT_ENCRYPTED_MOUNT: mount };
  const ok = runCli(["infer", join(mount, "model"), "--image", image, "--json"], { env });
  assert.equal(ok.status, 0, ok.stderr);
  expectCliFailure(["inspect", join(dir.path, "enc-evil")], "ERR_UNSEALED_PARTS", { env });
  expectCliFailure(["inspect", join(mount, "link")], "ERR_UNSEALED_PARTS", { env });
  // A bundle key still means a bundle, even inside the mount.
  expectCliFailure(["inspect", join(mount, "model"), "--key", keyFile], "ERR_UNSEALED_PARTS", { env });
});
