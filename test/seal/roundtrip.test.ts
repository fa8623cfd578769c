import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { HEADER_SIZE, parseHeader } from "../../src/seal/format.js";
import { HEADER_FILE, openBundle, sealBundle, unsealBundle } from "../../src/seal/index.js";
import { manifestKey } from "../../src/seal/kdf.js";
import { encodeManifest, parseManifest } from "../../src/seal/manifest.js";
import { openStream, sealStream } from "../../src/seal/stream.js";
import { rejectsWith } from "../helpers/index.js";
import { tempDir } from "./helpers.js";

const SIZES = [0, 1, 65535, 65536, 65537, 3 * 65536, 5_000_000];

test("parts of every size around the chunk boundaries come back identical, with the manifest", async () => {
  const root = await tempDir();
  const key = randomBytes(32);
  const parts = SIZES.map((n) => randomBytes(n));
  const signatures = SIZES.map((n, i) => ({ inputs: [{ name: `t${i}`, dtype: "float", shape: [1, n] }], outputs: [] }));
  const plan = { format: "msplit-plan", cuts: [1, 2, 3], nested: { a: [null, true, "x"] } };
  const info = await sealBundle(join(root, "b"), parts.map((bytes, i) => ({ bytes, signature: signatures[i] })), key, {
    plan,
    meta: { name: "demo" },
  });
  assert.equal(info.parts.length, SIZES.length);
  assert.deepEqual(info.parts.map((p) => p.size), SIZES);

  const b = await openBundle(info.dir, key);
  assert.equal(b.id, info.id);
  assert.equal(b.partCount, SIZES.length);
  assert.deepEqual(b.manifest.parts.map((p) => p.signature), signatures);
  assert.deepEqual(b.manifest.plan, plan);
  assert.deepEqual(b.manifest.meta, { name: "demo" });
  for (let i = 0; i < parts.length; i++) {
    assert.ok((await b.readPart(i)).equals(parts[i]!), `readPart(${i})`);
    const streamed: Buffer[] = [];
    for await (const c of b.streamPart(i)) streamed.push(c);
    assert.ok(Buffer.concat(streamed).equals(parts[i]!), `streamPart(${i})`);
    assert.ok(streamed.every((c) => c.length <= 65536), "streamPart yields chunks of at most 64 KiB");
  }
  b.close();
  await rejectsWith(b.readPart(0), "ERR_USAGE", /closed/);
});

test("the directory holds the header and one opaque, randomly named file per part, and no plaintext", async () => {
  const root = await tempDir();
  const key = randomBytes(32);
  const marker = "conv1_weight_SECRET_TENSOR";
  const bytes = Buffer.concat([Buffer.from(marker), randomBytes(100_000)]);
  const info = await sealBundle(join(root, "b"), [0, 1, 2].map(() => ({ bytes, signature: { inputs: [{ name: marker }] } })), key, {
    plan: { model: { name: `alexnet-${marker}` } },
  });
  const names = (await readdir(info.dir)).sort();
  assert.equal(names.length, 4);
  assert.ok(names.includes(HEADER_FILE));
  const partNames = names.filter((n) => n !== HEADER_FILE);
  for (const n of partNames) assert.match(n, /^[0-9a-f]{32}$/);
  assert.deepEqual(new Set(partNames), new Set(info.parts.map((p) => p.file)));
  const mtimes = new Set<number>();
  for (const n of names) {
    const content = await readFile(join(info.dir, n));
    assert.equal(content.indexOf(marker), -1, `${n} leaks plaintext`);
    assert.equal(content.indexOf(Buffer.from(marker).toString("hex")), -1);
    mtimes.add((await stat(join(info.dir, n))).mtimeMs);
  }
  assert.equal(mtimes.size, 1, "one modification time for all files, so timestamps do not order the parts");
});

