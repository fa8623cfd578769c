import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { expectCliFailure, fixturesDir, repoRoot, runCli, tempDir } from "../helpers/index.js";
import { PF_DIR, pfPlaintext, sha256 } from "../seal/gramine-pf-helpers.js";

/** `msplit pf`: gramine-sgx-pf-crypt's meaning of -i, -o and the embedded path; one-line errors. */
const dir = tempDir("msplit-pf-cli-");
const cwd = dir.path;

before(() => {
  copyFileSync(join(PF_DIR, "wrap_key"), join(cwd, "wk"));
  chmodSync(join(cwd, "wk"), 0o600);
  writeFileSync(join(cwd, "plain.bin"), pfPlaintext(500_000));
});
after(() => dir.cleanup());

const pf = (args: string[], where = cwd) => runCli(["pf", ...args], { cwd: where });

const fails = (args: string[], code: string, options: { exit?: number; where?: string } = {}) =>
  expectCliFailure(["pf", ...args], code, { exit: options.exit, cwd: options.where ?? cwd });

test("encrypt embeds the normalized -o path; decrypt checks the -i path, as the real tool with -V", () => {
  mkdirSync(join(cwd, "enc"), { recursive: true });
  let r = pf(["encrypt", "-w", "wk", "-i", "plain.bin", "-o", "./enc//p.bin", "--pf-version", "2"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /path "enc\/p\.bin"/);
  r = pf(["inspect", "-i", "enc/p.bin", "-w", "wk", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { file: "enc/p.bin", version: 2, minorVersion: 0, featureFlags: 0, nodes: 1 + 2 + 122, path: "enc/p.bin", size: 500_000, dataNodes: 122, mhtNodes: 2 });

  r = pf(["decrypt", "-w", "wk", "-i", "enc/p.bin", "-o", "back.bin"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(sha256(readFileSync(join(cwd, "back.bin"))), sha256(pfPlaintext(500_000)));
  assert.equal(statSync(join(cwd, "back.bin")).mode & 0o777, 0o600, "decrypted plaintext is private");

  // From another directory the path differs: refused unless the expected path is named, or the check is off.
  const sub = join(cwd, "enc");
  fails(["decrypt", "-w", "../wk", "-i", "p.bin", "-o", "x.bin"], "ERR_PF_PATH_MISMATCH", { where: sub });
  assert.ok(!existsSync(join(sub, "x.bin")));
  assert.equal(pf(["decrypt", "-w", "../wk", "-i", "p.bin", "-o", "x.bin", "--path", "enc/p.bin"], sub).status, 0);
  assert.equal(pf(["decrypt", "-w", "../wk", "-i", "p.bin", "-o", "y.bin", "--no-path-check"], sub).status, 0);
  assert.ok(readFileSync(join(sub, "x.bin")).equals(readFileSync(join(sub, "y.bin"))));
});

test("--path embeds another path; existing outputs are refused unless --force", () => {
  let r = pf(["encrypt", "-w", "wk", "-i", "plain.bin", "-o", "staged.bin", "--path", "/srv/models/p.bin"]);
  assert.equal(r.status, 0, r.stderr);
  r = pf(["inspect", "-i", "staged.bin", "-w", "wk", "--json"]);
  assert.equal(JSON.parse(r.stdout).path, "/srv/models/p.bin");
  assert.equal(JSON.parse(r.stdout).version, 1, "version 1 by default");
  fails(["encrypt", "-w", "wk", "-i", "plain.bin", "-o", "staged.bin"], "ERR_OUTPUT_EXISTS");
  assert.equal(JSON.parse(pf(["inspect", "-i", "staged.bin", "-w", "wk", "--json"]).stdout).path, "/srv/models/p.bin", "left alone");
  assert.equal(pf(["encrypt", "-w", "wk", "-i", "plain.bin", "-o", "staged.bin", "--force"]).status, 0);
  assert.equal(JSON.parse(pf(["inspect", "-i", "staged.bin", "-w", "wk", "--json"]).stdout).path, "staged.bin");
});

test("directories are converted recursively, each file bound to its own path", () => {
  mkdirSync(join(cwd, "tree", "sub"), { recursive: true });
  writeFileSync(join(cwd, "tree", "a"), "alpha");
  writeFileSync(join(cwd, "tree", "sub", "b"), pfPlaintext(9000));
  let r = pf(["encrypt", "-w", "wk", "-i", "tree", "-o", "etree"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(pf(["inspect", "-i", "etree/sub/b", "-w", "wk", "--json"]).stdout).path, "etree/sub/b");
  r = pf(["decrypt", "-w", "wk", "-i", "etree", "-o", "dtree"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(cwd, "dtree", "a"), "utf8"), "alpha");
  assert.ok(readFileSync(join(cwd, "dtree", "sub", "b")).equals(pfPlaintext(9000)));
});

test("the real tool's negative vectors fail with their code and nothing is written", () => {
  const v = join(cwd, "v");
  mkdirSync(join(v, "enc"), { recursive: true });
  copyFileSync(join(cwd, "wk"), join(v, "wk"));
  chmodSync(join(v, "wk"), 0o600);
  for (const [file, code] of [
    ["wrong_key.bin", "ERR_PF_KEY_MISMATCH"],
    ["flip_data.bin", "ERR_PF_CORRUPTED"],
    ["truncated.bin", "ERR_PF_TRUNCATED"],
    ["wrong_path.bin", "ERR_PF_PATH_MISMATCH"],
    ["bad_version.bin", "ERR_PF_INVALID_VERSION"],
  ]) {
    copyFileSync(join(PF_DIR, "negative", "v1", file!), join(v, "enc", "size_7169.bin"));
    fails(["decrypt", "-w", "wk", "-i", "enc/size_7169.bin", "-o", "out.bin"], code!, { where: v });
    assert.deepEqual(readdirSync(v).sort(), ["enc", "wk"], `${file}: no output or temporary left`);
  }
});

test("bad keys, FIFOs and missing files are one-line errors, not hangs", () => {
  writeFileSync(join(cwd, "short.key"), Buffer.alloc(15, 7), { mode: 0o600 });
  fails(["encrypt", "-w", "short.key", "-i", "plain.bin", "-o", "k.bin"], "ERR_KEY_INVALID");
  writeFileSync(join(cwd, "open.key"), Buffer.alloc(16, 7), { mode: 0o644 });
  chmodSync(join(cwd, "open.key"), 0o644);
  fails(["encrypt", "-w", "open.key", "-i", "plain.bin", "-o", "k.bin"], "ERR_KEY_PERMISSIONS");
  fails(["encrypt", "-w", "wk", "-i", "missing.bin", "-o", "k.bin"], "ERR_IO");
  if (spawnSync("mkfifo", [join(cwd, "fifo")]).status === 0) fails(["encrypt", "-w", "wk", "-i", "fifo", "-o", "k.bin"], "ERR_NOT_REGULAR_FILE");
  fails(["decrypt", "-w", "wk", "-i", "plain.bin", "-o", "k.bin"], "ERR_PF_INVALID_HEADER");
  fails(["encrypt", "-w", "wk", "-i", "plain.bin", "-o", "k.bin", "--pf-version", "3"], "ERR_USAGE", { exit: 2 });
  assert.ok(!existsSync(join(cwd, "k.bin")));
});

test("gen-key writes 16 private bytes and never overwrites", () => {
  assert.equal(pf(["gen-key", "-w", "new.key"]).status, 0);
  assert.equal(readFileSync(join(cwd, "new.key")).byteLength, 16);
  assert.equal(statSync(join(cwd, "new.key")).mode & 0o777, 0o600);
  fails(["gen-key", "-w", "new.key"], "ERR_OUTPUT_EXISTS");
});

test("split --seal --container gramine-pf: verify and infer with the wrap key; the mount's plaintext view runs only under MSPLIT_ENCRYPTED_MOUNT in an enclave", () => {
  const model = join(fixturesDir, "torch", "squeezenet1_1.onnx");
  const image = join(repoRoot, "assets", "chelsea.jpg");
  expectCliFailure(["split", model, "--parts", "3", "--seal", "--container", "gramine-pf", "-o", join(cwd, "nokey")], "ERR_USAGE", { exit: 2, outputs: [join(cwd, "nokey")] });
  let r = runCli(["split", model, "--parts", "3", "--seal", "--container", "gramine-pf", "--wrap-key", "wk", "-o", "models/sq"], { cwd });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /uri = "file:models\/sq"/);
  r = runCli(["verify", model, "models/sq", "--wrap-key", "wk"], { cwd });
  assert.equal(r.status, 0, r.stderr);
  r = runCli(["infer", "models/sq", "--wrap-key", "wk", "--image", image, "--json"], { cwd });
  assert.equal(r.status, 0, r.stderr);
  const top = JSON.parse(r.stdout).top;

  // What Gramine's encrypted mount shows the enclave: the same files, decrypted at their paths.
  r = pf(["decrypt", "-w", "wk", "-i", "models/sq", "-o", "view"]);
  assert.equal(r.status, 0, r.stderr);
  const enclave = { MSPLIT_ENCLAVE: "1", MSPLIT_ENCRYPTED_MOUNT: join(cwd, "view") };
  r = runCli(["infer", "view", "--image", image, "--json"], { cwd, env: enclave });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).top, top);
  expectCliFailure(["infer", "view", "--image", image], "ERR_UNSEALED_PARTS", { cwd, env: { MSPLIT_ENCLAVE: "1", MSPLIT_ENCRYPTED_MOUNT: undefined } });
});
