import assert from "node:assert/strict";
import { chmodSync, cpSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { doctor } from "../../src/tee/doctor.js";
import { runCli, tempDir } from "../helpers/index.js";

/** msplit doctor: an imitated SGX machine in a directory, an empty one, and this machine. */
const dir = tempDir("msplit-doctor-");
const sgxRoot = join(dir.path, "sgx");
const emptyRoot = join(dir.path, "empty");
const bin = join(dir.path, "bin");
let aesm: Server;

before(async () => {
  for (const d of ["dev", "proc", "sys/devices/system/node/node0/x86", "var/run/aesmd", "usr/lib/x86_64-linux-gnu", "etc"]) mkdirSync(join(sgxRoot, d), { recursive: true });
  mkdirSync(emptyRoot, { recursive: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(sgxRoot, "dev", "sgx_enclave"), "");
  writeFileSync(join(sgxRoot, "dev", "sgx_provision"), "");
  writeFileSync(join(sgxRoot, "proc", "cpuinfo"), "processor\t: 0\nflags\t\t: fpu vme sgx sgx_lc avx2\n");
  writeFileSync(join(sgxRoot, "sys/devices/system/node/node0/x86/sgx_total_bytes"), `${256 * 2 ** 20}\n`);
  writeFileSync(join(sgxRoot, "usr/lib/x86_64-linux-gnu/libsgx_dcap_ql.so.1"), "");
  writeFileSync(join(sgxRoot, "etc/sgx_default_qcnl.conf"), "{}");
  aesm = createServer();
  await new Promise<void>((resolve) => aesm.listen(join(sgxRoot, "var/run/aesmd/aesm.socket"), resolve));
  for (const [tool, version] of [["gramine-sgx", "Gramine 1.9"], ["gramine-manifest", "gramine-manifest 1.9"], ["gramine-sgx-sign", "1.9"]]) {
    writeFileSync(join(bin, tool!), `#!/bin/sh\necho "${version}"\n`);
    chmodSync(join(bin, tool!), 0o755);
  }
  // A tool without --version prints its usage and fails: no version is reported for it.
  writeFileSync(join(bin, "gramine-sgx-pf-crypt"), "#!/bin/sh\necho 'Unknown option: ?' >&2\nexit 255\n");
  chmodSync(join(bin, "gramine-sgx-pf-crypt"), 0o755);
});
after(() => {
  aesm.close();
  dir.cleanup();
});

test("an SGX machine with FLC, AESM, DCAP and Gramine: every Gramine mode is available", () => {
  const r = doctor({ root: sgxRoot, path: bin, env: {} });
  assert.ok(r.sgx.every((p) => p.ok), JSON.stringify(r.sgx));
  assert.equal(r.sgx.find((p) => p.what === "EPC size")!.detail, "256 MiB");
  assert.ok(r.services.every((p) => p.ok), JSON.stringify(r.services));
  assert.equal(r.tools.find((t) => t.name === "gramine-sgx")!.version, "Gramine 1.9");
  assert.deepEqual(r.tools.find((t) => t.name === "gramine-sgx-pf-crypt"), { name: "gramine-sgx-pf-crypt", path: join(bin, "gramine-sgx-pf-crypt") });
  const mode = (m: string) => r.modes.find((x) => x.mode.startsWith(m))!;
  assert.ok(mode("gramine-sgx").ok);
  assert.ok(mode("remote attestation").ok);
  assert.equal(mode("Mystikos").ok, false);
  assert.match(mode("Mystikos").why, /missing: myst/);
});

test("SGX without FLC: no Gramine run, and FLC named as what is missing", () => {
  const noFlc = join(dir.path, "noflc");
  cpSync(sgxRoot, noFlc, { recursive: true, filter: (src) => !src.endsWith("aesm.socket") });
  writeFileSync(join(noFlc, "proc", "cpuinfo"), "flags\t\t: fpu sgx avx2\n");
  const r = doctor({ root: noFlc, path: bin, env: {} });
  assert.equal(r.sgx.find((p) => p.what.startsWith("FLC"))!.ok, false);
  const gramine = r.modes.find((m) => m.mode.startsWith("gramine-sgx"))!;
  assert.equal(gramine.ok, false);
  assert.equal(gramine.why, "missing: FLC");
  assert.match(r.services[0]!.detail, /absent/);
});

test("a machine without SGX: nothing available but the host modes, each absence explained", () => {
  const r = doctor({ root: emptyRoot, path: join(emptyRoot, "none"), env: {} });
  assert.ok(r.sgx.every((p) => !p.ok));
  assert.ok(r.tools.every((t) => !t.path));
  assert.deepEqual(r.modes.filter((m) => m.ok).map((m) => m.mode.split(":")[0]), ["host", "gramine manifest / mystikos config (generate)"]);
  assert.match(r.modes.find((m) => m.mode.startsWith("gramine-sgx"))!.why, /\/dev\/sgx_enclave, FLC, gramine-sgx/);
  assert.equal(r.enclave.inEnclave, false);
});

test("msplit doctor never fails, here too", () => {
  const r = runCli(["doctor", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.ok(Array.isArray(report.modes) && report.modes.length >= 4);
  assert.equal(runCli(["doctor"]).status, 0);
});
