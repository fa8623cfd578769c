import type { Command } from "commander";
import { readUntrusted } from "../../util/untrusted-file.js";
import { AttestationRefused, appraiseQuote, parseCollateral, parsePolicy, type Appraisal } from "../../attest/index.js";
import { UsageError } from "../../errors.js";
import { printJson } from "../output.js";

export function register(program: Command): void {
  const attest = program.command("attest").description("remote attestation: verify SGX DCAP quotes");
  attest
    .command("verify")
    .description("verify an SGX DCAP quote: PCK chain to the pinned Intel root, QE report, ISV signature; with collateral also revocation, QE identity and TCB status; exit 0 only when every check passed")
    .argument("<quote>", "the quote (binary, as read from /dev/attestation/quote)")
    .option("--collateral <file>", "Intel PCS collateral JSON (TCB info, QE identity, CRLs; docs/attestation.md)")
    .option("--policy <file>", "also apply this attestation policy (JSON; docs/attestation.md)")
    .option("--now <iso>", "the time at which certificates and collateral must be valid (ISO-8601; default: now)")
    .option("--json", "print the report as JSON on stdout")
    .action(async (quotePath: string, opts: { collateral?: string; policy?: string; now?: string; json?: boolean }) => {
      const now = parseNow(opts.now);
      const quote = await readUntrusted(quotePath, "quote");
      const collateral = opts.collateral ? parseCollateral(await readUntrusted(opts.collateral, "collateral"), opts.collateral) : undefined;
      const policy = opts.policy ? parsePolicy(await readUntrusted(opts.policy, "policy"), opts.policy) : undefined;
      const a = appraiseQuote(quote, { now, collateral, policy });
      if (opts.json) printJson(toJson(a, now));
      else process.stdout.write(formatAppraisal(a, now));
      if (!a.ok) {
        const failed = [...a.report.checks.filter((c) => !c.ok).map((c) => c.name), ...(a.refusals ?? []).map((r) => `policy ${r.rule}`)];
        throw new AttestationRefused(`${failed.length} check(s) failed: ${failed.join(", ")}`);
      }
    });
}

export function parseNow(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const d = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(d.getTime())) throw new UsageError(`--now must be an ISO-8601 time, e.g. 2025-07-01T00:00:00Z; got ${JSON.stringify(text.slice(0, 40))}`);
  return d;
}

function toJson(a: Appraisal, now: Date) {
  const { report, refusals, ok } = a;
  return { ok, now: now.toISOString(), quote: report.quote, pck: report.pck, checks: report.checks, tcb: report.tcb, policy: refusals ? { ok: refusals.length === 0, refusals } : undefined };
}

export function formatAppraisal(a: Appraisal, now: Date): string {
  const q = a.report.quote;
  const lines = [
    `quote        version ${q.version}, SGX, QE svn ${q.qe_svn}, PCE svn ${q.pce_svn}, certification data type ${q.certification_data_type}`,
    `mr_enclave   ${q.mr_enclave}`,
    `mr_signer    ${q.mr_signer}`,
    `isv_prod_id  ${q.isv_prod_id}   isv_svn ${q.isv_svn}   attributes ${q.attributes_flags}${q.debug ? "   DEBUG" : ""}`,
    `report_data  ${q.report_data}`,
  ];
  const pck = a.report.pck;
  if (pck) lines.push(`pck          ${pck.issuer}${pck.fmspc ? `, FMSPC ${pck.fmspc}, PCE SVN ${pck.pce_svn}` : ""}`);
  lines.push(`checks at ${now.toISOString()}:`);
  for (const c of a.report.checks) lines.push(`  ${c.ok ? "pass" : "FAIL"}  ${c.name.padEnd(22)} ${c.detail}`);
  const t = a.report.tcb;
  if (t) lines.push(`tcb          ${t.status} (platform ${t.platform_status}, QE ${t.qe_status}, TCB date ${t.tcb_date})${t.advisory_ids.length ? ` ${t.advisory_ids.join(" ")}` : ""}`);
  if (a.refusals) {
    if (a.refusals.length === 0) lines.push("policy       accepted");
    for (const r of a.refusals) lines.push(`policy       REFUSED by rule ${r.rule}: ${r.detail}`);
  }
  lines.push(`result       ${a.ok ? "PASS" : "FAIL"}`);
  return `${lines.join("\n")}\n`;
}
