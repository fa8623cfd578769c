import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { exportJWK, generateKeyPair } from "jose";
import { GramineAttester } from "../../src/attest/gramine.js";
import { parsePolicy } from "../../src/attest/policy.js";
import { SampleAttester } from "../../src/attest/sample.js";
import { fetchResource } from "../../src/kbs/client.js";
import { exchange } from "../../src/kbs/http.js";
import { runtimeDataDigest, padReportData } from "../../src/kbs/protocol.js";
import { ResourceStore } from "../../src/kbs/resources.js";
import { createKbsServer } from "../../src/kbs/server.js";
import { fixturesDir, tempDir } from "../helpers/index.js";
import { syntheticQuote, TEST_ROOT } from "./synthetic-quote.js";

/**
 * The broker's refusals, each with its HTTP status and error type, against quotes that are
 * genuine under a test root (test/fixtures/dcap-test-ca) and Trustee's sample evidence.
 */
const GOOD = "11".repeat(32);
const tmp = tempDir("msplit-kbs-");
let now = new Date("2030-01-01T00:00:00Z");
let app: FastifyInstance;
let base: string;

before(async () => {
  mkdirSync(join(tmp.path, "res", "repo", "key"), { recursive: true });
  writeFileSync(join(tmp.path, "res", "repo", "key", "tag"), "the secret resource");
  app = await createKbsServer({
    policy: parsePolicy(JSON.stringify({ version: 1, mr_enclave: [GOOD], require_collateral: false })),
    resources: await ResourceStore.open(join(tmp.path, "res")),
    allowSample: true,
    root: TEST_ROOT,
    clock: () => now,
    logger: false,
    sessionTimeoutSeconds: 60,
  });
  base = await app.listen({ port: 0, host: "127.0.0.1" });
});
after(async () => {
  await app.close();
  tmp.cleanup();
});

const url = (p: string) => new URL(`/kbs/v0/${p}`, base);
const body = (r: { body: Buffer }) => JSON.parse(r.body.toString("utf8"));

async function auth(tee: "sgx" | "sample" = "sgx") {
  const r = await exchange("POST", url("auth"), { body: { version: "0.4.0", tee, "extra-params": "" } });
  assert.equal(r.status, 200);
  const cookie = /kbs-session-id=([^;]+)/.exec(String(r.headers["set-cookie"]))![1]!;
  return { cookie: `kbs-session-id=${cookie}`, nonce: body(r).nonce as string };
}

async function teeKey() {
  const { publicKey } = await generateKeyPair("ECDH-ES+A256KW", { crv: "P-256" });
  const j = await exportJWK(publicKey);
  return { kty: "EC", crv: "P-256", alg: "ECDH-ES+A256KW", x: j.x, y: j.y };
}

function attestation(nonce: string, pub: object, evidence: object) {
  return { "runtime-data": { nonce, "tee-pubkey": pub }, "tee-evidence": { primary_evidence: evidence, additional_evidence: "" } };
}

/** A full /auth + /attest with an SGX quote; returns the session's cookie and the responses. */
async function attestSgx(quoteFields: { mrEnclave?: string; debug?: boolean; wrongReportData?: boolean } = {}) {
  const s = await auth();
  const pub = await teeKey();
  const digest = runtimeDataDigest(pub, s.nonce, "");
  const reportData = quoteFields.wrongReportData ? padReportData(Buffer.alloc(48, 9)) : padReportData(digest);
  const quote = syntheticQuote({ reportData, mrEnclave: quoteFields.mrEnclave ?? GOOD, debug: quoteFields.debug });
  const msg = attestation(s.nonce, pub, { quote: quote.toString("base64") });
  const r = await exchange("POST", url("attest"), { headers: { cookie: s.cookie }, body: msg });
  return { ...s, msg, attest: r };
}

function refused(r: { status: number; body: Buffer }, status: number, kind: string) {
  assert.equal(r.status, status, r.body.toString());
  const b = body(r);
  assert.equal(b.type, `https://github.com/confidential-containers/kbs/errors/${kind}`);
  assert.equal(typeof b.detail, "string");
}

