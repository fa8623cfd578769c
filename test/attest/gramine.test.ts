import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { GramineAttester } from "../../src/attest/gramine.js";
import { SampleAttester } from "../../src/attest/sample.js";
import { fixturesDir, tempDir } from "../helpers/index.js";

/** A directory laid out like Gramine's /dev/attestation (Documentation/attestation.rst). */
function imitation(type = "dcap", quote = readFileSync(join(fixturesDir, "dcap", "phala_sgx_quote.dat"))) {
  const dir = tempDir("msplit-gramine-");
  mkdirSync(join(dir.path, "keys"));
  writeFileSync(join(dir.path, "attestation_type"), type);
  writeFileSync(join(dir.path, "user_report_data"), Buffer.alloc(64));
  writeFileSync(join(dir.path, "quote"), quote);
  writeFileSync(join(dir.path, "keys", "default"), Buffer.alloc(16));
  return dir;
}

const dirs: { cleanup(): void }[] = [];
after(() => dirs.forEach((d) => d.cleanup()));
function fresh(...args: Parameters<typeof imitation>) {
  const d = imitation(...args);
  dirs.push(d);
  return d.path;
}

test("writes the report data zero-padded to 64 bytes, then reads the quote", async () => {
  const root = fresh();
  const a = new GramineAttester(root);
  const rd = Buffer.from("0123456789abcdef0123456789abcdef0123456789abcdef", "latin1");
  const quote = await a.quote(rd);
  assert.deepEqual(quote, readFileSync(join(root, "quote")));
  const written = readFileSync(join(root, "user_report_data"));
  assert.equal(written.length, 64);
  assert.deepEqual(written.subarray(0, 48), rd);
  assert.ok(written.subarray(48).every((b) => b === 0));
  const ev = await a.evidence(rd);
  assert.deepEqual(Buffer.from(ev.quote as string, "base64"), quote);
});

test("attestation_type is read; 'none' refuses to quote", async () => {
  assert.equal(await new GramineAttester(fresh("dcap\n")).attestationType(), "dcap");
  const a = new GramineAttester(fresh("none"));
  assert.equal(await a.attestationType(), "none");
  await assert.rejects(a.quote(Buffer.alloc(48)), { code: "ERR_ATTESTER_UNAVAILABLE", message: /remote_attestation = "dcap"/ });
  await assert.rejects(new GramineAttester(fresh("epid")).attestationType(), { code: "ERR_ATTESTER_UNAVAILABLE" });
});

test("outside Gramine: a clear error, not a crash", async () => {
  await assert.rejects(new GramineAttester("/nonexistent/attestation").quote(Buffer.alloc(48)), { code: "ERR_ATTESTER_UNAVAILABLE", message: /not inside Gramine/ });
});

test("report data over 64 bytes, an empty or oversized quote are refused", async () => {
  await assert.rejects(new GramineAttester(fresh()).quote(Buffer.alloc(65)), { code: "ERR_ATTESTER_UNAVAILABLE" });
  await assert.rejects(new GramineAttester(fresh("dcap", Buffer.alloc(0))).quote(Buffer.alloc(48)), { code: "ERR_ATTESTER_UNAVAILABLE", message: /empty/ });
  await assert.rejects(new GramineAttester(fresh("dcap", Buffer.alloc(8193, 1))).quote(Buffer.alloc(48)), { code: "ERR_ATTESTER_UNAVAILABLE", message: /more than 8192/ });
});

test("encrypted-mount keys: exactly 16 bytes, only declared names", async () => {
  const root = fresh();
  const a = new GramineAttester(root);
  const key = Buffer.from("00112233445566778899aabbccddeeff", "hex");
  await a.setMountKey("default", key);
  assert.deepEqual(readFileSync(join(root, "keys", "default")), key);
  await assert.rejects(a.setMountKey("default", Buffer.alloc(32, 1)), { code: "ERR_ATTESTER_UNAVAILABLE", message: /exactly 16/ });
  await assert.rejects(a.setMountKey("undeclared", key), { code: "ERR_ATTESTER_UNAVAILABLE", message: /ENOENT/ });
  await assert.rejects(a.setMountKey("../quote", key), { code: "ERR_ATTESTER_UNAVAILABLE", message: /invalid/ });
  assert.deepEqual(readFileSync(join(root, "quote")), readFileSync(join(fixturesDir, "dcap", "phala_sgx_quote.dat")));
});

test("sample evidence carries the raw digest, as Trustee's sample attester", async () => {
  const digest = Buffer.alloc(48, 7);
  assert.deepEqual(await new SampleAttester().evidence(digest), { svn: "1", report_data: digest.toString("base64") });
});
