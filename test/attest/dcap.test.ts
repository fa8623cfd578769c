import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseCollateral } from "../../src/attest/dcap/collateral.js";
import { INTEL_SGX_ROOT_CA, INTEL_SGX_ROOT_CA_SHA256 } from "../../src/attest/dcap/intel-root.js";
import { parseQuote } from "../../src/attest/dcap/quote.js";
import { type CheckName, verifyQuote } from "../../src/attest/dcap/verify.js";
import { fixturesDir } from "../helpers/index.js";
import { syntheticQuote, TEST_ROOT } from "../kbs/synthetic-quote.js";

/** Every quote in test/fixtures/dcap gives the outcome its index.json states. */
const dir = join(fixturesDir, "dcap");
interface Entry {
  file: string;
  format: string;
  [k: string]: unknown;
}
const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { files: Entry[] };
const quotes = index.files.filter((f) => f.format === "sgx-dcap-quote");
const read = (f: string) => readFileSync(join(dir, f));
const CORE: Record<string, CheckName> = { pck_chain: "pck_chain", qe_report_sig: "qe_report_signature", qe_report_data_binding: "qe_report_data", isv_sig: "isv_signature" };
const outcome = (r: ReturnType<typeof verifyQuote>, name: CheckName) => r.checks.find((c) => c.name === name)?.ok;

test("the shipped root is the pinned Intel SGX Root CA, byte for byte", () => {
  assert.equal(INTEL_SGX_ROOT_CA.fingerprint256.replaceAll(":", ""), INTEL_SGX_ROOT_CA_SHA256);
  assert.ok(INTEL_SGX_ROOT_CA.raw.equals(new X509Certificate(read("intel_sgx_root_ca.pem")).raw));
  const fake = new X509Certificate(read("intel_qvl_fake_root_ca.pem"));
  assert.equal(fake.subject, INTEL_SGX_ROOT_CA.subject, "the fake root has the same name");
  assert.ok(!fake.raw.equals(INTEL_SGX_ROOT_CA.raw));
});

for (const f of quotes) {
  test(`${f.file}: parsed fields and the four core checks as index.json says`, () => {
    const q = parseQuote(read(f.file));
    assert.equal(q.header.version, f.version);
    assert.equal(q.header.qeSvn, f.qe_svn);
    assert.equal(q.header.pceSvn, f.pce_svn);
    assert.equal(q.header.qeVendorId, f.qe_vendor_id);
    assert.equal(q.certification.type, f.certification_data_type);
    const r = verifyQuote(read(f.file), { now: new Date("2025-09-01T00:00:00Z") });
    assert.equal(r.quote.mr_enclave, f.mr_enclave);
    assert.equal(r.quote.mr_signer, f.mr_signer);
    assert.equal(r.quote.isv_prod_id, f.isv_prod_id);
    assert.equal(r.quote.isv_svn, f.isv_svn);
    assert.equal(r.quote.attributes_flags, f.attributes_flags);
    assert.equal(r.quote.debug, f.debug);
    assert.equal(r.quote.report_data, f.report_data);
    const expected = f.expected_core_checks as Record<string, string>;
    for (const [k, v] of Object.entries(expected)) assert.equal(outcome(r, CORE[k]!), v === "pass", `${k}: expected ${v}`);
    assert.equal(r.ok, Object.values(expected).every((v) => v === "pass"));
    const leaf = f.pck_leaf as { fmspc: string; pcesvn: number; sgx_tcb_comp_svns: number[]; issuer_cn: string } | undefined;
    if (leaf) {
      assert.equal(r.pck?.fmspc, leaf.fmspc);
      assert.equal(r.pck?.pce_svn, leaf.pcesvn);
      assert.deepEqual(r.pck?.tcb_components, leaf.sgx_tcb_comp_svns);
      assert.equal(r.pck?.issuer, leaf.issuer_cn);
    }
  });

  const tcb = f.expected_tcb as { platform_status: string; advisory_ids: string[]; qe_status: string; collateral_window: { not_before: string; not_after: string; suggested_now: string } } | undefined;
  if (tcb) {
    test(`${f.file}: with ${f.collateral as string} inside its window, TCB ${tcb.platform_status}`, () => {
      const collateral = parseCollateral(read(f.collateral as string));
      const r = verifyQuote(read(f.file), { now: new Date(tcb.collateral_window.suggested_now), collateral });
      assert.deepEqual(r.checks.filter((c) => !c.ok), []);
      assert.ok(r.ok);
      assert.equal(r.tcb?.platform_status, tcb.platform_status);
      assert.equal(r.tcb?.qe_status, tcb.qe_status);
      assert.deepEqual([...r.tcb.advisory_ids].sort(), [...tcb.advisory_ids].sort());
    });
    test(`${f.file}: the same collateral outside its window is refused`, () => {
      const collateral = parseCollateral(read(f.collateral as string));
      const day = 24 * 3600 * 1000;
      for (const now of [new Date(Date.parse(tcb.collateral_window.not_after) + day), new Date(Date.parse(tcb.collateral_window.not_before) - day)]) {
        const r = verifyQuote(read(f.file), { now, collateral });
        assert.equal(r.ok, false, `accepted at ${now.toISOString()}`);
        assert.ok(r.checks.some((c) => !c.ok && /validity|crl/.test(c.name)), JSON.stringify(r.checks.filter((c) => !c.ok)));
      }
    });
  }
}