test("a genuine quote for an accepted enclave gets the resource as a JWE; the client decrypts it", async () => {
  const ok = await attestSgx();
  assert.equal(ok.attest.status, 200, ok.attest.body.toString());
  assert.equal(typeof body(ok.attest).token, "string");
  const res = await exchange("GET", url("resource/repo/key/tag"), { headers: { cookie: ok.cookie } });
  assert.equal(res.status, 200);
  const jwe = body(res);
  assert.deepEqual(Object.keys(jwe).sort(), ["ciphertext", "encrypted_key", "iv", "protected", "tag"]);
  const header = JSON.parse(Buffer.from(jwe.protected, "base64url").toString());
  assert.equal(header.alg, "ECDH-ES+A256KW");
  assert.equal(header.enc, "A256GCM");
  assert.equal(header.epk.crv, "P-256");
  assert.ok(!res.body.includes(Buffer.from("the secret resource")), "the resource is encrypted");
  const bearer = await exchange("GET", url("resource/repo/key/tag"), { headers: { authorization: `Bearer ${body(ok.attest).token}` } });
  assert.equal(bearer.status, 200);
});

test("end to end with the library client: sample evidence and Gramine evidence from a quote", async () => {
  const sample = await fetchResource({ url: base, attester: new SampleAttester() }, "repo/key/tag");
  assert.equal(sample.toString(), "the secret resource");
  // A /dev/attestation imitation whose quote is produced for the report data the client writes.
  const dev = join(tmp.path, "dev-attestation");
  mkdirSync(dev, { recursive: true });
  writeFileSync(join(dev, "attestation_type"), "dcap");
  writeFileSync(join(dev, "user_report_data"), Buffer.alloc(64));
  writeFileSync(join(dev, "quote"), Buffer.alloc(0));
  const gramine = new GramineAttester(dev);
  const attester = {
    tee: "sgx" as const,
    evidence: async (rd: Uint8Array) => {
      // What Gramine's quoting enclave does between the write and the read.
      writeFileSync(join(dev, "quote"), syntheticQuote({ reportData: padReportData(rd), mrEnclave: GOOD }));
      return gramine.evidence(rd);
    },
  };
  assert.equal((await fetchResource({ url: base, attester }, "repo/key/tag")).toString(), "the secret resource");
  assert.deepEqual(readFileSync(join(dev, "user_report_data")).subarray(48), Buffer.alloc(16), "report data zero-padded");
});

test("missing cookie: 401 MissingCookie on /attest and on /resource", async () => {
  const s = await auth();
  refused(await exchange("POST", url("attest"), { body: attestation(s.nonce, await teeKey(), { svn: "1", report_data: "" }) }), 401, "MissingCookie");
  refused(await exchange("GET", url("resource/repo/key/tag"), {}), 401, "MissingCookie");
  refused(await exchange("GET", url("resource/repo/key/tag"), { headers: { cookie: "kbs-session-id=00000000000000000000000000000000" } }), 401, "SessionNotFound");
});

test("replayed nonce: a second /attest in the session, and the same message in a new session, are refused", async () => {
  const first = await attestSgx();
  assert.equal(first.attest.status, 200);
  refused(await exchange("POST", url("attest"), { headers: { cookie: first.cookie }, body: first.msg }), 401, "NonceReused");
  const other = await auth();
  refused(await exchange("POST", url("attest"), { headers: { cookie: other.cookie }, body: first.msg }), 401, "NonceMismatch");
  // A failed attempt uses the nonce up too: no second try with the same challenge.
  const failed = await attestSgx({ wrongReportData: true });
  refused(failed.attest, 401, "ReportDataMismatch");
  refused(await exchange("POST", url("attest"), { headers: { cookie: failed.cookie }, body: failed.msg }), 401, "NonceReused");
});

