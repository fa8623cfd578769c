import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { MsplitError } from "../../src/errors.js";
import { generateKey, loadKey, openBundle, sealBundle, unwrapKey, wrapKey } from "../../src/seal/index.js";
import { rejectsWith } from "../helpers/index.js";
import { tempDir } from "./helpers.js";

/** Every way the key could leak into a message: raw, hex, base64, base64url. */
function assertNoKeyIn(e: MsplitError, ...keys: Uint8Array[]): void {
  const text = `${e.message}\n${e.stack ?? ""}`;
  for (const k of keys) {
    const b = Buffer.from(k);
    if (b.length === 0) continue;
    for (const form of [b.toString("hex"), b.toString("base64"), b.toString("base64url"), b.toString("latin1")])
      assert.ok(!text.includes(form) && !text.toLowerCase().includes(form.toLowerCase()), `key bytes appear in: ${e.message}`);
    assert.ok(!text.includes(b.subarray(0, 8).toString("hex")), `a key prefix appears in: ${e.message}`);
  }
}

test("generateKey writes 32 random bytes with mode 0600 and refuses to overwrite", async () => {
  const dir = await tempDir();
  const path = join(dir, "master.key");
  await generateKey(path);
  const st = await stat(path);
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal(st.size, 32);
  const before = await readFile(path);
  await rejectsWith(generateKey(path), "ERR_OUTPUT_EXISTS", /refusing to overwrite/);
  assert.ok((await readFile(path)).equals(before), "the existing key is untouched");
  assert.ok((await loadKey({ kind: "file", path })).equals(before));
});

test("generateKey creates a missing directory, private to its owner", async () => {
  const dir = await tempDir();
  const path = join(dir, "secrets", "model.key");
  await generateKey(path);
  assert.equal((await stat(join(dir, "secrets"))).mode & 0o777, 0o700);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
});

test("loadKey from an environment variable", async () => {
  const dir = await tempDir();
  const path = join(dir, "k");
  await generateKey(path);
  process.env.MSPLIT_TEST_KEY = path;
  assert.ok((await loadKey({ kind: "env", variable: "MSPLIT_TEST_KEY" })).equals(await readFile(path)));
  const saved = process.env.MSPLIT_KEY_FILE;
  process.env.MSPLIT_KEY_FILE = path;
  assert.equal((await loadKey({ kind: "env" })).length, 32);
  delete process.env.MSPLIT_KEY_FILE;
  await rejectsWith(loadKey({ kind: "env" }), "ERR_KEY_INVALID", /MSPLIT_KEY_FILE is not set/);
  if (saved !== undefined) process.env.MSPLIT_KEY_FILE = saved;
});

test("a wrapped key opens bundles with the right KEK and reports a wrong KEK", async () => {
  const dir = await tempDir();
  const kekPath = join(dir, "kek");
  const wrappedPath = join(dir, "master.wrapped");
  await generateKey(kekPath);
  await generateKey(wrappedPath, { wrapWith: kekPath });
  assert.equal((await stat(wrappedPath)).mode & 0o777, 0o600);
  assert.equal((await stat(wrappedPath)).size, 52);
  const master = await loadKey({ kind: "wrapped", path: wrappedPath, kek: { kind: "file", path: kekPath } });
  assert.equal(master.length, 32);
  const info = await sealBundle(join(dir, "b"), [{ bytes: randomBytes(1000), signature: {} }], master);
  await openBundle(info.dir, master);

  const wrongKek = join(dir, "other-kek");
  await generateKey(wrongKek);
  const e = await rejectsWith(
    loadKey({ kind: "wrapped", path: wrappedPath, kek: { kind: "file", path: wrongKek } }),
    "ERR_KEK_MISMATCH",
    /does not unwrap/,
  );
  assertNoKeyIn(e, master, await readFile(kekPath), await readFile(wrongKek));
  await rejectsWith(loadKey({ kind: "file", path: wrappedPath }), "ERR_KEY_INVALID", /wrapped key file/);
});

