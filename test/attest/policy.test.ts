import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { appraiseQuote } from "../../src/attest/appraise.js";
import { parseCollateral } from "../../src/attest/dcap/collateral.js";
import { type EvidenceClaims, evaluatePolicy, parsePolicy } from "../../src/attest/policy.js";
import { fixturesDir } from "../helpers/index.js";

const dir = join(fixturesDir, "dcap");
const PHALA = { mr_enclave: "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb", mr_signer: "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6" };
const good: EvidenceClaims = { tee: "sgx", ...PHALA, isv_prod_id: 3, isv_svn: 5, debug: false, tcb_status: "UpToDate" };
const policy = (extra: object = {}) => parsePolicy(JSON.stringify({ version: 1, mr_enclave: [PHALA.mr_enclave], ...extra }));

test("policy files: typos, weak policies and wrong types are refused with the reason", () => {
  const bad: [object, RegExp][] = [
    [{ version: 1 }, /mr_enclave/],
    [{ version: 2, mr_enclave: PHALA.mr_enclave }, /version/],
    [{ version: 1, mr_enclave: "abc" }, /32-byte hex/],
    [{ version: 1, mr_enclave: PHALA.mr_enclave, alow_debug: true }, /unknown key "alow_debug"/],
    [{ version: 1, mr_enclave: PHALA.mr_enclave, allow_debug: "yes" }, /allow_debug/],
    [{ version: 1, mr_enclave: PHALA.mr_enclave, accepted_tcb_statuses: ["Fine"] }, /accepted_tcb_statuses/],
    [{ version: 1, mr_enclave: PHALA.mr_enclave, min_isv_svn: -1 }, /min_isv_svn/],
    [{ version: 1, mr_signer: PHALA.mr_signer }, /isv_prod_id/],
  ];
  for (const [p, message] of bad) assert.throws(() => parsePolicy(JSON.stringify(p)), { code: "ERR_POLICY_INVALID", message });
  assert.throws(() => parsePolicy("{"), { code: "ERR_POLICY_INVALID" });
  assert.deepEqual(policy().accepted_tcb_statuses, ["UpToDate"]);
  assert.equal(policy().allow_debug, false);
  assert.equal(policy().require_collateral, true);
});

test("every rule refuses by name", () => {
  assert.deepEqual(evaluatePolicy(policy(), good), []);
  const rules = (p: ReturnType<typeof policy>, c: Partial<EvidenceClaims>) => evaluatePolicy(p, { ...good, ...c }).map((r) => r.rule);
  assert.deepEqual(rules(policy(), { mr_enclave: "00".repeat(32) }), ["mr_enclave"]);
  assert.deepEqual(rules(policy({ mr_signer: [PHALA.mr_signer] }), { mr_signer: "11".repeat(32) }), ["mr_signer"]);
  assert.deepEqual(rules(policy({ isv_prod_id: 4 }), {}), ["isv_prod_id"]);
  assert.deepEqual(rules(policy({ min_isv_svn: 6 }), {}), ["min_isv_svn"]);
  assert.deepEqual(rules(policy({ min_isv_svn: 5 }), {}), []);
  assert.deepEqual(rules(policy(), { debug: true }), ["allow_debug"]);
  assert.deepEqual(rules(policy({ allow_debug: true }), { debug: true }), []);
  assert.deepEqual(rules(policy(), { tcb_status: "OutOfDate" }), ["accepted_tcb_statuses"]);
  assert.deepEqual(rules(policy({ accepted_tcb_statuses: ["UpToDate", "OutOfDate"] }), { tcb_status: "OutOfDate" }), []);
  assert.deepEqual(rules(policy(), { tcb_status: undefined }), ["require_collateral"]);
  assert.deepEqual(rules(policy({ require_collateral: false }), { tcb_status: undefined }), []);
  assert.deepEqual(rules(policy(), { tee: "sample" }), ["sample_evidence"]);
  assert.deepEqual(evaluatePolicy(policy(), { tee: "sample" }, { allowSample: true }), []);
});

test("real quotes: phala passes a policy that accepts its TCB status; occlum is refused as DEBUG", () => {
  const now = new Date("2025-07-01T00:00:00Z");
  const collateral = parseCollateral(readFileSync(join(dir, "phala_sgx_quote_collateral.json")));
  const quote = readFileSync(join(dir, "phala_sgx_quote.dat"));
  const strict = appraiseQuote(quote, { now, collateral, policy: policy() });
  assert.deepEqual(strict.refusals?.map((r) => r.rule), ["accepted_tcb_statuses"]);
  assert.equal(strict.ok, false);
  const lenient = appraiseQuote(quote, { now, collateral, policy: policy({ accepted_tcb_statuses: ["UpToDate", "ConfigurationAndSWHardeningNeeded"] }) });
  assert.ok(lenient.ok, JSON.stringify(lenient.refusals));
  const occlum = appraiseQuote(readFileSync(join(dir, "trustee_occlum_quote.dat")), {
    now: new Date("2025-09-01T00:00:00Z"),
    collateral: parseCollateral(readFileSync(join(dir, "automata_00606a000000_collateral.json"))),
    policy: parsePolicy(JSON.stringify({ version: 1, mr_enclave: "8f173e4613ff05c52aaf04162d234edae8c9977eae47eb2299ae16a553011c68", accepted_tcb_statuses: ["OutOfDate"] })),
  });
  assert.ok(occlum.report.ok, "the quote itself is genuine");
  assert.deepEqual(occlum.refusals?.map((r) => r.rule), ["allow_debug"]);
});
