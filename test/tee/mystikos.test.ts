import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fixturesDir, runCli, tempDir } from "../helpers/index.js";

/** msplit mystikos config: config.json for myst package-sgx and the packaging script. */
const dir = tempDir("msplit-myst-");
const cwd = dir.path;

before(() => {
  for (const args of [
    ["keygen", "-o", "model.key"],
    ["split", join(fixturesDir, "torch", "squeezenet1_1.onnx"), "--parts", "3", "--seal", "--key", "model.key", "-o", "bundle"],
  ]) {
    const r = runCli(args, { cwd });
    assert.equal(r.status, 0, r.stderr);
  }
});
after(() => dir.cleanup());

test("config.json: fixed parameters, memory from the model, enclave environment; package.sh has the myst steps", () => {
  const r = runCli(["mystikos", "config", "bundle", "-o", "myst", "--", "--kbs", "https://kbs.example:8080", "--resource", "default/msplit/key"], { cwd });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /warning/);
  const config = JSON.parse(readFileSync(join(cwd, "myst", "config.json"), "utf8"));
  assert.equal(config.HostApplicationParameters, false, "the host cannot change the arguments");
  assert.equal(config.ApplicationPath, "/usr/bin/node");
  assert.deepEqual(config.ApplicationParameters.slice(1, 4), ["/app/dist/cli/main.js", "infer", "/model"]);
  assert.deepEqual(config.ApplicationParameters.slice(-4), ["--kbs", "https://kbs.example:8080", "--resource", "default/msplit/key"]);
  assert.equal(config.MemorySize, "4g");
  assert.ok(config.EnvironmentVariables.includes("MSPLIT_ENCLAVE=1"));
  assert.equal(config.NoBrk, true);
  const script = readFileSync(join(cwd, "myst", "package.sh"), "utf8");
  assert.equal(statSync(join(cwd, "myst", "package.sh")).mode & 0o111, 0o111);
  assert.equal(spawnSync("sh", ["-n", join(cwd, "myst", "package.sh")]).status, 0, "valid shell");
  for (const step of ["myst mkext2 --sign=", "myst fssig --roothash", "myst package-sgx --roothash=", "copy 'dist'", "copy 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64'"]) assert.ok(script.includes(step), step);
});

test("plain parts or a Gramine-PF bundle are refused; a missing key source is warned about", () => {
  let r = runCli(["mystikos", "config", join(fixturesDir, "torch"), "-o", "x"], { cwd });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^msplit: ERR_USAGE: .*not an msplit sealed bundle/);
  r = runCli(["mystikos", "config", "bundle", "-o", "myst2"], { cwd });
  assert.equal(r.status, 0);
  assert.match(r.stderr, /warning: no key source/);
});