test("AES key wrap follows RFC 3394 (test vector 4.6) inside the documented file layout", () => {
  const kek = Buffer.from("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "hex");
  const key = Buffer.from("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F", "hex");
  const file = wrapKey(key, kek);
  assert.equal(file.subarray(0, 12).toString("hex"), "894d53574b45590a" + "0001" + "0001");
  assert.equal(
    file.subarray(12).toString("hex").toUpperCase(),
    "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21",
  );
  assert.ok(unwrapKey(file, kek, "vector").equals(key));
  const bad = Buffer.from(file);
  bad[20]! ^= 1;
  assert.throws(() => unwrapKey(bad, kek, "vector"), { code: "ERR_KEK_MISMATCH" });
});

test("loadKey refuses anything that is not exactly a random key", async () => {
  const dir = await tempDir();
  const cases: [string, Uint8Array | string, RegExp][] = [
    ["short", randomBytes(31), /31 bytes instead of 32/],
    ["long", randomBytes(33), /33 bytes instead of 32/],
    ["empty", Buffer.alloc(0), /0 bytes/],
    ["hex", randomBytes(16).toString("hex"), /holds text/],
    ["passphrase", "correct horse battery staple!!!!", /holds text/],
    ["zero", Buffer.alloc(32), /all zero/],
  ];
  for (const [name, content, message] of cases) {
    const path = join(dir, name);
    await writeFile(path, content, { mode: 0o600 });
    const e = await rejectsWith(loadKey({ kind: "file", path }), "ERR_KEY_INVALID", message);
    assertNoKeyIn(e, typeof content === "string" ? Buffer.from(content) : content);
  }
  await rejectsWith(loadKey({ kind: "file", path: join(dir, "missing") }), "ERR_KEY_INVALID", /ENOENT/);
  await rejectsWith(loadKey({ kind: "file", path: dir }), "ERR_KEY_INVALID", /not a regular file/);
});

test("a key file readable by group or others is refused, or only warned about on request", async () => {
  const dir = await tempDir();
  const path = join(dir, "k");
  await generateKey(path);
  await chmod(path, 0o644);
  const e = await rejectsWith(loadKey({ kind: "file", path }), "ERR_KEY_PERMISSIONS", /mode 0644.*chmod 600/);
  assertNoKeyIn(e, await readFile(path));
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on("warning", onWarning);
  try {
    assert.equal((await loadKey({ kind: "file", path }, { permissions: "warn" })).length, 32);
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("warning", onWarning);
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!.message, /mode 0644/);
  assert.equal((await loadKey({ kind: "file", path }, { permissions: "ignore" })).length, 32);
});

test("key bytes never appear in error messages of failed opens", async () => {
  const dir = await tempDir();
  const key = randomBytes(32);
  const wrong = randomBytes(32);
  const info = await sealBundle(join(dir, "b"), [{ bytes: randomBytes(70_000), signature: {} }], key);
  const errors = [
    await rejectsWith(openBundle(info.dir, wrong), "ERR_KEY_MISMATCH"),
    await rejectsWith(openBundle(info.dir, key.subarray(0, 31)), "ERR_KEY_INVALID"),
    await rejectsWith(sealBundle(join(dir, "c"), [{ bytes: randomBytes(1), signature: {} }], Buffer.alloc(32)), "ERR_KEY_INVALID"),
  ];
  const bytes = await readFile(join(info.dir, info.parts[0]!.file));
  bytes[bytes.length - 1]! ^= 1;
  await writeFile(join(info.dir, info.parts[0]!.file), bytes);
  const b = await openBundle(info.dir, key);
  errors.push(await rejectsWith(b.readPart(0), "ERR_BUNDLE_TAMPERED"));
  for (const e of errors) assertNoKeyIn(e, key, wrong);
});