test("expired session: 401 SessionExpired on /attest and /resource", async () => {
  const s = await auth();
  const ok = await attestSgx();
  const start = now;
  now = new Date(start.getTime() + 61_000);
  try {
    refused(await exchange("POST", url("attest"), { headers: { cookie: s.cookie }, body: attestation(s.nonce, await teeKey(), { quote: "" }) }), 401, "SessionExpired");
    refused(await exchange("GET", url("resource/repo/key/tag"), { headers: { cookie: ok.cookie } }), 401, "SessionExpired");
    refused(await exchange("GET", url("resource/repo/key/tag"), { headers: { authorization: `Bearer ${body(ok.attest).token}` } }), 401, "TokenInvalid");
  } finally {
    now = start;
  }
});

test("report_data that does not match the runtime data: 401 ReportDataMismatch (synthetic, sample and a real Intel quote)", async () => {
  refused((await attestSgx({ wrongReportData: true })).attest, 401, "ReportDataMismatch");
  const s = await auth("sample");
  refused(await exchange("POST", url("attest"), { headers: { cookie: s.cookie }, body: attestation(s.nonce, await teeKey(), { svn: "1", report_data: Buffer.alloc(48).toString("base64") }) }), 401, "ReportDataMismatch");
  const real = await auth();
  const quote = readFileSync(join(fixturesDir, "dcap", "phala_sgx_quote.dat")).toString("base64");
  refused(await exchange("POST", url("attest"), { headers: { cookie: real.cookie }, body: attestation(real.nonce, await teeKey(), { quote }) }), 401, "ReportDataMismatch");
});

test("measurement not in the policy, and a DEBUG enclave: attested, then 403 PolicyDeny naming the rule", async () => {
  const stranger = await attestSgx({ mrEnclave: "33".repeat(32) });
  assert.equal(stranger.attest.status, 200);
  const r1 = await exchange("GET", url("resource/repo/key/tag"), { headers: { cookie: stranger.cookie } });
  refused(r1, 403, "PolicyDeny");
  assert.match(body(r1).detail, /^mr_enclave: /);
  const debug = await attestSgx({ debug: true });
  const r2 = await exchange("GET", url("resource/repo/key/tag"), { headers: { cookie: debug.cookie } });
  refused(r2, 403, "PolicyDeny");
  assert.match(body(r2).detail, /^allow_debug: /);
});

test("other refusals: no such resource 404, unattested session 401, tampered quote 401, bad requests 400, oversized body 413", async () => {
  const ok = await attestSgx();
  refused(await exchange("GET", url("resource/repo/key/nope"), { headers: { cookie: ok.cookie } }), 404, "ResourceNotFound");
  const s = await auth();
  refused(await exchange("GET", url("resource/repo/key/tag"), { headers: { cookie: s.cookie } }), 401, "NotAttested");
  const t = await auth();
  const pub = await teeKey();
  const quote = syntheticQuote({ reportData: padReportData(runtimeDataDigest(pub, t.nonce, "")), mrEnclave: GOOD });
  quote[120]! ^= 1; // mr_enclave bit: the ISV signature no longer verifies
  const tampered = await exchange("POST", url("attest"), { headers: { cookie: t.cookie }, body: attestation(t.nonce, pub, { quote: quote.toString("base64") }) });
  refused(tampered, 401, "EvidenceRefused");
  assert.match(body(tampered).detail, /isv_signature/);
  refused(await exchange("POST", url("auth"), { body: { version: "0.1.0", tee: "sgx", "extra-params": "" } }), 400, "InvalidRequest");
  const u = await auth();
  refused(await exchange("POST", url("attest"), { headers: { cookie: u.cookie }, body: attestation(u.nonce, { kty: "EC", crv: "P-256", alg: "ECDH-ES+A256KW", x: "AA", y: "AA", d: "AA" }, {}) }), 400, "InvalidRequest");
  refused(await exchange("POST", url("auth"), { body: { version: "0.4.0", tee: "sgx", "extra-params": "x".repeat(70_000) } }), 413, "PayloadTooLarge");
});
