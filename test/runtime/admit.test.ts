import assert from "node:assert/strict";
import { copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { encodeModel, loadModel } from "../../src/onnx/codec.js";
import { admitSource } from "../../src/runtime/admit.js";
import { sealParts } from "../../src/runtime/bundle.js";
import { openPipeline, readSources } from "../../src/runtime/load.js";
import { generateKey, HEADER_FILE, type KeySource, loadKey } from "../../src/seal/index.js";
import { writeSplit } from "../../src/split/files.js";
import { split } from "../../src/split/split.js";
import { detectEnclave } from "../../src/util/enclave.js";
import { fixturesDir, rejectsWith, tempDir } from "../helpers/index.js";

/** The library makes the CLI's promise: an API that opens a bundle with a key cannot fall back to plaintext. */
const dir = tempDir();
const model = join(fixturesDir, "torch", "squeezenet1_1.onnx");
const keyFile = join(dir.path, "k.key");
const key: KeySource = { kind: "file", path: keyFile };
const parts = join(dir.path, "parts");
const bundle = join(dir.path, "bundle");

before(async () => {
  await generateKey(keyFile);
  const s = await split(await loadModel(model), { parts: 2 });
  await writeSplit(parts, s);
  await sealParts(bundle, s.parts.map((p, i) => ({ name: `part ${i}`, bytes: encodeModel(p) })), await loadKey(key), { plan: s.plan });
});
after(() => dir.cleanup());

test("openPipeline and readSources with a key refuse every plaintext substitute", async () => {
  const noHeader = join(dir.path, "no-header");
  cpSync(bundle, noHeader, { recursive: true });
  rmSync(join(noHeader, HEADER_FILE));
  for (const [path, code] of [[model, "ERR_UNSEALED_MODEL"], [parts, "ERR_UNSEALED_PARTS"], [noHeader, "ERR_BUNDLE_NO_HEADER"]] as const) {
    for (const mode of ["resident", "chained", "stream"] as const) await rejectsWith(openPipeline(path, { key, mode }), code);
    await rejectsWith(readSources(path, key), code);
  }
  await rejectsWith(openPipeline(join(dir.path, "missing.onnx"), { key }), "ERR_IO");
});

test("any key source means sealed, checked before the key is fetched (a key broker source too)", async () => {
  // A source kind loadKey does not know would fail with ERR_KEY_INVALID if it were consulted first.
  const broker = { kind: "kbs", url: "https://kbs.invalid", resource: "r/t/k" } as unknown as KeySource;
  await rejectsWith(openPipeline(model, { key: broker }), "ERR_UNSEALED_MODEL");
  await rejectsWith(admitSource(parts, { key: { kind: "env", variable: "MSPLIT_TEST_UNSET" } }), "ERR_UNSEALED_PARTS");
  assert.equal(await admitSource(bundle, { key: broker }), "bundle");
});

test("requireSealed refuses plaintext without a key; without it plaintext is admitted", async () => {
  await rejectsWith(admitSource(model, { requireSealed: true }), "ERR_UNSEALED_MODEL");
  await rejectsWith(readSources(parts, undefined, { requireSealed: true }), "ERR_UNSEALED_PARTS");
  assert.equal(await admitSource(model), "model");
  assert.equal(await admitSource(parts), "parts");
});

test("a bundle with an extra file is refused by the bundle's own layout check", async () => {
  const extra = join(dir.path, "extra");
  cpSync(bundle, extra, { recursive: true });
  copyFileSync(model, join(extra, "model.onnx"));
  await rejectsWith(openPipeline(extra, { key }), "ERR_BUNDLE_UNEXPECTED_FILE");
});

test("enclave detection: Gramine's /dev/attestation, or MSPLIT_ENCLAVE=1; neither can be switched off by the other", () => {
  const root = join(dir.path, "attestation");
  mkdirSync(root);
  assert.deepEqual(detectEnclave({ env: {}, attestationRoot: root }), { inEnclave: false });
  assert.deepEqual(detectEnclave({ env: { MSPLIT_ENCLAVE: "1" }, attestationRoot: root }), { inEnclave: true, reason: "env" });
  assert.deepEqual(detectEnclave({ env: { MSPLIT_ENCLAVE: "true" }, attestationRoot: root }), { inEnclave: false });
  writeFileSync(join(root, "attestation_type"), "dcap\n");
  assert.deepEqual(detectEnclave({ env: { MSPLIT_ENCLAVE: "0" }, attestationRoot: root }), { inEnclave: true, reason: "gramine", attestationType: "dcap" });
});