test("the fake-root quote fails only because of the pin: with the fake root pinned, every core check passes", () => {
  const fakeRoot = new X509Certificate(read("intel_qvl_fake_root_ca.pem"));
  const now = new Date("2025-09-01T00:00:00Z");
  const real = verifyQuote(read("intel_qvl_sample_quote_fake_root_type5.dat"), { now });
  assert.deepEqual(real.checks.filter((c) => !c.ok).map((c) => c.name), ["pck_chain"]);
  const fake = verifyQuote(read("intel_qvl_sample_quote_fake_root_type5.dat"), { now, root: fakeRoot });
  assert.ok(fake.ok, JSON.stringify(fake.checks));
});

test("collateral for another platform is refused (FMSPC, PCK CA CRL)", () => {
  const collateral = parseCollateral(read("automata_00606a000000_collateral.json"));
  const r = verifyQuote(read("phala_sgx_quote.dat"), { now: new Date("2025-09-01T00:00:00Z"), collateral });
  const failed = r.checks.filter((c) => !c.ok).map((c) => c.name);
  assert.ok(failed.includes("tcb_info_platform"), failed.join());
  assert.ok(failed.includes("pck_crl"), failed.join());
});

test("a PCK certificate on the CRL is refused", () => {
  const now = new Date("2025-09-01T00:00:00Z");
  const collateral = parseCollateral(read("automata_00606a000000_collateral.json"));
  const quote = read("automata_quotev3.dat");
  assert.ok(verifyQuote(quote, { now, collateral }).ok);
  const leaf = verifyQuote(quote, { now }).parsed.certification.data.toString("latin1").match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/)![0];
  // The CRL's signature covers the parsed list; the lookup is what is under test here.
  collateral.pckCrl.revoked.add(new X509Certificate(leaf).serialNumber.replace(/^0+/, ""));
  const r = verifyQuote(quote, { now, collateral });
  assert.equal(r.checks.find((c) => c.name === "pck_not_revoked")?.ok, false);
  assert.equal(r.ok, false);
});

test("collateral with a tampered signed text is refused", () => {
  const now = new Date("2025-07-01T00:00:00Z");
  const json = JSON.parse(read("phala_sgx_quote_collateral.json").toString("utf8"));
  json.tcb_info = json.tcb_info.replace('"tcbStatus":"OutOfDate"', '"tcbStatus":"UpToDate"');
  json.qe_identity = json.qe_identity.replace('"isvprodid":1', '"isvprodid":1 ');
  const r = verifyQuote(read("phala_sgx_quote.dat"), { now, collateral: parseCollateral(JSON.stringify(json)) });
  assert.equal(r.checks.find((c) => c.name === "tcb_info_signature")?.ok, false);
  assert.equal(r.checks.find((c) => c.name === "qe_identity_signature")?.ok, false);
});

test("malformed quotes: a clear ERR_QUOTE_INVALID", () => {
  const q = read("phala_sgx_quote.dat");
  const cases: [Buffer, RegExp][] = [
    [Buffer.alloc(0), /truncated/],
    [q.subarray(0, 47), /truncated/],
    [q.subarray(0, 436), /signature data length/],
    [Buffer.concat([q, Buffer.alloc(1)]), /signature data length/],
    [Buffer.alloc(70000), /too large/],
  ];
  const tdx = Buffer.from(q);
  tdx.writeUInt32LE(0x81, 4);
  cases.push([tdx, /TDX/]);
  const v5 = Buffer.from(q);
  v5.writeUInt16LE(5, 0);
  cases.push([v5, /version 5/]);
  const bigAuth = Buffer.from(q);
  bigAuth.writeUInt16LE(0xffff, 436 + 64 + 64 + 384 + 64);
  cases.push([bigAuth, /truncated/]);
  for (const [bytes, message] of cases) assert.throws(() => verifyQuote(bytes, { now: new Date() }), { code: "ERR_QUOTE_INVALID", message });
});

test("version 4 (QE report and PCK chain inside certification data type 6) verifies like version 3", () => {
  const now = new Date("2030-01-01T00:00:00Z");
  for (const version of [3, 4] as const) {
    const quote = syntheticQuote({ reportData: Buffer.alloc(64, 5), version });
    const r = verifyQuote(quote, { now, root: TEST_ROOT });
    assert.equal(r.quote.version, version);
    assert.ok(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)));
    assert.equal(r.quote.certification_data_type, 5);
    assert.equal(verifyQuote(quote, { now }).ok, false, "not under Intel's root");
  }
  const v4 = syntheticQuote({ reportData: Buffer.alloc(64), version: 4 });
  const inner = Buffer.from(v4);
  inner.writeUInt16LE(5, 436 + 128); // the outer type says 5: a v4 quote must carry type 6
  assert.throws(() => verifyQuote(inner, { now }), { code: "ERR_QUOTE_INVALID", message: /not 6/ });
  assert.throws(() => verifyQuote(v4.subarray(0, v4.length - 10), { now }), { code: "ERR_QUOTE_INVALID" });
});
