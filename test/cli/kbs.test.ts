import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { expectCliFailure, fixturesDir, repoRoot, runCli, tempDir } from "../helpers/index.js";

/** `msplit kbs serve` + `msplit infer --kbs` as a user runs them, with the sample attester. */
const tmp = tempDir("msplit-kbs-cli-");
const p = (...x: string[]) => join(tmp.path, ...x);
const model = join(fixturesDir, "torch", "squeezenet1_1.onnx");
const image = join(repoRoot, "assets", "chelsea.jpg");
const servers: ChildProcess[] = [];

function ok(args: string[]) {
  const r = runCli(args);
  assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
  return r;
}

/** What the brokers wrote: the banner on stderr, JSON logs on stdout (one buffer per broker). */
let brokerOutput = "";
const brokerLogs: string[] = [];

/** Starts a broker on a free port; resolves with its URL once it listens. */
function serve(extra: string[]): Promise<string> {
  const child = spawn(process.execPath, [join(repoRoot, "dist", "cli", "main.js"), "kbs", "serve", "--policy", p("policy.json"), "--resources", p("res"), "--port", "0", ...extra], { stdio: ["ignore", "pipe", "pipe"] });
  servers.push(child);
  const n = brokerLogs.push("") - 1;
  child.stdout.on("data", (d: Buffer) => (brokerLogs[n] += d.toString()));
  let err = "";
  return new Promise((resolve, reject) => {
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      brokerOutput += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`kbs serve exited ${code}: ${err}`)));
  });
}

let insecure: string;
let strict: string;

before(async () => {
  ok(["keygen", "-o", p("secrets", "model.key")]);
  ok(["split", model, "--parts", "3", "--seal", "--key", p("secrets", "model.key"), "-o", p("old")]);
  ok(["split", model, "--parts", "3", "--seal", "--key", p("secrets", "model.key"), "-o", p("bundle")]);
  ok(["kbs", "add-key", p("bundle"), "--key", p("secrets", "model.key"), "--resources", p("res"), "--resource", "msplit/key/squeezenet"]);
  writeFileSync(p("policy.json"), JSON.stringify({ version: 1, mr_enclave: ["11".repeat(32)] }));
  insecure = await serve(["--insecure-allow-sample"]);
  strict = await serve([]);
});
after(() => {
  for (const s of servers) s.kill();
  tmp.cleanup();
});

test("kbs add-key writes a bundle-bound release, mode 0600, and never overwrites one", () => {
  const file = p("res", "msplit", "key", "squeezenet");
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const release = JSON.parse(readFileSync(file, "utf8"));
  assert.equal(release.msplit, "key-release/v1");
  assert.match(release.bundle_id, /^[0-9a-f]{32}$/);
  expectCliFailure(["kbs", "add-key", p("bundle"), "--key", p("secrets", "model.key"), "--resources", p("res"), "--resource", "msplit/key/squeezenet"], "ERR_OUTPUT_EXISTS");
});

test("infer --kbs with the sample attester releases the key and classifies the photo as --key does", () => {
  const viaKey = ok(["infer", p("bundle"), "--key", p("secrets", "model.key"), "--image", image, "--json"]);
  const viaKbs = ok(["infer", p("bundle"), "--kbs", insecure, "--resource", "msplit/key/squeezenet", "--attester", "sample", "--image", image, "--json", "-o", p("result.txt")]);
  assert.deepEqual(JSON.parse(viaKbs.stdout).top, JSON.parse(viaKey.stdout).top);
  assert.equal(readFileSync(p("result.txt"), "utf8").trim().split("\n").length, 5);
});

test("a rollback to an older bundle sealed under the same key is refused", () => {
  expectCliFailure(["infer", p("old"), "--kbs", insecure, "--resource", "msplit/key/squeezenet", "--attester", "sample", "--image", image], "ERR_BUNDLE_TAMPERED");
  // ... while the key file alone, unbound, opens it: the binding is what refuses it.
  ok(["infer", p("old"), "--key", p("secrets", "model.key"), "--image", image]);
});

test("a broker without --insecure-allow-sample refuses sample evidence; the client says why in one line", () => {
  const r = expectCliFailure(["infer", p("bundle"), "--kbs", strict, "--resource", "msplit/key/squeezenet", "--attester", "sample", "--image", image], "ERR_KBS_REFUSED");
  assert.match(r.stderr, /HTTP 401 EvidenceRefused/);
  expectCliFailure(["infer", p("bundle"), "--kbs", insecure, "--resource", "msplit/key/nope", "--attester", "sample", "--image", image], "ERR_KBS_REFUSED");
  expectCliFailure(["infer", p("bundle"), "--kbs", "http://127.0.0.1:1", "--resource", "msplit/key/squeezenet", "--attester", "sample", "--image", image], "ERR_KBS_UNAVAILABLE");
  expectCliFailure(["infer", p("bundle"), "--kbs", insecure, "--image", image], "ERR_USAGE", { exit: 2 });
  expectCliFailure(["infer", p("bundle"), "--kbs", insecure, "--resource", "msplit/key/squeezenet", "--attestation-root", p("no-gramine"), "--image", image], "ERR_ATTESTER_UNAVAILABLE");
});

test("a key from the broker means sealed: a plain model is refused before the broker is asked", () => {
  const r = expectCliFailure(["infer", model, "--kbs", "http://127.0.0.1:1", "--resource", "msplit/key/squeezenet", "--attester", "sample", "--image", image], /ERR_[A-Z_]+/);
  assert.doesNotMatch(r.stderr, /ERR_KBS_UNAVAILABLE/, "refused before contacting the broker");
});

test("the broker announces sample mode loudly and logs JSON lines without secrets", async () => {
  // The other tests block this process in spawnSync: let the brokers' piped output arrive.
  for (let i = 0; i < 100 && !brokerLogs.join("").includes('"msg":"released"'); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(brokerOutput, /INSECURE: --insecure-allow-sample accepts UNSIGNED sample evidence/);
  const logs = brokerLogs.join("").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as { msg: string });
  assert.ok(logs.some((l) => l.msg === "released"), `a release was logged: ${logs.map((l) => l.msg).join(", ")}`);
  assert.ok(logs.some((l) => l.msg === "refused"), "a refusal was logged");
  const release = JSON.parse(readFileSync(p("res", "msplit", "key", "squeezenet"), "utf8"));
  const all = brokerOutput + brokerLogs.join("");
  assert.ok(!all.includes(release.key), "the key is not in the logs");
  assert.doesNotMatch(all, /kbs-session-id=|"cookie"|authorization/i);
});