test("unsealBundle writes part-XX.onnx and plan.json, 0600, and refuses a non-empty output", async () => {
  const root = await tempDir();
  const key = randomBytes(32);
  const parts = [10, 70_000, 0].map((n) => randomBytes(n));
  const plan = { parts: [{ file: "part-00.onnx" }] };
  const info = await sealBundle(join(root, "b"), parts.map((bytes) => ({ bytes, signature: null })), key, { plan });
  const out = join(root, "plain");
  const r = await unsealBundle(info.dir, key, out);
  assert.deepEqual(r.files, ["part-00.onnx", "part-01.onnx", "part-02.onnx", "plan.json"]);
  for (let i = 0; i < parts.length; i++) {
    const p = join(out, r.files[i]!);
    assert.ok((await readFile(p)).equals(parts[i]!));
    assert.equal((await stat(p)).mode & 0o777, 0o600);
  }
  assert.deepEqual(JSON.parse(await readFile(join(out, "plan.json"), "utf8")), plan);
  assert.equal((await stat(out)).mode & 0o777, 0o700);
  await rejectsWith(unsealBundle(info.dir, key, out), "ERR_OUTPUT_EXISTS");
  await rejectsWith(unsealBundle(info.dir, randomBytes(32), join(root, "plain2")), "ERR_KEY_MISMATCH");
  assert.deepEqual((await readdir(root)).sort(), ["b", "plain"], "a failed unseal leaves nothing behind");
});

test("sealBundle refuses a non-empty directory, fills an empty one, and leaves nothing on failure", async () => {
  const root = await tempDir();
  const key = randomBytes(32);
  const one = [{ bytes: randomBytes(10), signature: {} }];
  const info = await sealBundle(join(root, "b"), one, key);
  await rejectsWith(sealBundle(info.dir, one, key), "ERR_OUTPUT_EXISTS", /not empty/);

  await mkdir(join(root, "empty"));
  await sealBundle(join(root, "empty"), one, key);
  assert.equal((await readdir(join(root, "empty"))).length, 2);

  // A part whose bytes vanish half-way through writing: the staging directory must go away.
  let reads = 0;
  const bytes = randomBytes(200_000);
  const flaky = {
    signature: {},
    get bytes(): Uint8Array {
      if (++reads > 3) throw new Error("source went away");
      return bytes;
    },
  };
  await assert.rejects(sealBundle(join(root, "broken"), [{ bytes, signature: {} }, flaky], key));
  assert.deepEqual((await readdir(root)).sort(), ["b", "empty"]);

  await rejectsWith(sealBundle(join(root, "x"), [], key), "ERR_USAGE");
  await rejectsWith(sealBundle(join(root, "x"), one, randomBytes(16)), "ERR_KEY_INVALID", /32 bytes/);
});

test("the manifest records the plaintext SHA-256 and size of every part", async () => {
  const root = await tempDir();
  const key = randomBytes(32);
  const parts = [1, 65537].map((n) => randomBytes(n));
  const info = await sealBundle(join(root, "b"), parts.map((bytes) => ({ bytes, signature: {} })), key);
  const b = await openBundle(info.dir, key, { expectId: info.id });
  b.manifest.parts.forEach((p, i) => {
    assert.equal(p.size, parts[i]!.length);
    assert.equal(p.sha256, createHash("sha256").update(parts[i]!).digest("hex"));
  });
});

test("a manifest hash that disagrees with an authentic part: refused by default, left to the AEAD with hashParts false", async () => {
  // Only the key holder can write such a manifest: it stands for a sealer bug, not an attack.
  const root = await tempDir();
  const key = randomBytes(32);
  const part = randomBytes(70000);
  const info = await sealBundle(join(root, "b"), [{ bytes: part, signature: {} }], key);
  const headerPath = join(info.dir, HEADER_FILE);
  const sealed = await readFile(headerPath);
  const header = parseHeader(sealed, HEADER_FILE);
  const mk = manifestKey(key, header.id);
  const manifest = parseManifest(openStream(mk, header.raw, sealed.subarray(HEADER_SIZE), "manifest"), "manifest");
  const wrong = { ...manifest, parts: [{ ...manifest.parts[0]!, sha256: "0".repeat(64) }] };
  await writeFile(headerPath, Buffer.concat([sealed.subarray(0, HEADER_SIZE), ...sealStream(mk, header.raw, encodeManifest(wrong))]));

  const checked = await openBundle(info.dir, key);
  await rejectsWith(checked.readPart(0), "ERR_BUNDLE_TAMPERED", /does not match the size and SHA-256/);
  const trusting = await openBundle(info.dir, key, { hashParts: false });
  assert.ok((await trusting.readPart(0)).equals(part));
});
