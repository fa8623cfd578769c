import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { expectCliFailure, fixturesDir, runCli, tempDir } from "../helpers/index.js";

const dcap = (f: string) => join(fixturesDir, "dcap", f);
const tmp = tempDir("msplit-attest-cli-");
after(() => tmp.cleanup());


test("attest verify: a real quote with its collateral passes every check, exit 0", () => {
  const r = runCli(["attest", "verify", dcap("phala_sgx_quote.dat"), "--collateral", dcap("phala_sgx_quote_collateral.json"), "--now", "2025-07-01T00:00:00Z", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.ok, true);
  assert.equal(j.quote.mr_enclave, "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb");
  assert.equal(j.checks.length, 15);
  assert.equal(j.tcb.status, "ConfigurationAndSWHardeningNeeded");
  assert.deepEqual(j.tcb.advisory_ids, ["INTEL-SA-00289", "INTEL-SA-00615"]);
  const human = runCli(["attest", "verify", dcap("phala_sgx_quote.dat"), "--collateral", dcap("phala_sgx_quote_collateral.json"), "--now", "2025-07-01T00:00:00Z"]);
  assert.equal(human.status, 0);
  assert.match(human.stdout, /mr_enclave\s+33d8736d/);
  assert.match(human.stdout, /pass\s+pck_chain/);
  assert.match(human.stdout, /result\s+PASS/);
});

test("attest verify: the fake-root quote is refused, naming the check", () => {
  const r = expectCliFailure(["attest", "verify", dcap("intel_qvl_sample_quote_fake_root_type5.dat"), "--now", "2025-09-01T00:00:00Z"], "ERR_ATTESTATION_REFUSED");
  assert.match(r.stderr, /pck_chain/);
  assert.match(r.stdout, /FAIL\s+pck_chain/);
});

test("attest verify: expired collateral fails; a policy refusal names its rule", () => {
  const expired = expectCliFailure(["attest", "verify", dcap("phala_sgx_quote.dat"), "--collateral", dcap("phala_sgx_quote_collateral.json"), "--now", "2025-08-01T00:00:00Z"], "ERR_ATTESTATION_REFUSED");
  assert.match(expired.stderr, /tcb_info_validity/);
  const policy = join(tmp.path, "policy.json");
  writeFileSync(policy, JSON.stringify({ version: 1, mr_enclave: "8f173e4613ff05c52aaf04162d234edae8c9977eae47eb2299ae16a553011c68", accepted_tcb_statuses: ["OutOfDate"] }));
  const debug = expectCliFailure(["attest", "verify", dcap("trustee_occlum_quote.dat"), "--collateral", dcap("automata_00606a000000_collateral.json"), "--now", "2025-09-01T00:00:00Z", "--policy", policy], "ERR_ATTESTATION_REFUSED");
  assert.match(debug.stderr, /policy allow_debug/);
  assert.match(debug.stdout, /REFUSED by rule allow_debug/);
});

test("attest verify: bad input gets one line and a stable code", () => {
  const truncated = join(tmp.path, "truncated.dat");
  writeFileSync(truncated, readFileSync(dcap("phala_sgx_quote.dat")).subarray(0, 1000));
  expectCliFailure(["attest", "verify", truncated], "ERR_QUOTE_INVALID");
  expectCliFailure(["attest", "verify", join(tmp.path, "missing.dat")], "ERR_IO");
  const fifo = join(tmp.path, "fifo");
  execFileSync("mkfifo", [fifo]);
  expectCliFailure(["attest", "verify", fifo], "ERR_NOT_REGULAR_FILE");
  expectCliFailure(["attest", "verify", dcap("phala_sgx_quote.dat"), "--now", "yesterday"], "ERR_USAGE", { exit: 2 });
  const badPolicy = join(tmp.path, "bad-policy.json");
  writeFileSync(badPolicy, JSON.stringify({ version: 1 }));
  expectCliFailure(["attest", "verify", dcap("phala_sgx_quote.dat"), "--policy", badPolicy], "ERR_POLICY_INVALID");
  expectCliFailure(["attest", "verify", dcap("phala_sgx_quote.dat"), "--collateral", dcap("index.json")], "ERR_COLLATERAL_INVALID");
});
