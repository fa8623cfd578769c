import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseCollateral } from "../../src/attest/dcap/collateral.js";
import { bitFlips, fuzzQuote, randomMutants } from "../../src/attest/dcap/mutate.js";
import { fixturesDir } from "../helpers/index.js";

/**
 * Bounded in `npm test` (a few thousand mutants); `npm run fuzz:quotes` runs every bit flip of
 * every real quote and 20,000 random mutations each.
 */
const dir = join(fixturesDir, "dcap");
const real = [
  ["phala_sgx_quote.dat", "phala_sgx_quote_collateral.json", "2025-07-01T00:00:00Z"],
  ["automata_quotev3.dat", "automata_00606a000000_collateral.json", "2025-09-01T00:00:00Z"],
  ["trustee_occlum_quote.dat", "automata_00606a000000_collateral.json", "2025-09-01T00:00:00Z"],
] as const;

for (const [file, coll, now] of real) {
  test(`${file}: 700 random mutations (flips, truncations, extensions, length fields) are all refused`, () => {
    const quote = readFileSync(join(dir, file));
    const r = fuzzQuote(randomMutants(quote, 700, 0x5eed), { now: new Date(now), collateral: parseCollateral(readFileSync(join(dir, coll))) });
    assert.deepEqual(r.findings, []);
    assert.equal(r.tried, 700);
    assert.ok(r.parseRefused > 0 && r.checkRefused > 0, "both refusal paths exercised");
  });
}

test("phala_sgx_quote.dat: every bit flip in the header and report body (3,456) is refused", () => {
  const quote = readFileSync(join(dir, "phala_sgx_quote.dat"));
  const r = fuzzQuote(bitFlips(quote, 0, 432), { now: new Date("2025-07-01T00:00:00Z") });
  assert.equal(r.tried, 432 * 8);
  assert.deepEqual(r.findings, []);
});

test("every truncation of a quote is refused by the parser", () => {
  const quote = readFileSync(join(dir, "automata_quotev3.dat"));
  const mutants = Array.from({ length: quote.length }, (_, n) => ({ kind: "truncate" as const, at: n, bytes: quote.subarray(0, n) }));
  const r = fuzzQuote(mutants, { now: new Date("2025-09-01T00:00:00Z") });
  assert.deepEqual(r.findings, []);
  assert.equal(r.parseRefused + r.checkRefused, quote.length);
});

test("the PCK chain has one encoding: base64 slack bits, stray padding, trailing DER bytes and odd whitespace are refused", () => {
  // Bit flips the exhaustive fuzzer once found accepted: they left the certificates' DER unchanged
  // (unused bits of the last base64 character, '=' turned into data that OpenSSL ignored after the
  // DER, a vertical tab or a space where a line break or the NUL stood).
  const quote = readFileSync(join(dir, "phala_sgx_quote.dat"));
  const bits = [21297, 21306, 21307, 21318, 21520, 28986, 28987, 28998, 29200, 36561, 36570, 36571, 36582, 36784, 36797];
  const mutants = bits.map((at) => {
    const bytes = Buffer.from(quote);
    bytes[at >> 3]! ^= 1 << (at & 7);
    return { kind: "bitflip" as const, at, bytes };
  });
  const r = fuzzQuote(mutants, { now: new Date("2025-07-01T00:00:00Z") });
  assert.deepEqual(r.findings, []);
});
