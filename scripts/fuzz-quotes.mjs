#!/usr/bin/env node
// `npm run fuzz:quotes [-- --random N --seed S]`: every single-bit flip of each real fixture quote
// (with and without its collateral), then N random mutations (flips, truncations, extensions,
// rewritten length fields). Every mutant must be refused; prints counts and any finding.
// Uses the built library (npm run build first; npm test does).
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { bitFlips, fuzzQuote, randomMutants } from "../dist/attest/dcap/mutate.js";
import { parseCollateral } from "../dist/attest/dcap/collateral.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "test", "fixtures", "dcap");
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const random = arg("--random", 20000);
const seed = arg("--seed", 1);
const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
let total = 0;
let findings = 0;
for (const f of index.files.filter((x) => x.format === "sgx-dcap-quote" && x.expected_core_checks?.isv_sig === "pass" && x.expected_core_checks?.pck_chain === "pass")) {
  const quote = readFileSync(join(dir, f.file));
  const now = new Date(f.expected_tcb?.collateral_window?.suggested_now ?? "2025-09-01T00:00:00Z");
  const collateral = f.collateral ? parseCollateral(readFileSync(join(dir, f.collateral))) : undefined;
  const runs = [
    ["every bit flip", bitFlips(quote), { now }],
    ["every bit flip of header+body, with collateral", bitFlips(quote, 0, 432), { now, collateral }],
    [`${random} random mutations (seed ${seed})`, randomMutants(quote, random, seed), { now, collateral }],
  ];
  for (const [what, mutants, opts] of runs) {
    const t0 = performance.now();
    const r = fuzzQuote(mutants, opts);
    total += r.tried;
    findings += r.findings.length;
    console.log(`${f.file}: ${what}: ${r.tried} mutants, ${r.parseRefused} refused by the parser, ${r.checkRefused} by a check, ${r.findings.length} findings (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    for (const x of r.findings.slice(0, 20)) console.log(`  FINDING ${x.kind} at ${x.at}: ${x.problem}`);
  }
}
console.log(`total: ${total} mutated quotes, ${findings} findings`);
process.exit(findings === 0 ? 0 : 1);
